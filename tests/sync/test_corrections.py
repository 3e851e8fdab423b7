"""Corrections: a void or an edit after export reaches QuickBooks as a void or an update."""

import datetime as dt
from decimal import Decimal

from memberbooks.exports.models import ExportDecision, ExportStatus
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import ApplicationDraft, CreditMemoDraft, LineDraft
from memberbooks.ledger.models import Member
from memberbooks.ledger.queries import member_balance
from memberbooks.sync.check import check
from memberbooks.sync.models import OutboxItem, OutboxState, RunState, SyncSettings
from memberbooks.sync.push import push
from tests.books import D
from tests.mapping.conftest import Connected
from tests.sync.test_check import go, link, map_all


def automatic(qb: Connected) -> None:
    SyncSettings.objects.update_or_create(
        organisation=qb.books.org, defaults={"voids": "automatic", "edits": "automatic"}
    )


def balance(qb: Connected, customer_id: str) -> Decimal:
    return Decimal(str(qb.client.read("Customer", customer_id)["Balance"]))


def status(qb: Connected, doc_type: str, doc_id: int) -> str:
    row = ExportDecision.objects.get(organisation=qb.books.org, doc_type=doc_type, doc_id=doc_id)
    return row.status


def test_a_payment_applied_after_export_is_updated_in_quickbooks(qb: Connected) -> None:
    books = qb.books
    pat = books.member("Smith")
    customer = link(qb, pat)
    map_all(qb)
    first = books.invoice(pat, "100.00", "2026-01-10")
    second = books.invoice(pat, "50.00", "2026-01-11")
    paid = books.pay(pat, "120.00", "2026-01-20", (first, "100.00"))
    go(qb, first, second, paid)
    automatic(qb)
    assert push(qb.actor).confirmed == 3

    ledger.apply_payment(books.actor, paid, [ApplicationDraft(second, D("20.00"))])
    assert status(qb, "payment", paid.pk) == ExportStatus.CHANGED
    assert [(i.kind, i.doc.doc_id) for i in check(qb.actor).items] == [("update", paid.pk)]
    run = push(qb.actor)

    assert (run.confirmed, run.failed) == (1, 0)
    assert status(qb, "payment", paid.pk) == ExportStatus.EXPORTED
    qb_payment = qb.client.read(
        "Payment", ExportDecision.objects.get(doc_id=paid.pk, doc_type="payment").qb_id
    )
    assert Decimal(str(qb_payment["UnappliedAmt"])) == D("0.00")
    assert balance(qb, customer) == member_balance(Member.objects.get(pk=pat.pk)) == D("30.00")
    update = OutboxItem.objects.get(operation="update")
    assert (update.version, update.state) == (1, OutboxState.CONFIRMED)


def test_a_stale_sync_token_is_read_again_and_the_void_goes_through(qb: Connected) -> None:
    books = qb.books
    pat = books.member("Smith")
    customer = link(qb, pat)
    map_all(qb)
    invoice = books.invoice(pat, "80.00", "2026-01-10")
    go(qb, invoice)
    push(qb.actor)
    qb_id = ExportDecision.objects.get(doc_id=invoice.pk, doc_type="invoice").qb_id
    edited = qb.client.read("Invoice", qb_id)  # someone edits it in QuickBooks: the token moves on
    qb.client.sparse_update(
        "Invoice", qb_id, edited["SyncToken"], {"CustomerMemo": {"value": "hi"}}
    )

    ledger.void_invoice(books.actor, invoice, dt.date(2026, 1, 12), "billed in error")
    run = push(qb.actor)

    assert run.state == RunState.DONE and (run.confirmed, run.failed) == (1, 0), run.note
    void = OutboxItem.objects.get(operation="void")
    assert (void.state, void.generation) == (OutboxState.CONFIRMED, 1)  # refused once (5010)
    assert Decimal(str(qb.client.read("Invoice", qb_id)["TotalAmt"])) == D("0")
    assert balance(qb, customer) == D("0.00")
    assert status(qb, "invoice", invoice.pk) == ExportStatus.EXPORTED


def test_a_credit_taken_off_after_export_updates_its_application(qb: Connected) -> None:
    books = qb.books
    lee = books.member("Lee")
    customer = link(qb, lee)
    map_all(qb)
    dues = books.invoice(lee, "75.00", "2026-01-12")
    credit = ledger.post_credit_memo(
        books.actor,
        CreditMemoDraft(
            member=lee,
            date=dt.date(2026, 1, 21),
            lines=[LineDraft(gl_account=books.dues, unit_price=D("25.00"))],
            applications=[ApplicationDraft(dues, D("25.00"))],
        ),
    )
    go(qb, dues, credit)
    automatic(qb)
    assert push(qb.actor).confirmed == 3  # invoice, credit memo, its application
    assert balance(qb, customer) == D("50.00")

    ledger.unapply(books.actor, credit.applications.get(), dt.date(2026, 1, 25))
    run = push(qb.actor)

    assert (run.confirmed, run.failed) == (1, 0)
    assert balance(qb, customer) == member_balance(Member.objects.get(pk=lee.pk)) == D("50.00")
    invoice = qb.client.read(
        "Invoice", ExportDecision.objects.get(doc_id=dues.pk, doc_type="invoice").qb_id
    )
    assert Decimal(str(invoice["Balance"])) == D("75.00")
