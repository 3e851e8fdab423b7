"""Marking one or many documents, mass marking with preview and undo, roles and the report."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from memberbooks.audit.models import AuditEntry
from memberbooks.exports import actions, queries
from memberbooks.exports.models import ExportDecision, ExportStatus, MarkBatch
from memberbooks.ledger.models import Invoice, Payment
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role
from tests.books import Books, D


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def decisions(books: Books) -> dict[tuple[str, int], tuple[str, str]]:
    rows = ExportDecision.objects.filter(organisation=books.org)
    return {(r.doc_type, r.doc_id): (r.decision, r.reason) for r in rows}


@pytest.fixture
def ledger(books: Books) -> dict[str, Invoice | Payment]:
    pat, lee = books.member("Smith"), books.member("Lee")
    jan = books.invoice(pat, "100.00", "2026-01-10")
    feb = books.invoice(lee, "40.00", "2026-02-05")
    mar = books.invoice(pat, "25.50", "2026-03-01")
    pay = books.pay(pat, "60.00", "2026-02-28", (jan, "60.00"))
    return {"jan": jan, "feb": feb, "mar": mar, "pay": pay}


def test_mark_one_sets_decision_reason_and_audits(books: Books, ledger: dict[str, Invoice]) -> None:
    jan = ledger["jan"]
    actions.mark(books.actor, [("invoice", jan.pk)], go=True, reason="agreed with treasurer")
    assert decisions(books) == {("invoice", jan.pk): ("go", "agreed with treasurer")}
    entry = AuditEntry.objects.get(action="export.mark")
    assert (entry.subject_type, entry.subject_id) == ("invoice", str(jan.pk))
    assert entry.before == {"decision": "undecided"}
    assert entry.after["decision"] == "go" and entry.actor == "bookkeeper"


def test_mark_needs_a_reason_and_a_document_of_this_org(
    books: Books, other_books: Books, ledger: dict[str, Invoice]
) -> None:
    with pytest.raises(actions.ExportError, match="reason is required"):
        actions.mark(books.actor, [("invoice", ledger["jan"].pk)], go=False, reason="  ")
    theirs = other_books.invoice(other_books.member(), "5.00", "2026-01-01")
    with pytest.raises(actions.ExportError, match=f"No invoice with id {theirs.pk}"):
        actions.mark(
            books.actor, [("invoice", ledger["jan"].pk), ("invoice", theirs.pk)], False, "x"
        )
    assert decisions(books) == {} and not AuditEntry.objects.filter(action="export.mark").exists()


def test_viewer_cannot_mark_or_mass_mark(books: Books, ledger: dict[str, Invoice]) -> None:
    viewer = Actor(books.org, Role.VIEWER, "viewer")
    with pytest.raises(PermissionDenied):
        actions.mark(viewer, [("invoice", ledger["jan"].pk)], go=False, reason="no")
    with pytest.raises(PermissionDenied):
        actions.mass_mark(viewer, None, day("2026-12-31"), [], False, "no")
    assert decisions(books) == {}


def test_preview_then_apply_then_undo_restores_exactly(
    books: Books, ledger: dict[str, Invoice | Payment]
) -> None:
    jan, feb, mar, pay = ledger["jan"], ledger["feb"], ledger["mar"], ledger["pay"]
    actions.mark(books.actor, [("invoice", jan.pk)], go=True, reason="agreed")
    before = ExportDecision.objects.get(doc_id=jan.pk)

    preview = actions.preview_mass_mark(
        books.actor, None, day("2026-02-28"), ["invoice", "payment"]
    )
    assert preview.counts == {"invoice": 2, "payment": 1}
    assert preview.totals == {"invoice": D("140.00"), "payment": D("60.00")}
    assert preview.as_json()["total"] == "200.00"
    assert decisions(books) == {("invoice", jan.pk): ("go", "agreed")}  # preview wrote nothing

    batch = actions.mass_mark(
        books.actor, None, day("2026-02-28"), ["invoice", "payment"], False, "opening balance"
    )
    assert (batch.count, batch.total) == (3, D("200.00"))
    assert decisions(books) == {
        ("invoice", jan.pk): ("no_go", "opening balance"),
        ("invoice", feb.pk): ("no_go", "opening balance"),
        ("payment", pay.pk): ("no_go", "opening balance"),
    }
    assert ("invoice", mar.pk) not in decisions(books)

    actions.undo_mass_mark(books.actor, batch.pk)
    assert decisions(books) == {("invoice", jan.pk): ("go", "agreed")}
    after = ExportDecision.objects.get(doc_id=jan.pk)
    assert (after.decided_by, after.decided_at) == (before.decided_by, before.decided_at)
    assert MarkBatch.objects.get(pk=batch.pk).undone_at is not None
    assert list(
        AuditEntry.objects.filter(subject_type="batch")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["export.mass_mark", "export.undo_mass_mark"]
    with pytest.raises(actions.ExportError, match="already undone"):
        actions.undo_mass_mark(books.actor, batch.pk)


def test_an_earlier_batch_cannot_be_undone_under_a_later_one(
    books: Books, ledger: dict[str, Invoice]
) -> None:
    first = actions.mass_mark(books.actor, None, day("2026-01-31"), [], False, "first")
    actions.mass_mark(books.actor, None, day("2026-02-28"), [], True, "second")
    with pytest.raises(actions.ExportError, match="Undo the later batches first"):
        actions.undo_mass_mark(books.actor, first.pk)
    assert set(decisions(books).values()) == {("go", "second")}


def test_unknown_type_refused(books: Books) -> None:
    with pytest.raises(actions.ExportError, match="Unknown document type 'bill'"):
        actions.preview_mass_mark(books.actor, None, None, ["bill"])


def test_transaction_status_rows_filters_and_undecided(
    books: Books, other_books: Books, ledger: dict[str, Invoice | Payment]
) -> None:
    other_books.invoice(other_books.member(), "9.00", "2026-01-01")
    jan, pay = ledger["jan"], ledger["pay"]
    actions.mark(books.actor, [("invoice", jan.pk)], go=False, reason="paid by check before")
    rows = queries.transaction_status(books.org)
    assert [(r.doc_type, r.number, str(r.amount), r.decision) for r in rows] == [
        ("invoice", ledger["mar"].number, "25.50", "undecided"),
        ("payment", pay.number, "60.00", "undecided"),
        ("invoice", ledger["feb"].number, "40.00", "undecided"),
        ("invoice", jan.number, "100.00", "no_go"),
    ]
    assert rows[-1].reason == "paid by check before" and rows[-1].status == ExportStatus.PENDING
    page2 = queries.transaction_status(books.org, page=2, per_page=3)
    assert [r.doc_id for r in page2] == [jan.pk]
    only_no_go = queries.transaction_status(books.org, queries.Filters(decision="no_go"))
    assert [r.doc_id for r in only_no_go] == [jan.pk]
    feb_only = queries.Filters(
        types=["invoice"], date_from=day("2026-02-01"), date_to=day("2026-02-28")
    )
    assert [r.doc_id for r in queries.transaction_status(books.org, feb_only)] == [ledger["feb"].pk]
    dues = queries.transaction_status(books.org, queries.Filters(source="dues"))
    assert {r.doc_type for r in dues} == {"invoice"} and len(dues) == 3
    lee_only = queries.transaction_status(
        books.org, queries.Filters(member_id=ledger["feb"].member_id)
    )
    assert [r.doc_id for r in lee_only] == [ledger["feb"].pk]
    assert queries.transaction_status(books.org, queries.Filters(source="event")) == []
    summary = queries.summary(books.org)
    assert summary["invoice"]["undecided"] == {"count": 2, "total": D("65.50")}
    assert summary["invoice"]["no_go"] == {"count": 1, "total": D("100.00")}


def test_sync_outcomes_exported_failed_changed(books: Books, ledger: dict[str, Invoice]) -> None:
    jan = ledger["jan"]
    actions.mark(books.actor, [("invoice", jan.pk)], go=True, reason="after point")
    actions.mark_failed(jan, "Customer 55 is inactive in QuickBooks.")
    assert ExportDecision.objects.get(doc_id=jan.pk).last_error.startswith("Customer 55")
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    actions.mark_exported(jan, "145", at)
    row = ExportDecision.objects.get(doc_id=jan.pk)
    assert (row.status, row.qb_id, row.exported_at, row.last_error) == ("exported", "145", at, "")
    actions.mark_changed(jan)
    assert ExportDecision.objects.get(doc_id=jan.pk).status == "changed"
    assert list(
        AuditEntry.objects.filter(subject_id=str(jan.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["export.mark", "export.failed", "export.exported", "export.changed"]


def test_cursor_pages_equal_numbered_pages(books: Books) -> None:
    """Following `next` cursors walks the same rows, in the same order, as page numbers."""
    pat, lee = books.member("Smith"), books.member("Lee")
    for n in range(12):
        books.invoice(pat if n % 2 else lee, "10.00", f"2026-01-{1 + n // 3:02d}")
        if n % 3 == 0:
            books.pay(lee, "5.00", f"2026-01-{1 + n // 3:02d}")
    numbered = [
        r for p in (1, 2, 3, 4) for r in queries.transaction_status(books.org, page=p, per_page=5)
    ]
    walked: list[queries.StatusRow] = []
    cursor = None
    while True:
        rows = queries.transaction_status(books.org, per_page=5, after=cursor)
        if not rows:
            break
        walked += rows
        cursor = queries.Cursor.parse(str(queries.Cursor.of(rows[-1])))
    assert len(walked) == 16
    assert [(r.doc_type, r.doc_id) for r in walked] == [(r.doc_type, r.doc_id) for r in numbered]


def test_a_bad_cursor_says_how_to_recover() -> None:
    for text in ("nonsense", "2026-13-01.invoice.4", "2026-01-01.bill.4"):
        with pytest.raises(ValueError, match="Next link"):
            queries.Cursor.parse(text)
