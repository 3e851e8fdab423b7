"""The QuickBooks Interface API: member links and GL mappings, against a real emulator over loopback."""

from typing import Any

import pytest

from memberbooks.audit.models import AuditEntry
from memberbooks.ledger import actions as ledger
from memberbooks.mapping.models import CustomerLink, GLMapping, QbCatalogEntry
from memberbooks.tenancy.models import Role
from tests.api.conftest import Caller, token_caller
from tests.books import Books
from tests.connections.conftest import emulator_url, site  # noqa: F401  (fixtures)
from tests.mapping.conftest import Connected, qb  # noqa: F401  (fixtures)

QB = "orgs/acme/qb/"


@pytest.fixture
def keeper(qb: Connected) -> Caller:  # noqa: F811
    return token_caller(qb.books.org, Role.BOOKKEEPER)


@pytest.fixture
def reader(qb: Connected) -> Caller:  # noqa: F811
    return token_caller(qb.books.org, Role.VIEWER)


def links() -> list[tuple[str, str]]:
    return list(CustomerLink.objects.values_list("member__member_number", "qb_id"))


def mappings() -> list[tuple[Any, ...]]:
    return list(GLMapping.objects.values_list("gl_account__number", "qb_item_id", "qb_account_id"))


# --- member links -----------------------------------------------------------------------------


def test_link_list_and_unlink_a_member(qb: Connected, keeper: Caller, reader: Caller) -> None:  # noqa: F811
    pat = qb.books.member("Lee", "Pat")
    qb.books.invoice(pat, "50.00", "2026-01-10")
    sam = qb.books.member("Other", "Sam")
    customer = qb.customer("Pat Lee")

    linked = keeper.post(f"{QB}members/{pat.member_number}/link", {"customer_id": customer["Id"]})

    assert linked.status == 200, linked.body
    assert linked.body["state"] == "linked"
    assert (linked.body["customer_id"], linked.body["customer_name"]) == (customer["Id"], "Pat Lee")
    assert linked.body["has_transactions"] is True and linked.body["linked_by"] == "acme-bookkeeper"
    assert links() == [(pat.member_number, customer["Id"])]
    listed = reader.get(f"{QB}members/", state="linked").body
    assert listed["count"] == 1 and listed["results"][0]["member_number"] == pat.member_number
    unlinked = reader.get(f"{QB}members/", state="unlinked").body
    assert [r["member_number"] for r in unlinked["results"]] == [sam.member_number]

    gone = keeper.post(f"{QB}members/{pat.member_number}/unlink", {})

    assert gone.status == 200 and gone.body["state"] == "unlinked"
    assert gone.body["customer_id"] is None and links() == []
    assert list(AuditEntry.objects.order_by("id").values_list("action", "actor")) == [
        ("link_member", "acme-bookkeeper"),
        ("unlink_member", "acme-bookkeeper"),
    ]


def test_bad_links_are_refused_naming_the_field_and_nothing_changes(
    qb: Connected,  # noqa: F811
    keeper: Caller,
) -> None:
    pat, sam = qb.books.member("Lee", "Pat"), qb.books.member("Lee", "Sam")
    theirs = qb.customer("The Lees")
    keeper.post(f"{QB}members/{pat.member_number}/link", {"customer_id": theirs["Id"]})
    asleep = qb.customer("Sleepy Lee")
    qb.client.deactivate("Customer", asleep["Id"], asleep["SyncToken"])
    before = (links(), AuditEntry.objects.count())
    url = f"{QB}members/{sam.member_number}/link"

    missing = keeper.post(url, {"customer_id": "98765"})
    taken = keeper.post(url, {"customer_id": theirs["Id"]})
    inactive = keeper.post(url, {"customer_id": asleep["Id"]})
    malformed = keeper.post(url, {"customer_id": "no such id!"})
    nothing = keeper.post(url, {})

    assert (missing.status, missing.error["code"]) == (400, "unknown_reference")
    assert missing.error["field"] == "customer_id"
    assert "No QuickBooks customer with id 98765" in missing.error["message"]
    assert (taken.status, taken.error["code"], taken.error["field"]) == (
        400,
        "mapping_refused",
        "customer_id",
    )
    assert pat.member_number in taken.error["message"] and "Unlink" in taken.error["fix"]
    assert (inactive.status, inactive.error["field"]) == (400, "customer_id")
    assert "inactive" in inactive.error["message"] and inactive.error["fix"]
    assert (malformed.status, malformed.error["field"]) == (400, "customer_id")
    assert (nothing.status, nothing.error["field"]) == (400, "customer_id")
    assert (links(), AuditEntry.objects.count()) == before


def test_unlinking_an_unlinked_member_is_refused(qb: Connected, keeper: Caller) -> None:  # noqa: F811
    pat = qb.books.member("Lee", "Pat")

    reply = keeper.post(f"{QB}members/{pat.member_number}/unlink", {})

    assert reply.status == 400 and reply.error["field"] == "member_number"
    assert "not linked" in reply.error["message"] and not AuditEntry.objects.exists()


def test_suggestions_show_scores_and_reasons_and_bulk_confirm_links_only_the_confident(
    qb: Connected,  # noqa: F811
    keeper: Caller,
    reader: Caller,
) -> None:
    maria = qb.books.member("Hernandez", "Maria", email="maria@example.org")
    twin = qb.books.member("Smith", "Jo")
    quiet = qb.books.member("Nobody", "Quiet")  # no transactions: not suggested by default
    for member in (maria, twin):
        qb.books.invoice(member, "10.00", "2026-01-10")
    found = qb.customer(
        "Maria Hernandez",
        GivenName="Maria",
        FamilyName="Hernandez",
        PrimaryEmailAddr={"Address": "maria@example.org"},
    )
    qb.customer("Jo Smith", GivenName="Jo", FamilyName="Smith")
    qb.customer("Jo Smith (2)", GivenName="Jo", FamilyName="Smith")

    every = reader.get(f"{QB}members/suggestions")
    one = reader.get(f"{QB}members/suggestions", member=quiet.member_number)
    unknown = reader.get(f"{QB}members/suggestions", member="NOPE-1")

    rows = {r["member_number"]: r for r in every.body["results"]}
    assert set(rows) == {maria.member_number, twin.member_number}
    assert rows[maria.member_number]["verdict"] == "confident"
    best = rows[maria.member_number]["candidates"][0]
    assert best["customer_id"] == found["Id"] and best["score"] >= 70 and best["reasons"]
    assert best["display_name"] == "Maria Hernandez" and best["linked_to"] is None
    assert rows[twin.member_number]["verdict"] == "ambiguous"
    assert len(rows[twin.member_number]["candidates"]) == 2
    assert [r["member_number"] for r in one.body["results"]] == [quiet.member_number]
    assert (unknown.status, unknown.error["field"]) == (400, "member")

    bulk = keeper.post(f"{QB}members/confirm-confident", {})

    assert bulk.status == 200, bulk.body
    assert [r["member_number"] for r in bulk.body["linked"]] == [maria.member_number]
    assert bulk.body["failed"] == [] and bulk.body["not_confident"] == 2
    assert links() == [(maria.member_number, found["Id"])]
    again = keeper.post(f"{QB}members/confirm-confident", {"members": [twin.member_number]})
    assert again.body["linked"] == [] and links() == [(maria.member_number, found["Id"])]


def test_customer_search_is_live_and_shows_links(
    qb: Connected,  # noqa: F811
    keeper: Caller,
    reader: Caller,
) -> None:
    pat = qb.books.member("Lee", "Pat")
    lee = qb.customer("Pat Lee")
    company = qb.customer("Jo Bloggs", CompanyName="Leeward Sailing")
    qb.customer("Unrelated Person")
    keeper.post(f"{QB}members/{pat.member_number}/link", {"customer_id": lee["Id"]})

    hits = reader.get(f"{QB}customers/", search="lee").body["results"]
    blank = reader.get(f"{QB}customers/", search="  ")

    assert [(h["customer_id"], h["linked_to"]) for h in hits] == [
        (company["Id"], None),
        (lee["Id"], pat.member_number),
    ]
    assert (blank.status, blank.error["field"]) == (400, "search")


def test_create_customer_for_a_member_and_not_twice(qb: Connected, keeper: Caller) -> None:  # noqa: F811
    pat = qb.books.member("Lee", "Pat", email="pat@example.org")

    made = keeper.post(f"{QB}members/{pat.member_number}/create-customer", {})
    twice = keeper.post(f"{QB}members/{pat.member_number}/create-customer", {})

    assert made.status == 201, made.body
    customer = qb.client.read("Customer", made.body["customer_id"])
    assert customer["DisplayName"] == "Pat Lee" == made.body["customer_name"]
    assert customer["PrimaryEmailAddr"]["Address"] == "pat@example.org"
    assert (twice.status, twice.error["field"]) == (400, "member_number")
    assert "already linked" in twice.error["message"]
    assert links() == [(pat.member_number, made.body["customer_id"])]


# --- GL mappings and the catalog --------------------------------------------------------------


def test_map_list_and_unmap_gl_accounts(qb: Connected, keeper: Caller, reader: Caller) -> None:  # noqa: F811
    qb.books.invoice(qb.books.member(), "25.00", "2026-01-10")
    item = qb.find("Item", "Annual Membership")
    checking = qb.find("Account", "Checking")

    dues = keeper.post(f"{QB}gl-accounts/4000/map", {"item_id": item["Id"]})
    bank = keeper.post(f"{QB}gl-accounts/1000/map", {"account_id": checking["Id"]})

    assert dues.status == 200, dues.body
    assert (dues.body["state"], dues.body["item_id"], dues.body["item_name"]) == (
        "mapped",
        item["Id"],
        "Annual Membership",
    )
    assert dues.body["account_id"] is None and dues.body["has_transactions"] is True
    assert bank.body["account_name"] == "Checking"
    listed = reader.get(f"{QB}gl-accounts/").body["results"]
    states = {r["gl_number"]: r["state"] for r in listed}
    assert states == {"4000": "mapped", "1000": "mapped", "4100": "unmapped", "1200": "unmapped"}
    assert listed[0]["gl_number"] == "1200"  # unmapped and in use (an invoice exists): first
    unmapped = reader.get(f"{QB}gl-accounts/", state="unmapped").body
    assert [r["gl_number"] for r in unmapped["results"]] == ["1200", "4100"]

    gone = keeper.post(f"{QB}gl-accounts/4000/unmap", {})

    assert gone.status == 200 and gone.body["state"] == "unmapped"
    assert mappings() == [("1000", "", checking["Id"])]


def test_bad_mappings_are_refused_naming_the_field_and_nothing_changes(
    qb: Connected,  # noqa: F811
    keeper: Caller,
) -> None:
    merchandise = qb.find("Item", "Merchandise")
    qb.client.deactivate("Item", merchandise["Id"], merchandise["SyncToken"])
    item = qb.find("Item", "Services")
    checking = qb.find("Account", "Checking")

    inactive = keeper.post(f"{QB}gl-accounts/4000/map", {"item_id": merchandise["Id"]})
    missing = keeper.post(f"{QB}gl-accounts/4000/map", {"item_id": "9999"})
    wrong_kind = keeper.post(f"{QB}gl-accounts/4000/map", {"account_id": checking["Id"]})
    both = keeper.post(
        f"{QB}gl-accounts/4000/map", {"item_id": item["Id"], "account_id": checking["Id"]}
    )
    no_gl = keeper.post(f"{QB}gl-accounts/9999/map", {"item_id": item["Id"]})
    unmap_nothing = keeper.post(f"{QB}gl-accounts/4000/unmap", {})

    assert (inactive.status, inactive.error["field"]) == (400, "item_id")
    assert "inactive" in inactive.error["message"] and "Reactivate" in inactive.error["fix"]
    assert (missing.status, missing.error["code"], missing.error["field"]) == (
        400,
        "unknown_reference",
        "item_id",
    )
    assert (wrong_kind.status, wrong_kind.error["field"]) == (400, "account_id")
    assert "maps to a QuickBooks item" in wrong_kind.error["message"]
    assert (both.status, both.error["field"]) == (400, "item_id")
    assert no_gl.status == 404
    assert (unmap_nothing.status, unmap_nothing.error["field"]) == (400, "gl_number")
    assert mappings() == [] and not AuditEntry.objects.exists()


def test_create_in_quickbooks_makes_an_item_or_an_account_and_maps_it(
    qb: Connected,  # noqa: F811
    keeper: Caller,
) -> None:
    events = keeper.post(f"{QB}gl-accounts/4100/create-in-quickbooks", {})
    bank = keeper.post(f"{QB}gl-accounts/1000/create-in-quickbooks", {})

    assert events.status == 201, events.body
    made = qb.client.read("Item", events.body["item_id"])
    assert made["Name"] == "Event revenue" == events.body["item_name"]
    assert made["Type"] == "Service"
    account = qb.client.read("Account", bank.body["account_id"])
    assert (account["Name"], account["AccountType"]) == ("Operating checking", "Bank")
    assert {row[0] for row in mappings()} == {"4100", "1000"}


def test_a_dedicated_ar_account_is_created_once_then_chosen(qb: Connected, keeper: Caller) -> None:  # noqa: F811
    made = keeper.post(f"{QB}gl-accounts/1200/dedicated-ar", {})
    again = keeper.post(f"{QB}gl-accounts/1200/dedicated-ar", {"name": "MMS Accounts Receivable"})
    wrong_gl = keeper.post(f"{QB}gl-accounts/4000/dedicated-ar", {})
    taken = keeper.post(f"{QB}gl-accounts/1200/dedicated-ar", {"name": "Checking"})

    assert made.status == 200, made.body
    assert made.body["created"] is True and again.body["created"] is False
    account_id = made.body["mapping"]["account_id"]
    assert again.body["mapping"]["account_id"] == account_id
    account = qb.client.read("Account", account_id)
    assert (account["Name"], account["AccountType"]) == (
        "MMS Accounts Receivable",
        "Accounts Receivable",
    )
    assert (wrong_gl.status, wrong_gl.error["field"]) == (400, "gl_number")
    assert (taken.status, taken.error["field"]) == (400, "name")
    assert mappings() == [("1200", "", account_id)]


def test_refresh_and_list_the_catalog(qb: Connected, keeper: Caller, reader: Caller) -> None:  # noqa: F811
    assert reader.get(f"{QB}catalog/").body["count"] == 0

    counts = keeper.post(f"{QB}catalog/refresh", {})

    assert counts.status == 200
    items = list(qb.client.query_all("Item", [("Active", "IN", [True, False])]))
    assert counts.body["items"] == len(items) > 0
    assert counts.body["accounts"] == QbCatalogEntry.objects.filter(kind="account").count() > 0
    listed = reader.get(f"{QB}catalog/", kind="item", page_size="200").body
    assert listed["count"] == len(items)
    assert {r["qb_id"] for r in listed["results"]} == {str(i["Id"]) for i in items}
    assert {r["kind"] for r in listed["results"]} == {"item"}
    assert reader.get(f"{QB}catalog/", kind="nonsense").error["field"] == "kind"


# --- not connected ----------------------------------------------------------------------------


def test_an_organisation_not_connected_gets_409_connect_first(books: Books) -> None:
    keeper = token_caller(books.org, Role.BOOKKEEPER)
    member = books.member()
    ledger.create_gl_account(books.actor, "4300", "Other income", "income")

    replies = [
        keeper.post(f"{QB}members/{member.member_number}/link", {"customer_id": "1"}),
        keeper.post(f"{QB}members/{member.member_number}/create-customer", {}),
        keeper.post(f"{QB}members/confirm-confident", {}),
        keeper.get(f"{QB}members/suggestions"),
        keeper.get(f"{QB}customers/", search="lee"),
        keeper.post(f"{QB}gl-accounts/4300/map", {"item_id": "1"}),
        keeper.post(f"{QB}catalog/refresh", {}),
        keeper.get(f"{QB}insync/compare", date="2026-01-31"),
    ]

    for reply in replies:
        assert reply.status == 409, reply.body
        assert reply.error["code"] == "not_connected"
        assert "not connected" in reply.error["message"]
        assert reply.error["fix"].startswith("Connect first")
    assert not CustomerLink.objects.exists() and not GLMapping.objects.exists()
