"""`memberbooks link` and `memberbooks map` checked against the issue's CLI list.

- `link --create-missing` must skip members with any plausible match (a weak one
  too) and members whose transactions are all no-go ("unlinked members that have
  go transactions").
- `map --gl N --unmap`, `map --catalog [--kind] [--json]` (to find the ids that
  `--item`/`--account` need) and a plain word when `--create-missing` has nothing to do.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from memberbooks.exports import actions as exports
from memberbooks.exports.actions import doc_type_of
from memberbooks.mapping.models import CustomerLink, GLMapping
from tests.mapping.conftest import Connected


def run(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def test_create_missing_skips_a_member_with_only_a_weak_match(qb: Connected) -> None:
    robert = qb.books.member("Okafor", "Robert")
    invoice = qb.books.invoice(robert, "10.00", "2026-01-05")
    exports.mark(qb.actor, [(doc_type_of(invoice), invoice.pk)], True, "send it")
    bob = qb.customer("Bob Okafor", GivenName="Bob", FamilyName="Okafor")  # nickname: weak
    customers = len(list(qb.client.query_all("Customer", [])))

    out = run("link", "acme", "--create-missing")

    assert f"{robert.member_number}: skipped, QuickBooks customer {bob['Id']}" in out
    assert "(weak)" in out
    assert not CustomerLink.objects.exists()
    assert len(list(qb.client.query_all("Customer", []))) == customers


def test_create_missing_skips_a_member_whose_transactions_are_all_no_go(qb: Connected) -> None:
    old = qb.books.member("Before", "Olga")
    current = qb.books.member("After", "Cora")
    old_invoice = qb.books.invoice(old, "10.00", "2026-01-05")
    new_invoice = qb.books.invoice(current, "20.00", "2026-03-05")
    exports.mark(qb.actor, [(doc_type_of(old_invoice), old_invoice.pk)], False, "before sync")
    exports.mark(qb.actor, [(doc_type_of(new_invoice), new_invoice.pk)], True, "after sync")

    run("link", "acme", "--create-missing")

    assert list(CustomerLink.objects.values_list("member__member_number", flat=True)) == [
        current.member_number
    ]


def test_map_unmap_and_nothing_to_create(qb: Connected) -> None:
    item = qb.find("Item", "Annual Membership")
    run("map", "acme", "--gl", "4000", "--item", item["Id"])

    out = run("map", "acme", "--gl", "4000", "--unmap")

    assert out.strip() == "Unmapped GL 4000."
    assert not GLMapping.objects.exists()
    with pytest.raises(CommandError, match="GL 4000 is not mapped"):
        run("map", "acme", "--gl", "4000", "--unmap")
    assert "Nothing to create" in run("map", "acme", "--create-missing")  # no transactions yet
    assert not GLMapping.objects.exists()


def test_catalog_lists_the_cached_ids_for_map(qb: Connected) -> None:
    assert "Nothing cached" in run("map", "acme", "--catalog")
    run("map", "acme", "--refresh")

    items = json.loads(run("map", "acme", "--catalog", "--kind", "item", "--json"))["catalog"]
    text = run("map", "acme", "--catalog", "--kind", "account")

    membership = next(row for row in items if row["name"] == "Annual Membership")
    assert membership["qb_id"] == qb.find("Item", "Annual Membership")["Id"]
    assert {row["kind"] for row in items} == {"item"}
    checking = qb.find("Account", "Checking")
    assert any(
        line.split()[:2] == ["account", checking["Id"]] and "Checking" in line
        for line in text.splitlines()
    )
    run("map", "acme", "--gl", "4000", "--item", membership["qb_id"])
    assert GLMapping.objects.get().qb_item_name == "Annual Membership"


def test_map_dedicated_ar_creates_the_account_and_maps_the_receivable_gl(qb: Connected) -> None:
    out = run("map", "acme", "--dedicated-ar")
    assert "Created A/R account MMS Accounts Receivable; GL 1200 maps to it" in out
    account = qb.find("Account", "MMS Accounts Receivable")
    assert account["AccountType"] == "Accounts Receivable"
    assert GLMapping.objects.get(gl_account=qb.books.ar).qb_account_id == account["Id"]
    assert "Found A/R account" in run("map", "acme", "--dedicated-ar")
