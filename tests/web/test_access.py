"""Tenancy and roles on the pages: outsiders get 404 everywhere, viewers cannot write,
and a tampered id of another organisation writes nothing."""

from django.db import transaction
from django.test import Client
from django.urls import reverse

from memberbooks.events.models import Registration
from memberbooks.ledger.models import Application, CreditMemo, Invoice, Member, Payment, Refund
from tests.web.conftest import Ledger, body, lines_data
from tests.web.test_pages import page_urls


def ledger_rows() -> tuple[int, ...]:
    """Counts and running totals of every ledger table, to prove nothing was written."""
    return (
        Member.objects.count(),
        Invoice.objects.count(),
        Payment.objects.count(),
        CreditMemo.objects.count(),
        Application.objects.filter(unapplied_on=None).count(),
        Refund.objects.count(),
        Registration.objects.count(),
        Invoice.objects.exclude(voided_on=None).count(),
        Payment.objects.exclude(voided_on=None).count(),
    )


def write_requests(ledger: Ledger) -> list[tuple[str, dict[str, str]]]:
    """Every write form of an organisation, each with data that would succeed for its bookkeeper."""
    org, books = ledger.books.org.slug, ledger.books
    bank = str(books.bank.pk)
    application = Application.objects.get(payment=ledger.bob_payment)
    return [
        (
            reverse("invoice-new", args=[org]),
            {
                "member_number": "M0001",
                "date": "2026-07-01",
                "source": "dues",
                **lines_data((books.dues.pk, "Dues", "1", "10.00")),
            },
        ),
        (
            reverse("payment-new", args=[org]),
            {
                "member_number": "M0001",
                "date": "2026-07-01",
                "amount": "10.00",
                "method": "check",
                "deposit_account": bank,
            },
        ),
        (
            reverse("creditmemo-new", args=[org]),
            {
                "member_number": "M0001",
                "date": "2026-07-01",
                **lines_data((books.dues.pk, "Credit", "1", "5.00")),
            },
        ),
        (
            reverse("invoice-void", args=[org, ledger.ann_dues.pk]),
            {"date": "2026-07-01", "reason": "x"},
        ),
        (
            reverse("creditmemo-apply", args=[org, ledger.ann_credit.pk]),
            {f"apply-{ledger.ann_dues.pk}": "5.00"},
        ),
        (
            reverse("creditmemo-refund", args=[org, ledger.ann_credit.pk]),
            {"amount": "5.00", "date": "2026-07-01", "method": "check", "paid_from": bank},
        ),
        (
            reverse("creditmemo-void", args=[org, ledger.ann_credit.pk]),
            {"date": "2026-07-01", "reason": "x"},
        ),
        (
            reverse("payment-unapply", args=[org, ledger.bob_payment.pk]),
            {"application": str(application.pk), "date": "2026-07-01"},
        ),
        (
            reverse("payment-void", args=[org, ledger.bob_payment.pk]),
            {"date": "2026-07-01", "reason": "x"},
        ),
        (
            reverse("member-new", args=[org]),
            {"member_number": "X1", "last_name": "New", "status": "active"},
        ),
        (
            reverse("member-edit", args=[org, ledger.ann.pk]),
            {"last_name": "Changed", "status": "active"},
        ),
        (
            reverse("event-new", args=[org]),
            {"code": "NEW", "name": "New", "starts_on": "2026-09-01"},
        ),
        (
            reverse("event-fee-type", args=[org, ledger.event.pk]),
            {"name": "Guest", "price": "10.00", "gl_account": str(books.events.pk)},
        ),
        (
            reverse("event-register", args=[org, ledger.event.pk]),
            {
                "member_number": "M0001",
                "fee_type": str(ledger.fee.pk),
                "quantity": "1",
                "registered_on": "2026-07-01",
                "method": "card",
            },
        ),
    ]


def test_the_write_requests_really_write_for_a_bookkeeper(
    bookkeeper: Client, ledger: Ledger
) -> None:
    """The data used below is valid: each request, on the fixture's books, succeeds."""
    for url, data in write_requests(ledger):
        with transaction.atomic():
            response = bookkeeper.post(url, data)
            messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
            transaction.set_rollback(True)  # the next request starts from the same books
        assert response.status_code == 302, url
        assert messages, url


def test_a_viewer_posting_any_write_form_gets_403(viewer: Client, ledger: Ledger) -> None:
    before = ledger_rows()
    for url, data in write_requests(ledger):
        assert viewer.post(url, data).status_code == 403, url
    assert ledger_rows() == before
    ledger.ann.refresh_from_db()
    assert ledger.ann.last_name == "Adams"


def test_a_viewer_cannot_even_open_the_new_document_forms(viewer: Client, ledger: Ledger) -> None:
    org = ledger.books.org.slug
    for name in ("invoice-new", "payment-new", "creditmemo-new", "member-new"):
        response = viewer.get(reverse(name, args=[org]))
        assert response.status_code == 403
        assert "This needs the bookkeeper role; you are a viewer." in response.content.decode()


def test_an_outsider_gets_404_on_every_page(outsider: Client, ledger: Ledger) -> None:
    for url in page_urls(ledger):
        assert outsider.get(url).status_code == 404, url


def test_an_outsider_gets_404_on_every_write_and_writes_nothing(
    outsider: Client, ledger: Ledger
) -> None:
    before = ledger_rows()
    for url, data in write_requests(ledger):
        assert outsider.post(url, data).status_code == 404, url
    assert ledger_rows() == before


def test_guessed_ids_of_another_organisation_are_404(
    bookkeeper: Client, ledger: Ledger, foreign: Ledger
) -> None:
    """Own organisation in the URL, the other's ids: every page and every write is a 404."""
    org = ledger.books.org.slug
    guesses = {
        "member-detail": foreign.ann.pk,
        "member-edit": foreign.ann.pk,
        "member-statement-csv": foreign.ann.pk,
        "aging-member": foreign.ann.pk,
        "invoice-detail": foreign.ann_dues.pk,
        "payment-detail": foreign.bob_payment.pk,
        "creditmemo-detail": foreign.ann_credit.pk,
        "event-detail": foreign.event.pk,
        "event-csv": foreign.event.pk,
    }
    for name, pk in guesses.items():
        assert bookkeeper.get(reverse(name, args=[org, pk])).status_code == 404, name
    before = ledger_rows()
    for url, data in write_requests(foreign):
        own_url = url.replace(f"/o/{foreign.books.org.slug}/", f"/o/{org}/")
        if "/new/" in own_url:
            continue  # no id in the URL; tampered ids in the body are tested below
        assert bookkeeper.post(own_url, data).status_code == 404, own_url
    assert ledger_rows() == before


def test_another_organisations_gl_account_in_an_invoice_line_writes_nothing(
    bookkeeper: Client, ledger: Ledger, foreign: Ledger
) -> None:
    before = ledger_rows()
    response = bookkeeper.post(
        reverse("invoice-new", args=[ledger.books.org.slug]),
        {
            "member_number": "M0001",
            "date": "2026-07-01",
            "source": "dues",
            **lines_data((foreign.books.dues.pk, "Dues", "1", "10.00")),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert ledger_rows() == before


def test_another_organisations_deposit_account_writes_nothing(
    bookkeeper: Client, ledger: Ledger, foreign: Ledger
) -> None:
    before = ledger_rows()
    org = ledger.books.org.slug
    payment = bookkeeper.post(
        reverse("payment-new", args=[org]),
        {
            "member_number": "M0001",
            "date": "2026-07-01",
            "amount": "10.00",
            "method": "check",
            "deposit_account": str(foreign.books.bank.pk),
        },
    )
    refund = bookkeeper.post(
        reverse("creditmemo-refund", args=[org, ledger.ann_credit.pk]),
        {
            "amount": "5.00",
            "date": "2026-07-01",
            "method": "check",
            "paid_from": str(foreign.books.bank.pk),
        },
    )
    for response in (payment, refund):
        assert response.status_code == 200
        assert "Select a valid choice." in response.content.decode()
    assert ledger_rows() == before


def test_another_organisations_invoice_in_an_application_writes_nothing(
    bookkeeper: Client, ledger: Ledger, foreign: Ledger
) -> None:
    before = ledger_rows()
    org = ledger.books.org.slug
    payment = bookkeeper.post(
        reverse("payment-new", args=[org]),
        {
            "member_number": "M0001",
            "date": "2026-07-01",
            "amount": "10.00",
            "method": "check",
            "deposit_account": str(ledger.books.bank.pk),
            f"apply-{foreign.ann_dues.pk}": "10.00",
        },
    )
    apply = bookkeeper.post(
        reverse("creditmemo-apply", args=[org, ledger.ann_credit.pk]),
        {f"apply-{foreign.ann_dues.pk}": "5.00"},
    )
    for response in (payment, apply):
        assert response.status_code == 200
        assert f"No invoice {foreign.ann_dues.pk} in Acme Association." in body(response)
    assert ledger_rows() == before
    foreign.ann_dues.refresh_from_db()
    assert foreign.ann_dues.amount_applied == 0


def test_another_members_invoice_in_an_application_writes_nothing(
    bookkeeper: Client, ledger: Ledger
) -> None:
    before = ledger_rows()
    response = bookkeeper.post(
        reverse("creditmemo-apply", args=[ledger.books.org.slug, ledger.ann_credit.pk]),
        {f"apply-{ledger.bob_dues.pk}": "5.00"},
    )
    assert f"Invoice {ledger.bob_dues.number} belongs to another member." in body(response)
    assert ledger_rows() == before


def test_another_organisations_application_or_fee_type_writes_nothing(
    bookkeeper: Client, ledger: Ledger, foreign: Ledger
) -> None:
    before = ledger_rows()
    org = ledger.books.org.slug
    foreign_application = Application.objects.get(payment=foreign.bob_payment)
    unapply = bookkeeper.post(
        reverse("payment-unapply", args=[org, ledger.bob_payment.pk]),
        {"application": str(foreign_application.pk), "date": "2026-07-01"},
    )
    assert "No such application on this document." in body(unapply)
    register = bookkeeper.post(
        reverse("event-register", args=[org, ledger.event.pk]),
        {
            "member_number": "M0001",
            "fee_type": str(foreign.fee.pk),
            "quantity": "1",
            "registered_on": "2026-07-01",
            "method": "card",
        },
    )
    assert "Select a valid choice." in body(register)
    assert ledger_rows() == before
    foreign_application.refresh_from_db()
    assert foreign_application.unapplied_on is None
