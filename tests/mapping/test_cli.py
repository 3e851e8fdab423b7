"""`memberbooks link` and `memberbooks map` against the emulator."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from memberbooks.exports import actions as exports
from memberbooks.mapping.models import CustomerLink, GLMapping
from tests.mapping.conftest import Connected


def run(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def test_link_unlink_and_list_json(qb: Connected) -> None:
    member = qb.books.member("Lee", "Pat")
    qb.books.invoice(member, "10.00", "2026-01-05")
    customer = qb.customer("Pat Lee")
    assert "Linked member M0001 to QuickBooks customer" in run(
        "link", "acme", "--member", "M0001", "--customer", customer["Id"]
    )
    listed = json.loads(run("link", "acme", "--list", "--json"))["members"]
    assert listed == [
        {
            **listed[0],
            "member_number": "M0001",
            "state": "linked",
            "qb_id": customer["Id"],
            "qb_name": "Pat Lee",
            "has_transactions": True,
            "linked_by": "cli",
        }
    ]
    assert "Unlinked member M0001" in run("link", "acme", "--unlink", "--member", "M0001")
    assert json.loads(run("link", "acme", "--list", "--json"))["members"][0]["state"] == "unlinked"


def test_link_bad_input_changes_nothing(qb: Connected) -> None:
    pat, sam = qb.books.member("Lee", "Pat"), qb.books.member("Lee", "Sam")
    customer = qb.customer("Pat Lee")
    run("link", "acme", "--member", pat.member_number, "--customer", customer["Id"])
    with pytest.raises(CommandError, match="No member M9999"):
        run("link", "acme", "--member", "M9999", "--customer", customer["Id"])
    with pytest.raises(CommandError, match="No QuickBooks customer with id 4242"):
        run("link", "acme", "--member", sam.member_number, "--customer", "4242")
    with pytest.raises(CommandError, match="already linked to member M0001"):
        run("link", "acme", "--member", sam.member_number, "--customer", customer["Id"])
    with pytest.raises(CommandError, match="No organisation"):
        run("link", "nowhere", "--list")
    assert list(CustomerLink.objects.values_list("member__member_number", flat=True)) == ["M0001"]


def test_link_create_missing_creates_for_unlinked_members_with_transactions(qb: Connected) -> None:
    busy, idle = qb.books.member("Lee", "Pat"), qb.books.member("Idle", "Ida")
    known = qb.books.member("Hernandez", "Maria", email="maria@example.org")
    for member in (busy, known):
        invoice = qb.books.invoice(member, "10.00", "2026-01-05")
        exports.mark(qb.actor, [("invoice", invoice.pk)], True, "send it")
    existing = qb.customer(
        "Maria Hernandez",
        GivenName="Maria",
        FamilyName="Hernandez",
        PrimaryEmailAddr={"Address": "maria@example.org"},
    )
    out = run("link", "acme", "--create-missing")
    assert "M0001: created" in out
    assert f"M0003: skipped, QuickBooks customer {existing['Id']} may be this member" in out
    link = CustomerLink.objects.get()
    assert link.member == busy and link.qb_name == "Pat Lee"
    assert qb.client.read("Customer", link.qb_id)["DisplayName"] == "Pat Lee"
    assert not CustomerLink.objects.filter(member=idle).exists()


def test_map_gl_list_json_and_refresh(qb: Connected) -> None:
    item = qb.find("Item", "Annual Membership")
    assert "Mapped GL 4000 to Annual Membership" in run(
        "map", "acme", "--gl", "4000", "--item", item["Id"]
    )
    rows = {
        r["gl_number"]: r for r in json.loads(run("map", "acme", "--list", "--json"))["gl_accounts"]
    }
    assert rows["4000"]["state"] == "mapped" and rows["4000"]["qb_item_id"] == item["Id"]
    assert rows["1000"]["state"] == "unmapped" and rows["1000"]["qb_account_id"] is None
    assert "Cached 4 items and 7 accounts" in run("map", "acme", "--refresh")


def test_map_bad_input_changes_nothing(qb: Connected) -> None:
    item = qb.find("Item", "Merchandise")
    qb.client.deactivate("Item", item["Id"], item["SyncToken"])
    with pytest.raises(CommandError, match="No GL account 9999"):
        run("map", "acme", "--gl", "9999", "--item", item["Id"])
    with pytest.raises(CommandError, match="inactive"):
        run("map", "acme", "--gl", "4000", "--item", item["Id"])
    with pytest.raises(CommandError, match="No QuickBooks account with id 777"):
        run("map", "acme", "--gl", "1000", "--account", "777")
    assert not GLMapping.objects.exists()


def test_map_create_missing_maps_every_unmapped_gl_in_use(qb: Connected) -> None:
    member = qb.books.member()
    invoice = qb.books.invoice(member, "10.00", "2026-01-05")
    qb.books.pay(member, "10.00", "2026-01-06", (invoice, "10.00"))
    out = run("map", "acme", "--create-missing")
    assert "GL 4000: created and mapped to Membership dues" in out
    mapped = dict(GLMapping.objects.values_list("gl_account__number", "qb_item_name"))
    assert set(mapped) == {"4000", "1000", "1200"}
    ar = GLMapping.objects.get(gl_account__number="1200")
    assert qb.client.read("Account", ar.qb_account_id)["AccountType"] == "Accounts Receivable"


def test_suggest_json_and_confirm_confident_links_only_the_confident(qb: Connected) -> None:
    maria = qb.books.member("Hernandez", "Maria", email="maria@example.org")
    twin = qb.books.member("Smith", "Jo")
    qb.customer(
        "Maria Hernandez",
        GivenName="Maria",
        FamilyName="Hernandez",
        PrimaryEmailAddr={"Address": "maria@example.org"},
    )
    qb.customer("Jo Smith", GivenName="Jo", FamilyName="Smith")
    qb.customer("Jo Smith (2)", GivenName="Jo", FamilyName="Smith")
    rows = {
        r["member_number"]: r
        for r in json.loads(run("link", "acme", "--suggest", "--json"))["suggestions"]
    }
    assert rows[maria.member_number]["verdict"] == "confident"
    assert rows[twin.member_number]["verdict"] == "ambiguous"
    assert rows[maria.member_number]["candidates"][0]["reasons"]
    out = run("link", "acme", "--confirm-confident")
    assert "Linked 1 member(s)" in out
    assert list(CustomerLink.objects.values_list("member__member_number", "qb_name")) == [
        (maria.member_number, "Maria Hernandez")
    ]


def test_search_finds_customers_by_name_company_and_email_and_shows_links(qb: Connected) -> None:
    pat = qb.books.member("Lee", "Pat")
    lee = qb.customer("Pat Lee")
    acme = qb.customer("Jo Bloggs", CompanyName="Leeward Sailing")
    mail = qb.customer("Sam Other", PrimaryEmailAddr={"Address": "sam@lee.example"})
    qb.customer("Unrelated Person")
    run("link", "acme", "--member", pat.member_number, "--customer", lee["Id"])
    hits = json.loads(run("link", "acme", "--search", "lee", "--json"))["customers"]
    assert [h["qb_id"] for h in hits] == [acme["Id"], lee["Id"], mail["Id"]]
    assert [h["linked_to"] for h in hits] == [None, pat.member_number, None]
    assert json.loads(run("link", "acme", "--search", "nobody-like-this", "--json")) == {
        "customers": []
    }
