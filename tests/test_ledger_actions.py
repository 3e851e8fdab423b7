"""The ledger's actions: what they write, what they refuse, and that a refusal writes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from memberbooks.ledger import actions
from memberbooks.ledger.drafts import (
    ApplicationDraft,
    InvoiceDraft,
    LineDraft,
    MemberDraft,
    PaymentDraft,
)
from memberbooks.ledger.errors import (
    AlreadyVoided,
    InvalidInput,
    NotFound,
    OverApplication,
    VoidRefused,
)
from memberbooks.ledger.models import Application, Invoice, Member, Payment
from memberbooks.ledger.money import MoneyTypeError
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role
from tests.books import Books, D


def test_invoice_total_is_the_sum_of_rounded_line_amounts(books: Books) -> None:
    pat = books.member()
    invoice = actions.post_invoice(
        books.actor,
        InvoiceDraft(
            member=pat,
            date=dt.date(2026, 1, 1),
            lines=[
                LineDraft(books.dues, D("33.33"), D("3")),  # 99.99
                LineDraft(books.events, D("0.15"), D("0.5")),  # 0.075 -> 0.08 (half-up)
                LineDraft(books.events, D("10.00"), D("1.333")),  # 13.33
            ],
        ),
    )
    assert [line.amount for line in invoice.lines.all()] == [D("99.99"), D("0.08"), D("13.33")]
    assert invoice.total == D("113.40")
    assert invoice.due_date == dt.date(2026, 1, 31)  # default 30-day terms
    assert invoice.number == "INV-000001"


def test_generated_numbers_skip_numbers_taken_by_an_import(books: Books) -> None:
    pat = books.member()
    draft = InvoiceDraft(
        member=pat, date=dt.date(2026, 1, 1), lines=[LineDraft(books.dues, D("1"))]
    )
    actions.post_invoice(books.actor, InvoiceDraft(**{**draft.__dict__, "number": "INV-000002"}))
    numbers = [actions.post_invoice(books.actor, draft).number for _ in range(2)]
    assert numbers == ["INV-000001", "INV-000003"]


def test_duplicate_invoice_number_is_refused(books: Books) -> None:
    pat = books.member()
    draft = InvoiceDraft(
        member=pat, date=dt.date(2026, 1, 1), number="A-1", lines=[LineDraft(books.dues, D("5"))]
    )
    actions.post_invoice(books.actor, draft)
    with pytest.raises(InvalidInput, match="A-1 is already used") as error:
        actions.post_invoice(books.actor, draft)
    assert error.value.field == "number"
    assert Invoice.objects.count() == 1


def test_float_money_is_refused_outright(books: Books) -> None:
    pat = books.member()
    with pytest.raises(MoneyTypeError):
        actions.post_invoice(
            books.actor,
            InvoiceDraft(member=pat, date=dt.date(2026, 1, 1), lines=[LineDraft(books.dues, 10.1)]),  # type: ignore[arg-type]
        )
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        ("0", "10", "quantity 0 must be more than zero"),
        ("-1", "10", "must be more than zero"),
        ("1", "-5", "negative"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(
    books: Books, quantity: str, price: str, message: str
) -> None:
    pat = books.member()
    with pytest.raises(InvalidInput, match=message):
        actions.post_invoice(
            books.actor,
            InvoiceDraft(
                member=pat,
                date=dt.date(2026, 1, 1),
                lines=[LineDraft(books.dues, D(price), D(quantity))],
            ),
        )
    assert Invoice.objects.count() == 0


def test_due_date_before_invoice_date_is_refused(books: Books) -> None:
    with pytest.raises(InvalidInput, match="before the invoice date") as error:
        books.invoice(books.member(), "10", "2026-02-01", due="2026-01-31")
    assert error.value.field == "due_date"


def test_payment_rest_is_member_credit_and_can_be_applied_later(books: Books) -> None:
    pat = books.member()
    first = books.invoice(pat, "100.00", "2026-01-01")
    payment = books.pay(pat, "150.00", "2026-01-10", (first, "100.00"))
    assert payment.unapplied == D("50.00")
    second = books.invoice(pat, "80.00", "2026-02-01")
    actions.apply_payment(books.actor, payment, [ApplicationDraft(second, D("50.00"))])
    payment.refresh_from_db()
    second.refresh_from_db()
    assert payment.unapplied == D("0.00")
    assert second.open_balance == D("30.00")
    assert second.applications.get().applied_on == dt.date(2026, 2, 1)  # not before the invoice


def test_cannot_apply_more_than_the_invoice_has_open(books: Books) -> None:
    pat = books.member()
    invoice = books.invoice(pat, "100.00", "2026-01-01")
    books.pay(pat, "60.00", "2026-01-05", (invoice, "60.00"))
    with pytest.raises(OverApplication, match=r"open balance of 40\.00") as error:
        books.pay(pat, "50.00", "2026-01-06", (invoice, "50.00"))
    assert error.value.fix == "Apply at most 40.00; the rest stays as member credit."
    assert Payment.objects.count() == 1  # the refused payment was not half-written


def test_cannot_apply_more_than_the_payment(books: Books) -> None:
    pat = books.member()
    a, b = books.invoice(pat, "100.00", "2026-01-01"), books.invoice(pat, "100.00", "2026-01-01")
    with pytest.raises(OverApplication, match=r"more than the 120\.00 available"):
        books.pay(pat, "120.00", "2026-01-05", (a, "100.00"), (b, "30.00"))
    assert Application.objects.count() == 0
    a.refresh_from_db()
    assert a.amount_applied == D("0.00")


def test_database_refuses_an_over_application_that_bypasses_the_actions(books: Books) -> None:
    invoice = books.invoice(books.member(), "10.00", "2026-01-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount_applied=D("10.01"))


def test_payment_cannot_pay_another_members_invoice(books: Books) -> None:
    ann, bob = books.member("Ann"), books.member("Bob")
    invoice = books.invoice(ann, "10.00", "2026-01-01")
    with pytest.raises(InvalidInput, match="belongs to another member"):
        books.pay(bob, "10.00", "2026-01-02", (invoice, "10.00"))


def test_another_organisations_rows_are_not_found(books: Books, other_books: Books) -> None:
    theirs = other_books.member()
    their_invoice = other_books.invoice(theirs, "10.00", "2026-01-01")
    mine = books.member()
    with pytest.raises(NotFound):
        books.invoice(theirs, "10.00", "2026-01-01")
    with pytest.raises(NotFound):
        books.invoice(mine, "10.00", "2026-01-01", account=other_books.dues)
    with pytest.raises(NotFound):
        actions.void_invoice(books.actor, their_invoice, dt.date(2026, 1, 2), "tamper")
    with pytest.raises(NotFound):
        actions.record_payment(
            books.actor,
            PaymentDraft(
                member=mine,
                date=dt.date(2026, 1, 2),
                amount=D("5"),
                deposit_account=other_books.bank,
            ),
        )
    their_invoice.refresh_from_db()
    assert their_invoice.voided_on is None
    assert Invoice.objects.filter(organisation=books.org).count() == 0


def test_viewer_cannot_write(books: Books) -> None:
    viewer = Actor(books.org, Role.VIEWER, "viewer")
    with pytest.raises(PermissionDenied):
        actions.create_member(viewer, "X1", last_name="Nope")


def test_void_keeps_the_record_and_cannot_happen_twice(books: Books) -> None:
    pat = books.member()
    invoice = books.invoice(pat, "100.00", "2026-01-01")
    payment = books.pay(pat, "100.00", "2026-01-10", (invoice, "100.00"))
    actions.void_invoice(
        books.actor, invoice, dt.date(2026, 1, 20), "Member resigned before the year began"
    )
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.voided_on == dt.date(2026, 1, 20)
    assert invoice.open_balance == D("0.00")
    assert payment.unapplied == D("100.00")  # the payment is member credit again
    assert invoice.applications.get().unapplied_on == dt.date(2026, 1, 20)
    with pytest.raises(AlreadyVoided):
        actions.void_invoice(books.actor, invoice, dt.date(2026, 1, 21), "again")


def test_void_needs_a_reason_and_a_date_not_before_the_document(books: Books) -> None:
    invoice = books.invoice(books.member(), "10.00", "2026-01-10")
    with pytest.raises(InvalidInput, match="needs a reason"):
        actions.void_invoice(books.actor, invoice, dt.date(2026, 1, 11), "  ")
    with pytest.raises(InvalidInput, match="before the invoice's date"):
        actions.void_invoice(books.actor, invoice, dt.date(2026, 1, 9), "typo")


def test_refund_limits_and_refunded_payment_cannot_be_voided(books: Books) -> None:
    pat = books.member()
    invoice = books.invoice(pat, "70.00", "2026-01-01")
    payment = books.pay(pat, "100.00", "2026-01-05", (invoice, "70.00"))
    with pytest.raises(OverApplication, match=r"more than the 30\.00 unapplied"):
        actions.refund(books.actor, payment, D("30.01"), dt.date(2026, 1, 6), books.bank)
    actions.refund(books.actor, payment, D("30.00"), dt.date(2026, 1, 6), books.bank)
    with pytest.raises(VoidRefused):
        actions.void_payment(books.actor, payment, dt.date(2026, 1, 7), "bounced")


def test_unapply_reopens_the_invoice(books: Books) -> None:
    pat = books.member()
    invoice = books.invoice(pat, "40.00", "2026-01-01")
    payment = books.pay(pat, "40.00", "2026-01-02", (invoice, "40.00"))
    actions.unapply(books.actor, invoice.applications.get(), dt.date(2026, 1, 3))
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.open_balance == D("40.00") and payment.unapplied == D("40.00")


def test_update_member_cannot_blank_every_name(books: Books) -> None:
    pat = books.member("Lee", "Pat")
    with pytest.raises(InvalidInput, match="needs a name or a company"):
        actions.update_member(books.actor, pat, first_name="", last_name="", company="")
    pat.refresh_from_db()
    assert (pat.first_name, pat.last_name) == ("Pat", "Lee")


def test_batch_of_payments_cannot_together_over_apply_an_invoice(books: Books) -> None:
    pat = books.member()
    invoice = books.invoice(pat, "100.00", "2026-01-01")
    drafts = [
        PaymentDraft(
            member=pat,
            date=dt.date(2026, 1, 5),
            amount=D("60.00"),
            deposit_account=books.bank,
            applications=[ApplicationDraft(invoice, D("60.00"))],
        )
        for _ in range(2)
    ]
    with pytest.raises(OverApplication, match=r"open balance of 40\.00"):
        actions.record_payments(books.actor, drafts)
    assert Payment.objects.count() == 0 and Application.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.amount_applied == D("0.00")


def test_batch_of_payments_applies_in_order(books: Books) -> None:
    pat = books.member()
    first, second = (
        books.invoice(pat, "100.00", "2026-01-01"),
        books.invoice(pat, "50.00", "2026-01-02"),
    )
    payments = actions.record_payments(
        books.actor,
        [
            PaymentDraft(
                pat,
                dt.date(2026, 1, 5),
                D("70.00"),
                books.bank,
                applications=[ApplicationDraft(first, D("70.00"))],
            ),
            PaymentDraft(
                pat,
                dt.date(2026, 1, 6),
                D("90.00"),
                books.bank,
                applications=[
                    ApplicationDraft(first, D("30.00")),
                    ApplicationDraft(second, D("50.00")),
                ],
            ),
        ],
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert [p.number for p in payments] == ["PMT-000001", "PMT-000002"]
    assert first.open_balance == D("0.00") and second.open_balance == D("0.00")
    assert Payment.objects.get(number="PMT-000002").unapplied == D("10.00")
    assert Application.objects.filter(payment__number="PMT-000002").count() == 2


def test_create_members_refuses_a_number_given_twice_or_taken(books: Books) -> None:
    books.member()  # M0001
    with pytest.raises(InvalidInput, match="M0002 is given twice"):
        actions.create_members(
            books.actor,
            [MemberDraft("M0002", {"last_name": "A"}), MemberDraft("M0002", {"last_name": "B"})],
        )
    with pytest.raises(InvalidInput, match="M0001 is taken"):
        actions.create_members(
            books.actor,
            [MemberDraft("M0003", {"last_name": "C"}), MemberDraft("M0001", {"last_name": "D"})],
        )
    assert list(Member.objects.values_list("member_number", flat=True)) == ["M0001"]


def test_events_may_not_be_dated_before_an_application_was_taken_off(books: Books) -> None:
    """History must add up: nothing new on a document may predate its last take-off."""
    pat = books.member()
    first, second = (
        books.invoice(pat, "100.00", "2026-01-01"),
        books.invoice(pat, "100.00", "2026-01-01"),
    )
    payment = books.pay(pat, "100.00", "2026-01-10", (first, "100.00"))
    actions.unapply(books.actor, first.applications.get(), dt.date(2026, 2, 1))

    with pytest.raises(
        InvalidInput, match="before the last time an application was taken off"
    ) as error:
        actions.refund(books.actor, payment, D("100.00"), dt.date(2026, 1, 20), books.bank)
    assert error.value.fix == "Use 2026-02-01 or later."
    with pytest.raises(InvalidInput, match="taken off"):
        actions.apply_payment(
            books.actor, payment, [ApplicationDraft(second, D("100.00"))], dt.date(2026, 1, 15)
        )
    with pytest.raises(InvalidInput, match="taken off"):
        actions.void_invoice(books.actor, first, dt.date(2026, 1, 31), "typo")

    # Without a date, the application is dated when it first could have been made.
    [application] = actions.apply_payment(
        books.actor, payment, [ApplicationDraft(second, D("100.00"))]
    )
    assert application.applied_on == dt.date(2026, 2, 1)
