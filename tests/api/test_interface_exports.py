"""The QuickBooks Interface API: Transaction Status, marks, mass marks, batches, AR and the in-sync point."""

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from memberbooks.audit.models import AuditEntry
from memberbooks.exports.models import ExportDecision, InSyncPoint, MarkBatch
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import CreditMemoDraft, LineDraft
from memberbooks.mapping.actions import link_member
from memberbooks.tenancy.models import Role
from tests.api.conftest import Caller, token_caller
from tests.books import Books, D
from tests.connections.conftest import emulator_url, site  # noqa: F401  (fixtures)
from tests.mapping.conftest import Connected, qb  # noqa: F401  (fixtures)

QB = "orgs/acme/qb/"


@pytest.fixture
def ledger_books(books: Books) -> dict[str, Any]:
    """Two members, invoices either side of 2026-02-01, a payment, a credit memo and a refund."""
    pat, lee = books.member("Smith"), books.member("Lee")
    jan = books.invoice(pat, "100.00", "2026-01-10")
    feb = books.invoice(lee, "40.00", "2026-02-10")
    pay = books.pay(pat, "60.00", "2026-01-20", (jan, "60.00"))
    memo = ledger.post_credit_memo(
        books.actor,
        CreditMemoDraft(
            member=lee,
            date=dt.date(2026, 1, 25),
            lines=[LineDraft(books.dues, D("15.00"))],
        ),
    )
    refund = ledger.refund(books.actor, memo, D("15.00"), dt.date(2026, 2, 5), books.bank)
    return {"books": books, "pat": pat, "lee": lee, "jan": jan, "feb": feb, "pay": pay,
            "memo": memo, "refund": refund}  # fmt: skip


@pytest.fixture
def keeper(books: Books) -> Caller:
    return token_caller(books.org, Role.BOOKKEEPER)


@pytest.fixture
def reader(books: Books) -> Caller:
    return token_caller(books.org, Role.VIEWER)


def decisions() -> dict[tuple[str, int], tuple[str, str]]:
    return {
        (row.doc_type, row.doc_id): (row.decision, row.reason)
        for row in ExportDecision.objects.all()
    }


def test_transaction_status_pages_through_every_document_by_cursor(
    ledger_books: dict[str, Any], reader: Caller
) -> None:
    seen: list[tuple[str, str]] = []
    reply = reader.get(f"{QB}transactions/", page_size="2")
    pages = 0
    while True:
        assert reply.status == 200, reply.body
        seen += [(r["type"], r["number"]) for r in reply.body["results"]]
        pages += 1
        if reply.body["next"] is None:
            break
        query = parse_qs(urlsplit(reply.body["next"]).query)
        assert query["page_size"] == ["2"]
        reply = reader.get(reply.body["next"])

    refund = ledger_books["refund"]
    assert seen == [
        ("invoice", ledger_books["feb"].number),
        ("refund", f"R{refund.pk}"),
        ("credit_memo", ledger_books["memo"].number),
        ("payment", ledger_books["pay"].number),
        ("invoice", ledger_books["jan"].number),
    ]
    assert pages == 3
    first = reader.get(f"{QB}transactions/", type="invoice", member="M0001").body["results"]
    assert [(r["number"], r["amount"], r["decision"]) for r in first] == [
        (ledger_books["jan"].number, "100.00", "undecided")
    ]


def test_bad_filters_and_cursors_name_the_field(
    ledger_books: dict[str, Any], reader: Caller
) -> None:
    cursor = reader.get(f"{QB}transactions/", cursor="not-a-cursor")
    kind = reader.get(f"{QB}transactions/", type="invoice,bill")
    member = reader.get(f"{QB}transactions/", member="NOPE-1")
    decision = reader.get(f"{QB}transactions/summary", decision="maybe")

    assert (cursor.status, cursor.error["field"]) == (400, "cursor")
    assert "not a page cursor" in cursor.error["message"] and "next" in cursor.error["fix"]
    assert (kind.status, kind.error["field"]) == (400, "type")
    assert "'bill'" in kind.error["message"]
    assert (member.status, member.error["code"], member.error["field"]) == (
        400,
        "unknown_reference",
        "member",
    )
    assert (decision.status, decision.error["field"]) == (400, "decision")


def test_mark_by_number_then_summarise(
    ledger_books: dict[str, Any], keeper: Caller, reader: Caller
) -> None:
    jan, refund = ledger_books["jan"], ledger_books["refund"]

    marked = keeper.post(
        f"{QB}transactions/mark",
        {
            "documents": [
                {"type": "invoice", "number": jan.number},
                {"type": "refund", "number": f"R{refund.pk}"},
            ],
            "decision": "no_go",
            "reason": "entered in QuickBooks by hand",
        },
    )

    assert marked.status == 200 and marked.body == {"count": 2}
    reason = "entered in QuickBooks by hand"
    assert decisions() == {
        ("invoice", jan.pk): ("no_go", reason),
        ("refund", refund.pk): ("no_go", reason),
    }
    assert AuditEntry.objects.filter(action="export.mark").count() == 2
    summary = reader.get(f"{QB}transactions/summary", type="invoice").body["results"]
    assert summary == [
        {"type": "invoice", "decision": "no_go", "count": 1, "total": "100.00"},
        {"type": "invoice", "decision": "undecided", "count": 1, "total": "40.00"},
    ]
    listed = reader.get(f"{QB}transactions/", decision="no_go").body["results"]
    assert {(r["type"], r["reason"]) for r in listed} == {("invoice", reason), ("refund", reason)}


def test_bad_marks_change_nothing(ledger_books: dict[str, Any], keeper: Caller) -> None:
    jan = ledger_books["jan"]
    url = f"{QB}transactions/mark"
    good = {"type": "invoice", "number": jan.number}

    unknown = keeper.post(
        url,
        {
            "documents": [good, {"type": "payment", "number": jan.number}],
            "decision": "go",
            "reason": "x",
        },
    )
    no_reason = keeper.post(url, {"documents": [good], "decision": "go", "reason": "  "})
    empty = keeper.post(url, {"documents": [], "decision": "go", "reason": "x"})
    bad_decision = keeper.post(url, {"documents": [good], "decision": "yes", "reason": "x"})
    bad_refund = keeper.post(
        url,
        {"documents": [{"type": "refund", "number": "R99999"}], "decision": "go", "reason": "x"},
    )

    assert (unknown.status, unknown.error["code"], unknown.error["field"]) == (
        400,
        "unknown_reference",
        "documents[1].number",
    )
    assert (no_reason.status, no_reason.error["field"]) == (400, "reason")
    assert (empty.status, empty.error["field"]) == (400, "documents")
    assert (bad_decision.status, bad_decision.error["field"]) == (400, "decision")
    assert (bad_refund.status, bad_refund.error["field"]) == (400, "documents[0].number")
    assert decisions() == {} and not AuditEntry.objects.exists()


def test_mass_mark_preview_apply_list_and_undo(
    ledger_books: dict[str, Any], keeper: Caller, reader: Caller
) -> None:
    jan, pay = ledger_books["jan"], ledger_books["pay"]
    keeper.post(
        f"{QB}transactions/mark",
        {"documents": [{"type": "invoice", "number": jan.number}], "decision": "go", "reason": "r"},
    )
    before = decisions()

    preview = keeper.get(f"{QB}transactions/mass-mark", to="2026-01-31", type="invoice,payment")
    viewer_preview = reader.get(f"{QB}transactions/mass-mark", to="2026-01-31")

    assert preview.status == 200 and decisions() == before
    assert preview.body == {
        "count": 2,
        "total": "160.00",
        "per_type": [
            {"type": "invoice", "count": 1, "total": "100.00"},
            {"type": "payment", "count": 1, "total": "60.00"},
        ],
    }
    assert viewer_preview.status == 403

    applied = keeper.post(
        f"{QB}transactions/mass-mark",
        {"to": "2026-01-31", "types": ["invoice", "payment"], "decision": "no_go", "reason": "old"},
    )

    assert applied.status == 201, applied.body
    assert (applied.body["count"], applied.body["total"], applied.body["decision"]) == (
        2,
        "160.00",
        "no_go",
    )
    assert decisions() == {
        ("invoice", jan.pk): ("no_go", "old"),
        ("payment", pay.pk): ("no_go", "old"),
    }
    batches = reader.get(f"{QB}batches/").body
    assert [b["id"] for b in batches["results"]] == [applied.body["id"]]

    undone = keeper.post(f"{QB}batches/{applied.body['id']}/undo", {})
    twice = keeper.post(f"{QB}batches/{applied.body['id']}/undo", {})
    nobody = keeper.post(f"{QB}batches/99999/undo", {})

    assert undone.status == 200 and undone.body["undone_by"] == "acme-bookkeeper"
    assert undone.body["undone_at"] is not None
    assert decisions() == before
    assert (twice.status, twice.error["field"]) == (409, "batch_id")
    assert "already undone" in twice.error["message"]
    assert nobody.status == 404


def test_bad_mass_marks_change_nothing(ledger_books: dict[str, Any], keeper: Caller) -> None:
    url = f"{QB}transactions/mass-mark"

    backwards = keeper.post(
        url, {"from": "2026-02-01", "to": "2026-01-01", "decision": "go", "reason": "x"}
    )
    no_reason = keeper.post(url, {"to": "2026-01-31", "decision": "go", "reason": ""})
    bad_type = keeper.post(url, {"types": ["bill"], "decision": "go", "reason": "x"})
    bad_date = keeper.get(url, to="2026-13-01")

    assert (backwards.status, backwards.error["field"]) == (400, "from")
    assert (no_reason.status, no_reason.error["field"]) == (400, "reason")
    assert (bad_type.status, bad_type.error["field"]) == (400, "types[0]")
    assert (bad_date.status, bad_date.error["field"]) == (400, "to")
    assert decisions() == {} and not MarkBatch.objects.exists()


# --- AR comparison and the in-sync point, against the emulator --------------------------------


def test_compare_ar_and_set_the_insync_point(qb: Connected) -> None:  # noqa: F811
    books = qb.books
    pat, lee = books.member("Smith"), books.member("Lee")
    old = books.invoice(pat, "100.00", "2026-01-10")
    new = books.invoice(lee, "80.00", "2026-02-15")
    link_member(books.actor, pat, qb.customer("Pat Smith")["Id"])
    reader = token_caller(books.org, Role.VIEWER)
    keeper = token_caller(books.org, Role.BOOKKEEPER)
    admin = token_caller(books.org, Role.ADMIN)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    compared = reader.get(f"{QB}insync/compare", date="2026-01-31")
    future = reader.get(f"{QB}insync/compare", date=tomorrow)
    missing = reader.get(f"{QB}insync/compare")

    assert compared.status == 200, compared.body
    assert compared.body["mms_ar_total"] == "100.00" and compared.body["quickbooks_ar"] == "0.00"
    assert compared.body["difference"] == "100.00" and compared.body["links_available"] is True
    assert compared.body["customers"] == [
        {
            "member_number": pat.member_number,
            "customer_id": compared.body["customers"][0]["customer_id"],
            "mms": "100.00",
            "quickbooks": "0.00",
            "difference": "100.00",
        }
    ]
    assert (future.status, future.error["field"]) == (400, "date")
    assert "in the future" in future.error["message"]
    assert (missing.status, missing.error["field"]) == (400, "date")

    refused = keeper.post(f"{QB}insync/", {"date": "2026-02-01"})
    too_late = admin.post(f"{QB}insync/", {"date": tomorrow})
    assert refused.status == 403 and "admin" in refused.error["message"]
    assert (too_late.status, too_late.error["field"]) == (400, "date")
    assert not InSyncPoint.objects.exists() and not ExportDecision.objects.exists()

    point = admin.post(f"{QB}insync/", {"date": "2026-02-01"})

    assert point.status == 201, point.body
    assert (point.body["date"], point.body["count"], point.body["mms_ar_total"]) == (
        "2026-02-01",
        2,
        "100.00",
    )
    assert decisions() == {
        ("invoice", old.pk): ("no_go", "before in-sync point"),
        ("invoice", new.pk): ("go", "on or after in-sync point"),
    }
    listed = reader.get(f"{QB}insync/").body
    assert [p["id"] for p in listed["results"]] == [point.body["id"]]
    assert listed["results"][0]["customers"][0]["member_number"] == pat.member_number
    assert keeper.post(f"{QB}batches/{point.body['batch']}/undo", {}).status == 200
    assert decisions() == {}
