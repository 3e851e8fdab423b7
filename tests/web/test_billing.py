"""The billing lists: tabs, filters, totals and pages."""

from django.test import Client
from django.urls import reverse

from tests.books import Books
from tests.web.conftest import Ledger


def listed(client: Client, ledger: Ledger, **params: str) -> str:
    return client.get(reverse("billing", args=[ledger.books.org.slug]), params).content.decode()


def test_invoices_filtered_by_date_member_source_and_status(viewer: Client, ledger: Ledger) -> None:
    april = listed(viewer, ledger, date_from="2026-04-01", date_to="2026-04-30")
    assert ledger.ann_event.number in april and ledger.ann_dues.number not in april
    assert 'data-figure="amount">80.00<' in april  # totals once the list is filtered
    bob = listed(viewer, ledger, member_number="M0002")
    assert ledger.bob_dues.number in bob and ledger.ann_dues.number not in bob
    assert 'data-figure="rest">250.00<' in bob
    assert ledger.ann_dues.number not in listed(viewer, ledger, source="event")
    paid = listed(viewer, ledger, status="paid")
    assert "No invoices match these filters." in paid


def test_the_unfiltered_list_skips_the_totals(viewer: Client, ledger: Ledger) -> None:
    page = listed(viewer, ledger)
    assert "<strong>3</strong> invoices" in page
    assert "Filter (a date range, a member, a status) to see totals." in page


def test_payments_and_credit_memos_tabs(viewer: Client, ledger: Ledger) -> None:
    payments = listed(viewer, ledger, tab="payments")
    assert ledger.bob_payment.number in payments and ledger.ann_dues.number not in payments
    credits = listed(viewer, ledger, tab="credit-memos", status="open")
    assert ledger.ann_credit.number in credits
    assert 'data-figure="rest">15.00<' in credits


def test_bad_filters_are_errors_not_empty_lists(viewer: Client, ledger: Ledger) -> None:
    backwards = listed(viewer, ledger, date_from="2026-05-01", date_to="2026-04-01")
    assert "The end date is before the start date." in backwards
    unknown = listed(viewer, ledger, member_number="M9999")
    assert "No member M9999 in Acme Association." in unknown
    assert ledger.ann_dues.number not in unknown


def test_fifty_per_page(viewer: Client, ledger: Ledger) -> None:
    books = ledger.books
    for day in range(1, 29):
        books.invoice(ledger.ann, "1.00", f"2026-03-{day:02d}")
        books.invoice(ledger.bob, "1.00", f"2026-03-{day:02d}")
    first = listed(viewer, ledger)
    assert "Page 1 of 2" in first and "<strong>59</strong> invoices" in first
    second = listed(viewer, ledger, page="2")
    assert second.count("/invoices/") - second.count("/invoices/new/") == 9


def test_an_empty_organisation_says_what_to_do(bookkeeper: Client, books: Books) -> None:
    url = reverse("billing", args=[books.org.slug])
    assert "Post the first invoice" in bookkeeper.get(url).content.decode()
    assert "Record a payment</a> when money comes in" in (
        bookkeeper.get(url, {"tab": "payments"}).content.decode()
    )
