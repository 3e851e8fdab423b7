"""Stage 2: the push sends every checked item once, and QuickBooks then agrees with the MMS."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from memberbooks.exports import actions as exports
from memberbooks.exports.models import ExportDecision, ExportStatus, InSyncPoint
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import ApplicationDraft, CreditMemoDraft, LineDraft
from memberbooks.ledger.models import Member
from memberbooks.ledger.queries import member_balance
from memberbooks.mapping import actions as mapping
from memberbooks.sync.models import OutboxItem, OutboxState, RunState
from memberbooks.sync.push import push
from tests.books import D
from tests.mapping.conftest import Connected
from tests.sync.test_check import go, link, map_all


def qb_balance(qb: Connected, customer_id: str) -> Decimal:
    return Decimal(str(qb.client.read("Customer", customer_id)["Balance"]))


def qb_docs(qb: Connected, entity: str) -> list[dict[str, object]]:
    return list(qb.client.query_all(entity, {}))


def test_push_sends_everything_once_and_ar_agrees(qb: Connected) -> None:
    books = qb.books
    pat, lee = books.member("Smith"), books.member("Lee")
    ids = {pat.pk: link(qb, pat), lee.pk: link(qb, lee)}
    map_all(qb)
    dues = books.invoice(pat, "100.00", "2026-01-10")
    event = books.invoice(pat, "40.00", "2026-01-11")
    lee_dues = books.invoice(lee, "75.00", "2026-01-12")
    paid = books.pay(pat, "120.00", "2026-01-20", (dues, "100.00"), (event, "10.00"))
    credit = ledger.post_credit_memo(
        books.actor,
        CreditMemoDraft(
            member=lee,
            date=dt.date(2026, 1, 21),
            lines=[LineDraft(gl_account=books.dues, unit_price=D("25.00"))],
            applications=[ApplicationDraft(lee_dues, D("25.00"))],
        ),
    )
    mistake = books.invoice(lee, "9.00", "2026-01-13")
    ledger.void_invoice(books.actor, mistake, dt.date(2026, 1, 14), "billed twice")
    go(qb, dues, event, lee_dues, paid, credit, mistake)

    run = push(qb.actor)

    assert run.state == RunState.DONE, run.note
    assert (run.confirmed, run.failed, run.held) == (
        8,
        0,
        0,
    )  # 4 invoices, payment, memo, application, void
    numbers = sorted(str(i["DocNumber"]) for i in qb_docs(qb, "Invoice"))
    assert numbers == sorted([dues.number, event.number, lee_dues.number, mistake.number])
    for member in (pat, lee):
        assert qb_balance(qb, ids[member.pk]) == member_balance(Member.objects.get(pk=member.pk))
    decisions = ExportDecision.objects.filter(organisation=books.org)
    assert {d.status for d in decisions} == {ExportStatus.EXPORTED}
    assert all(d.qb_id for d in decisions)

    again = push(qb.actor)
    assert (again.planned, again.confirmed) == (0, 0)
    assert len(qb_docs(qb, "Invoice")) == 4 and len(qb_docs(qb, "Payment")) == 2


def test_implicit_go_after_the_insync_point_gets_its_decision_row(qb: Connected) -> None:
    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    before = books.invoice(pat, "10.00", "2025-12-01")
    exports.mark(books.actor, [("invoice", before.pk)], False, "before in-sync point")
    InSyncPoint.objects.create(
        organisation=books.org,
        date=dt.date(2026, 1, 1),
        mms_ar_total=D("10.00"),
        mms_ar_net=D("10.00"),
        qb_ar_total=D("10.00"),
        set_by="admin",
        set_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    after = books.invoice(pat, "20.00", "2026-01-05")

    run = push(qb.actor)

    assert run.confirmed == 1
    row = ExportDecision.objects.get(organisation=books.org, doc_type="invoice", doc_id=after.pk)
    assert (row.decision, row.reason, row.status) == ("go", "on or after in-sync point", "exported")
    assert [str(i["DocNumber"]) for i in qb_docs(qb, "Invoice")] == [after.number]


def test_a_refused_item_fails_alone_and_the_next_sync_sends_it_after_the_fix(
    qb: Connected,
) -> None:
    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    services = qb.find("Item", "Services")
    mapping.map_gl(qb.actor, books.events, item_id=services["Id"])
    good = books.invoice(pat, "10.00", "2026-01-05")
    bad = books.invoice(pat, "20.00", "2026-01-06", account=books.events)
    go(qb, good, bad)
    qb.client.deactivate("Item", services["Id"], services["SyncToken"])

    run = push(qb.actor)

    assert (run.confirmed, run.failed) == (1, 1)
    failed = OutboxItem.objects.get(state=OutboxState.FAILED)
    assert (failed.doc_id, failed.error_code) == (bad.pk, "610")
    assert "inactive" in failed.message.lower() or failed.fix
    row = ExportDecision.objects.get(organisation=books.org, doc_type="invoice", doc_id=bad.pk)
    assert row.status == ExportStatus.FAILED and row.last_error

    again = qb.client.read("Item", services["Id"])
    qb.client.sparse_update("Item", services["Id"], again["SyncToken"], {"Active": True})
    retry = push(qb.actor)

    assert (retry.confirmed, retry.failed) == (1, 0)
    failed.refresh_from_db()
    assert (failed.state, failed.generation) == (OutboxState.CONFIRMED, 1)
    assert sorted(str(i["DocNumber"]) for i in qb_docs(qb, "Invoice")) == [good.number, bad.number]


def test_cli_push_json_reports_the_run_and_exits_non_zero_on_failure(qb: Connected) -> None:
    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    go(qb, books.invoice(pat, "10.00", "2026-01-05"))
    out = StringIO()
    call_command("sync", books.org.slug, "--push", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["confirmed"], data["failed"], data["held"]) == (1, 0, 0)
    assert data["run"] and data["duration_s"] >= 0

    services = qb.find("Item", "Annual Membership")
    qb.client.deactivate("Item", services["Id"], services["SyncToken"])
    go(qb, books.invoice(pat, "12.00", "2026-01-06"))
    with pytest.raises(SystemExit) as stopped:
        call_command("sync", books.org.slug, "--push", "--json", stdout=StringIO())
    assert stopped.value.code == 1


def test_start_runs_a_queued_sync_and_progress_reports_it(qb: Connected) -> None:
    """With Django's ImmediateBackend (the test default) the job runs inside `start`."""
    from memberbooks.sync import runs

    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    go(qb, books.invoice(pat, "10.00", "2026-01-05"), books.invoice(pat, "11.00", "2026-01-06"))

    run = runs.start(qb.actor)

    assert run.state == RunState.DONE and run.started_by == "bookkeeper"
    shown = runs.progress(run).as_json()
    assert (shown["done"], shown["total"], shown["failed"], shown["percent"]) == (2, 2, 0, 100)
    assert runs.active(books.org) is None


def test_a_second_start_joins_the_active_run(qb: Connected) -> None:
    from memberbooks.sync import runs
    from memberbooks.sync.models import SyncRun

    queued = SyncRun.objects.create(
        organisation=qb.books.org,
        started_by="someone",
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        state=RunState.QUEUED,
    )
    assert runs.start(qb.actor).pk == queued.pk
    assert SyncRun.objects.filter(organisation=qb.books.org).count() == 1


def test_a_row_left_sent_is_found_by_its_marker_and_not_sent_again(qb: Connected) -> None:
    """A crash after QuickBooks stored the invoice and before memberbooks heard back, with
    the request id forgotten: the check finds the invoice by number and marker, and the
    push confirms the row instead of sending it again."""
    from memberbooks.sync import bodies, outbox
    from memberbooks.sync.check import check
    from memberbooks.sync.models import SyncRun
    from memberbooks.sync.plan import load_links, load_mappings

    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    invoice = books.invoice(pat, "10.00", "2026-01-05")
    go(qb, invoice)
    crashed = SyncRun.objects.create(
        organisation=books.org, started_by="worker", created_at=dt.datetime.now(dt.UTC)
    )
    rows = outbox.queue(crashed, check(qb.actor).items)
    outbox.mark_sent([row for row, _ in rows], "lost-batch")
    refs = bodies.Refs(books.org.slug, load_links(books.org), load_mappings(books.org), "")
    stored = qb.client.create("Invoice", bodies.invoice(invoice, list(invoice.lines.all()), refs))

    run = push(qb.actor)

    assert (run.confirmed, run.failed) == (1, 0)
    row = OutboxItem.objects.get()
    assert (row.state, row.qb_id, row.attempts) == (OutboxState.CONFIRMED, stored["Id"], 1)
    assert [str(i["DocNumber"]) for i in qb_docs(qb, "Invoice")] == [invoice.number]


def test_batches_a_crash_left_sent_go_again_whole_while_singles_are_on(
    qb: Connected, settings: Any
) -> None:
    """Three batches of voids QuickBooks stored before a crash (no marker finds a void, so
    they are resent), and a batch limit of one a minute: the next push resends each
    batch whole under its own key, and QuickBooks replays it. It never takes a row out
    of one to send as a single: under a new key the void would be sent again."""
    from memberbooks.quickbooks.online.client import BatchItem
    from memberbooks.sync import outbox
    from memberbooks.sync.check import check
    from memberbooks.sync.models import SyncRun

    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    invoices = [books.invoice(pat, f"{10 + n}.00", "2026-01-05") for n in range(12)]
    for invoice in invoices:
        go(qb, invoice)
    assert push(qb.actor).confirmed == 12
    created = {r.doc_id: r for r in OutboxItem.objects.filter(operation="create")}
    for invoice in invoices:
        ledger.void_invoice(books.actor, invoice, invoice.date, "billed in error")
    crashed = SyncRun.objects.create(
        organisation=books.org, started_by="worker", created_at=dt.datetime.now(dt.UTC)
    )
    voids = [row for row, _ in outbox.queue(crashed, check(qb.actor).items)]
    assert {r.operation for r in voids} == {"void"} and len(voids) == 12
    for n in range(3):
        group, key = voids[4 * n : 4 * n + 4], f"crashed-batch-{n}"
        outbox.mark_sent(group, key)
        items = [
            BatchItem(
                operation="void",
                entity="Invoice",
                body={"Id": created[r.doc_id].qb_id, "SyncToken": created[r.doc_id].sync_token},
            )
            for r in group
        ]
        assert all(a.fault is None for a in qb.client.batch(items, idempotency_key=key))
    settings.QBO_EMULATOR_TIME_SCALE = 0.03  # a minute of 1.8 s
    settings.QBO_BATCH_PER_MINUTE = 1
    with mapping.qb_client(books.org) as client:  # this minute's batch is spent
        client.batch([BatchItem(query="SELECT * FROM Customer")])

    run = push(qb.actor)

    assert (run.confirmed, run.failed, run.state) == (12, 0, RunState.DONE), run.note
    for row in OutboxItem.objects.filter(operation="void"):
        assert row.state == OutboxState.CONFIRMED
        assert row.batch_key.startswith("crashed-batch-") and row.attempts == 2, row.batch_key
    assert {D(str(i["TotalAmt"])) for i in qb_docs(qb, "Invoice")} == {D("0")}


def test_a_row_sent_under_one_key_is_never_marked_sent_under_another(qb: Connected) -> None:
    from memberbooks.sync import outbox
    from memberbooks.sync.check import check
    from memberbooks.sync.models import SyncRun

    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    for n in range(2):
        go(qb, books.invoice(pat, f"{10 + n}.00", "2026-01-05"))
    run = SyncRun.objects.create(
        organisation=books.org, started_by="worker", created_at=dt.datetime.now(dt.UTC)
    )
    first, second = [row for row, _ in outbox.queue(run, check(qb.actor).items)]
    outbox.mark_sent([first], "key-a")
    outbox.mark_sent([first], "key-a")  # a resend under its own key is fine

    with pytest.raises(outbox.KeyConflict):
        outbox.mark_sent([second, first], "key-b")

    assert OutboxItem.objects.get(pk=second.pk).state == OutboxState.PENDING  # all or none
    assert OutboxItem.objects.get(pk=first.pk).batch_key == "key-a"
