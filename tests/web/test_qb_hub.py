"""The QuickBooks Interface hub counts what is left to do before a sync."""

import re

from django.test import Client
from django.urls import reverse

from memberbooks.exports import actions
from tests.web.conftest import Ledger, body


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found, f"no figure {name}"
    return found.group(1).strip()


def test_hub_counts_unlinked_unmapped_and_decisions(viewer: Client, ledger: Ledger) -> None:
    books = ledger.books
    actions.mark(books.actor, [("invoice", ledger.ann_dues.pk)], True, "export it")
    actions.mark(books.actor, [("invoice", ledger.bob_dues.pk)], False, "already in QuickBooks")

    html = body(viewer.get(reverse("qb-hub", args=[books.org.slug])))

    assert figure(html, "unlinked") == "2"  # Ann and Bob both have transactions
    assert figure(html, "unmapped") == "4"  # dues, events, bank and A/R: all used, none mapped
    assert (figure(html, "go"), figure(html, "no_go"), figure(html, "undecided")) == ("1", "1", "3")
    assert "Not connected to QuickBooks" in html


def test_billing_page_leads_to_the_hub(viewer: Client, ledger: Ledger) -> None:
    html = body(viewer.get(reverse("billing", args=[ledger.books.org.slug])))
    assert reverse("qb-hub", args=[ledger.books.org.slug]) in html
