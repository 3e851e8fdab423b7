"""Every write form works for a bookkeeper: the row is in the database, the page redirects."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from memberbooks.events.models import Event, FeeType, Registration
from memberbooks.ledger.models import (
    Application,
    CreditMemo,
    Invoice,
    Member,
    Payment,
    Refund,
)
from tests.books import D
from tests.web.conftest import Ledger, lines_data


def url(ledger: Ledger, name: str, *args: int) -> str:
    return reverse(name, args=[ledger.books.org.slug, *args])


def test_post_an_invoice_with_two_lines(bookkeeper: Client, ledger: Ledger) -> None:
    books = ledger.books
    response = bookkeeper.post(
        url(ledger, "invoice-new"),
        {
            "member_number": "M0002",
            "date": "2026-07-01",
            "due_date": "",
            "source": "other",
            "memo": "Conference pack",
            **lines_data(
                (books.events.pk, "Workshop", "2", "37.50"),
                (books.dues.pk, "Late fee", "1", "1,000.00"),
            ),
        },
    )
    invoice = Invoice.objects.get(memo="Conference pack")
    assert response.status_code == 302
    assert response["Location"] == url(ledger, "invoice-detail", invoice.pk)
    assert invoice.member == ledger.bob
    assert invoice.total == D("1075.00")
    assert invoice.due_date == dt.date(2026, 7, 31)  # 30 days by default
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [
        ("Workshop", D("75.00")),
        ("Late fee", D("1000.00")),
    ]
    page = bookkeeper.get(response["Location"]).content.decode()
    assert "1,075.00" in page and "Invoice INV-" in page


def test_an_unknown_member_number_is_an_error_on_the_field(
    bookkeeper: Client, ledger: Ledger
) -> None:
    before = Invoice.objects.count()
    response = bookkeeper.post(
        url(ledger, "invoice-new"),
        {
            "member_number": "NOPE",
            "date": "2026-07-01",
            "source": "dues",
            **lines_data((ledger.books.dues.pk, "Dues", "1", "10.00")),
        },
    )
    assert response.status_code == 200
    assert "No member NOPE in Acme Association." in response.content.decode()
    assert Invoice.objects.count() == before


def test_an_invoice_without_lines_is_refused(bookkeeper: Client, ledger: Ledger) -> None:
    before = Invoice.objects.count()
    response = bookkeeper.post(
        url(ledger, "invoice-new"),
        {"member_number": "M0001", "date": "2026-07-01", "source": "dues", **lines_data()},
    )
    assert "There are no lines. Add at least one line." in response.content.decode()
    assert Invoice.objects.count() == before


def test_adding_a_line_without_javascript_keeps_what_was_typed(
    bookkeeper: Client, ledger: Ledger
) -> None:
    data = {
        "member_number": "M0001",
        "date": "2026-07-01",
        "source": "dues",
        "add_line": "1",
        **lines_data((ledger.books.dues.pk, "Dues", "1", "10.00"), extra_blank=0),
    }
    response = bookkeeper.post(url(ledger, "invoice-new"), data)
    page = response.content.decode()
    assert 'name="lines-1-unit_price"' in page  # a second line appeared
    assert 'value="10.00"' in page
    assert "This field is required." not in page  # not saving yet, so no nagging
    assert not Invoice.objects.filter(date=dt.date(2026, 7, 1)).exists()


def test_showing_open_invoices_without_javascript_writes_nothing(
    bookkeeper: Client, ledger: Ledger
) -> None:
    before = Payment.objects.count()
    response = bookkeeper.post(
        url(ledger, "payment-new"), {"member_number": "M0001", "amount": "", "_load": "1"}
    )
    page = response.content.decode()
    assert f'name="apply-{ledger.ann_dues.pk}"' in page
    assert f'name="apply-{ledger.ann_event.pk}"' in page
    assert "This field is required." not in page
    assert Payment.objects.count() == before


def test_the_htmx_line_row_comes_with_the_new_form_count(
    bookkeeper: Client, ledger: Ledger
) -> None:
    response = bookkeeper.get(url(ledger, "invoice-line"), {"lines-TOTAL_FORMS": "3"})
    page = response.content.decode()
    assert 'name="lines-3-gl_account"' in page
    assert 'id="id_lines-TOTAL_FORMS" value="4" hx-swap-oob="true"' in page


def test_record_a_payment_and_apply_it(bookkeeper: Client, ledger: Ledger) -> None:
    books = ledger.books
    response = bookkeeper.post(
        url(ledger, "payment-new"),
        {
            "member_number": "M0001",
            "date": "2026-07-02",
            "amount": "$150.00",
            "method": "check",
            "reference": "1234",
            "deposit_account": str(books.bank.pk),
            f"apply-{ledger.ann_dues.pk}": "120.00",
            f"apply-{ledger.ann_event.pk}": "",
        },
    )
    payment = Payment.objects.get(reference="1234")
    assert response["Location"] == url(ledger, "payment-detail", payment.pk)
    assert payment.amount == D("150.00") and payment.amount_applied == D("120.00")
    ledger.ann_dues.refresh_from_db()
    assert ledger.ann_dues.open_balance == D("0.00")
    page = bookkeeper.get(response["Location"]).content.decode()
    assert 'id="unapplied">30.00<' in page


def test_over_application_shows_the_ledger_message(bookkeeper: Client, ledger: Ledger) -> None:
    before = (Payment.objects.count(), Application.objects.count())
    response = bookkeeper.post(
        url(ledger, "payment-new"),
        {
            "member_number": "M0001",
            "date": "2026-07-02",
            "amount": "200.00",
            "method": "check",
            "deposit_account": str(ledger.books.bank.pk),
            f"apply-{ledger.ann_event.pk}": "95.00",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        f"95.00 is more than invoice {ledger.ann_event.number}&#x27;s open balance of 80.00."
        in page
    )
    assert "Apply at most 80.00; the rest stays as member credit." in page
    assert 'value="95.00"' in page  # what was typed is kept
    assert (Payment.objects.count(), Application.objects.count()) == before


def test_post_a_credit_memo_and_apply_it(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "creditmemo-new"),
        {
            "member_number": "M0001",
            "date": "2026-07-03",
            "memo": "Cancelled workshop",
            **lines_data((ledger.books.events.pk, "Workshop refund", "1", "30.00")),
            f"apply-{ledger.ann_event.pk}": "30.00",
        },
    )
    memo = CreditMemo.objects.get(memo="Cancelled workshop")
    assert response["Location"] == url(ledger, "creditmemo-detail", memo.pk)
    assert memo.total == D("30.00") and memo.amount_applied == D("30.00")
    ledger.ann_event.refresh_from_db()
    assert ledger.ann_event.open_balance == D("50.00")


def test_void_an_invoice(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "invoice-void", ledger.ann_dues.pk),
        {"date": "2026-07-05", "reason": "Billed twice"},
    )
    assert response["Location"] == url(ledger, "invoice-detail", ledger.ann_dues.pk)
    ledger.ann_dues.refresh_from_db()
    assert ledger.ann_dues.voided_on == dt.date(2026, 7, 5)
    assert ledger.ann_dues.void_reason == "Billed twice"
    page = bookkeeper.get(response["Location"]).content.decode()
    assert "Voided on 2026-07-05: Billed twice" in page


def test_a_void_without_reason_or_before_the_date_is_refused(
    bookkeeper: Client, ledger: Ledger
) -> None:
    no_reason = bookkeeper.post(
        url(ledger, "invoice-void", ledger.ann_dues.pk), {"date": "2026-07-05", "reason": " "}
    )
    assert "This field is required." in no_reason.content.decode()
    too_early = bookkeeper.post(
        url(ledger, "invoice-void", ledger.ann_dues.pk), {"date": "2026-05-01", "reason": "x"}
    )
    assert (
        "2026-05-01 is before the invoice&#x27;s date (2026-06-01). Use 2026-06-01 or later."
        in (too_early.content.decode())
    )
    ledger.ann_dues.refresh_from_db()
    assert ledger.ann_dues.voided_on is None


def test_apply_a_credit_memo_to_an_open_invoice(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "creditmemo-apply", ledger.ann_credit.pk),
        {f"apply-{ledger.ann_dues.pk}": "15.00", "applied_on": "2026-06-20"},
    )
    assert response["Location"] == url(ledger, "creditmemo-detail", ledger.ann_credit.pk)
    application = Application.objects.get(credit_memo=ledger.ann_credit)
    assert (application.invoice, application.amount) == (ledger.ann_dues, D("15.00"))
    assert application.applied_on == dt.date(2026, 6, 20)


def test_apply_with_no_amount_says_what_to_do(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(url(ledger, "creditmemo-apply", ledger.ann_credit.pk), {})
    assert "No amount was entered. Type an amount beside at least one invoice." in (
        response.content.decode()
    )


def test_apply_more_than_is_unapplied_is_refused(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "creditmemo-apply", ledger.ann_credit.pk),
        {f"apply-{ledger.ann_dues.pk}": "20.00"},
    )
    assert "Applying 20.00 is more than the 15.00 available" in response.content.decode()
    assert not Application.objects.filter(credit_memo=ledger.ann_credit).exists()


def test_take_an_application_off(bookkeeper: Client, ledger: Ledger) -> None:
    application = Application.objects.get(payment=ledger.bob_payment)
    response = bookkeeper.post(
        url(ledger, "payment-unapply", ledger.bob_payment.pk),
        {"application": str(application.pk), "date": "2026-06-01"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.unapplied_on == dt.date(2026, 6, 1)
    ledger.bob_payment.refresh_from_db()
    assert ledger.bob_payment.unapplied == D("50.00")


def test_refund_a_credit_memo(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "creditmemo-refund", ledger.ann_credit.pk),
        {
            "amount": "10.00",
            "date": "2026-06-15",
            "method": "check",
            "reference": "CHK 77",
            "paid_from": str(ledger.books.bank.pk),
        },
    )
    assert response.status_code == 302
    refund = Refund.objects.get(credit_memo=ledger.ann_credit)
    assert (refund.amount, refund.reference, refund.paid_from) == (
        D("10.00"),
        "CHK 77",
        ledger.books.bank,
    )
    page = bookkeeper.get(response["Location"]).content.decode()
    assert 'id="unapplied">5.00<' in page


def test_refund_more_than_unapplied_is_refused(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "creditmemo-refund", ledger.ann_credit.pk),
        {
            "amount": "16.00",
            "date": "2026-06-15",
            "method": "check",
            "paid_from": str(ledger.books.bank.pk),
        },
    )
    assert "Refunding 16.00 is more than the 15.00 unapplied" in response.content.decode()
    assert not Refund.objects.exists()


def test_void_a_payment_reopens_the_invoice(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "payment-void", ledger.bob_payment.pk),
        {"date": "2026-05-10", "reason": "Check bounced"},
    )
    assert response.status_code == 302
    ledger.bob_payment.refresh_from_db()
    ledger.bob_dues.refresh_from_db()
    assert ledger.bob_payment.voided_on == dt.date(2026, 5, 10)
    assert ledger.bob_dues.open_balance == D("300.00")


def test_add_and_edit_a_member(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "member-new"),
        {"member_number": "M0100", "first_name": "Cy", "last_name": "Cole", "status": "active"},
    )
    member = Member.objects.get(member_number="M0100", organisation=ledger.books.org)
    assert response["Location"] == url(ledger, "member-detail", member.pk)
    bookkeeper.post(
        url(ledger, "member-edit", member.pk),
        {"first_name": "Cy", "last_name": "Cole", "email": "cy@example.org", "status": "lapsed"},
    )
    member.refresh_from_db()
    assert (member.email, member.status) == ("cy@example.org", "lapsed")


def test_a_taken_member_number_is_refused(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "member-new"),
        {"member_number": "M0001", "last_name": "Twin", "status": "active"},
    )
    assert "Member number M0001 is taken. Use another member number." in (response.content.decode())


def test_create_an_event_add_a_fee_and_register_paid_now(
    bookkeeper: Client, ledger: Ledger
) -> None:
    books = ledger.books
    response = bookkeeper.post(
        url(ledger, "event-new"),
        {"code": "AGM", "name": "Annual meeting", "starts_on": "2026-09-01", "location": "Hall"},
    )
    event = Event.objects.get(code="AGM")
    assert response["Location"] == url(ledger, "event-detail", event.pk)
    bookkeeper.post(
        url(ledger, "event-fee-type", event.pk),
        {"name": "Member", "price": "25.00", "gl_account": str(books.events.pk)},
    )
    fee = FeeType.objects.get(event=event)
    response = bookkeeper.post(
        url(ledger, "event-register", event.pk),
        {
            "member_number": "M0002",
            "fee_type": str(fee.pk),
            "quantity": "2",
            "registered_on": "2026-08-01",
            "paid_now": "on",
            "method": "card",
            "reference": "ch_1",
            "deposit_account": str(books.bank.pk),
        },
    )
    assert response["Location"] == url(ledger, "event-detail", event.pk)
    registration = Registration.objects.get(event=event)
    assert registration.member == ledger.bob
    assert registration.invoice.total == D("50.00")
    assert registration.payment is not None and registration.payment.amount == D("50.00")
    assert registration.invoice.open_balance == D("0.00")
    listing = bookkeeper.get(url(ledger, "events")).content.decode()
    assert 'data-figure="registrations">1<' in listing


def test_paid_now_needs_a_deposit_account(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.post(
        url(ledger, "event-register", ledger.event.pk),
        {
            "member_number": "M0001",
            "fee_type": str(ledger.fee.pk),
            "quantity": "1",
            "registered_on": "2026-07-01",
            "paid_now": "on",
            "method": "card",
        },
    )
    assert "Choose where the payment is deposited." in response.content.decode()
    assert not Registration.objects.exists()
