"""Every page renders for a viewer, with the figures of the known ledger."""

import pytest
from django.test import Client
from django.urls import reverse

from memberbooks.tenancy.actions import add_user, create_organisation
from memberbooks.tenancy.models import Role
from tests.books import Books
from tests.web.conftest import Ledger, body


def page_urls(ledger: Ledger) -> list[str]:
    """Every GET page of an organisation, with ids of the ledger's own documents."""
    org = ledger.books.org.slug
    pk = {
        "member": ledger.ann.pk,
        "invoice": ledger.ann_dues.pk,
        "payment": ledger.bob_payment.pk,
        "creditmemo": ledger.ann_credit.pk,
        "event": ledger.event.pk,
    }
    return [
        reverse("org-home", args=[org]),
        reverse("members", args=[org]),
        reverse("members-csv", args=[org]),
        reverse("member-detail", args=[org, pk["member"]]),
        reverse("member-statement-csv", args=[org, pk["member"]]),
        reverse("member-hint", args=[org]) + "?member_number=M0001",
        reverse("member-open-invoices", args=[org]) + "?member_number=M0001",
        reverse("billing", args=[org]),
        reverse("billing", args=[org]) + "?tab=payments",
        reverse("billing", args=[org]) + "?tab=credit-memos",
        reverse("billing-csv", args=[org]),
        reverse("invoice-detail", args=[org, pk["invoice"]]),
        reverse("payment-detail", args=[org, pk["payment"]]),
        reverse("creditmemo-detail", args=[org, pk["creditmemo"]]),
        reverse("aging", args=[org]),
        reverse("aging-csv", args=[org]),
        reverse("aging-member", args=[org, pk["member"]]),
        reverse("events", args=[org]),
        reverse("event-detail", args=[org, pk["event"]]),
        reverse("event-csv", args=[org, pk["event"]]),
    ]


def test_every_page_renders_for_a_viewer(viewer: Client, ledger: Ledger) -> None:
    for url in page_urls(ledger):
        response = viewer.get(url, follow=True)
        assert response.status_code == 200, url
        assert body(response), url


def test_a_viewer_sees_no_write_buttons(viewer: Client, ledger: Ledger) -> None:
    org = ledger.books.org.slug
    content = viewer.get(reverse("billing", args=[org])).content.decode()
    assert "New invoice" not in content and "Record payment" not in content
    detail = viewer.get(reverse("invoice-detail", args=[org, ledger.ann_dues.pk])).content.decode()
    assert "Void this invoice" not in detail


def test_a_bookkeeper_sees_the_write_forms(bookkeeper: Client, ledger: Ledger) -> None:
    org = ledger.books.org.slug
    for name in ("invoice-new", "payment-new", "creditmemo-new", "member-new"):
        assert bookkeeper.get(reverse(name, args=[org])).status_code == 200, name
    detail = bookkeeper.get(reverse("invoice-detail", args=[org, ledger.ann_dues.pk]))
    assert "Void this invoice" in detail.content.decode()


@pytest.mark.parametrize("name", ["members", "aging", "billing"])
def test_pages_ask_anonymous_users_to_log_in(client: Client, ledger: Ledger, name: str) -> None:
    response = client.get(reverse(name, args=[ledger.books.org.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_empty_pages_say_what_to_do_next(bookkeeper: Client, books: Books) -> None:
    org = books.org.slug
    expected = {
        "members": "No members yet.",
        "aging": "Nothing is owed or in credit as of",
        "events": "No events yet.",
    }
    for name, text in expected.items():
        assert text in bookkeeper.get(reverse(name, args=[org])).content.decode(), name


def test_a_bad_as_of_date_is_explained_and_today_shown(viewer: Client, ledger: Ledger) -> None:
    page = viewer.get(reverse("aging", args=[ledger.books.org.slug]), {"as_of": "30/06/2026"})
    assert page.status_code == 200
    assert "is not a date; showing today. Write it as YYYY-MM-DD." in page.content.decode()


def test_home_lists_every_organisation_of_the_user(client: Client, books: Books) -> None:
    second = create_organisation("zeta", "Zeta Society")
    user = add_user(books.org, "multi", "pw-123456789", Role.VIEWER)
    add_user(second, "multi", "pw-123456789", Role.BOOKKEEPER)
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert page.index("Acme Association") < page.index("Zeta Society")
    only_one = add_user(books.org, "single", "pw-123456789", Role.VIEWER)
    client.force_login(only_one)
    assert client.get(reverse("home"))["Location"] == reverse("aging", args=[books.org.slug])
