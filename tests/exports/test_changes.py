"""Exported documents the ledger changes afterwards show as "changed since export"."""

import datetime as dt

from django.utils import timezone

from memberbooks.audit.models import AuditEntry
from memberbooks.exports import actions
from memberbooks.exports.models import DocType, ExportDecision, ExportStatus
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import ApplicationDraft
from memberbooks.ledger.models import Invoice, Payment
from tests.books import Books, D


def go(books: Books, *docs: Invoice | Payment) -> None:
    actions.mark(books.actor, [(actions.doc_type_of(d), d.pk) for d in docs], True, "export")


def status(books: Books, doc_type: str, doc_id: int) -> str:
    row = ExportDecision.objects.get(organisation=books.org, doc_type=doc_type, doc_id=doc_id)
    return row.status


def test_void_of_an_exported_invoice_marks_it_and_its_payment_changed(books: Books) -> None:
    pat = books.member()
    invoice = books.invoice(pat, "100.00", "2026-01-10")
    payment = books.pay(pat, "60.00", "2026-01-20", (invoice, "60.00"))
    untouched = books.invoice(pat, "10.00", "2026-01-11")
    go(books, invoice, payment, untouched)
    now = timezone.now()
    for doc in (invoice, payment, untouched):
        actions.mark_exported(doc, f"qb-{doc.pk}", now)

    ledger.void_invoice(books.actor, invoice, dt.date(2026, 2, 1), "billed twice")

    assert status(books, DocType.INVOICE, invoice.pk) == ExportStatus.CHANGED
    assert status(books, DocType.PAYMENT, payment.pk) == ExportStatus.CHANGED
    assert status(books, DocType.INVOICE, untouched.pk) == ExportStatus.EXPORTED
    notes = set(
        AuditEntry.objects.filter(organisation=books.org, action="export.changed").values_list(
            "note", flat=True
        )
    )
    assert notes == {"voided after export", "applications changed after export"}


def test_applying_an_exported_payment_marks_it_changed_but_not_a_pending_one(
    books: Books,
) -> None:
    pat = books.member()
    invoice = books.invoice(pat, "100.00", "2026-01-10")
    exported = books.pay(pat, "30.00", "2026-01-20")
    pending = books.pay(pat, "30.00", "2026-01-21")
    go(books, invoice, exported, pending)
    actions.mark_exported(exported, "qb-1", timezone.now())

    for payment in (exported, pending):
        ledger.apply_payment(books.actor, payment, [ApplicationDraft(invoice, D("30.00"))])

    assert status(books, DocType.PAYMENT, exported.pk) == ExportStatus.CHANGED
    assert status(books, DocType.PAYMENT, pending.pk) == ExportStatus.PENDING
    assert status(books, DocType.INVOICE, invoice.pk) == ExportStatus.PENDING


def test_unapply_marks_the_exported_source_changed(books: Books) -> None:
    pat = books.member()
    invoice = books.invoice(pat, "100.00", "2026-01-10")
    payment = books.pay(pat, "40.00", "2026-01-20", (invoice, "40.00"))
    go(books, payment)
    actions.mark_exported(payment, "qb-9", timezone.now())

    ledger.unapply(books.actor, payment.applications.get(), dt.date(2026, 1, 25))

    assert status(books, DocType.PAYMENT, payment.pk) == ExportStatus.CHANGED


def test_members_with_go_documents_counts_marks_and_the_implicit_go_after_the_point(
    books: Books,
) -> None:
    from memberbooks.exports.models import InSyncPoint
    from memberbooks.exports.queries import members_with_go_documents

    marked, later, before, kept_out = (books.member(n) for n in ("A", "B", "C", "D"))
    go(books, books.invoice(marked, "1.00", "2025-12-01"))
    books.invoice(later, "1.00", "2026-02-01")  # undecided, after the point
    books.invoice(before, "1.00", "2025-12-01")  # undecided, before the point
    out = books.invoice(kept_out, "1.00", "2026-02-01")
    actions.mark(books.actor, [("invoice", out.pk)], False, "entered by hand")
    assert members_with_go_documents(books.org) == {marked.pk}

    InSyncPoint.objects.create(
        organisation=books.org,
        date=dt.date(2026, 1, 1),
        mms_ar_total=D("0"),
        mms_ar_net=D("0"),
        qb_ar_total=D("0"),
        set_by="admin",
        set_at=timezone.now(),
    )
    assert members_with_go_documents(books.org) == {marked.pk, later.pk}
