"""Mapping GL accounts to QuickBooks items and accounts, against the emulator."""

import pytest
from django.core.exceptions import PermissionDenied

from memberbooks.audit.models import AuditEntry
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.errors import NotFound
from memberbooks.mapping import actions, queries
from memberbooks.mapping.errors import MappingRefused
from memberbooks.mapping.models import GLMapping, QbCatalogEntry
from memberbooks.tenancy.actions import create_organisation
from tests.books import Books
from tests.mapping.conftest import Connected


def test_income_gl_maps_to_an_item_and_is_audited(qb: Connected) -> None:
    item = qb.find("Item", "Annual Membership")
    mapping = actions.map_gl(qb.actor, qb.books.dues, item_id=item["Id"])
    assert (mapping.qb_item_id, mapping.qb_item_name, mapping.mismatch) == (
        item["Id"],
        "Annual Membership",
        "",
    )
    entry = AuditEntry.objects.get(action="map_gl")
    assert entry.subject_id == "4000" and entry.before == {}
    assert entry.after["qb_item_name"] == "Annual Membership"


def test_deposit_and_receivable_gls_map_to_fitting_accounts(qb: Connected) -> None:
    checking = qb.find("Account", "Checking")
    undeposited = qb.find("Account", "Undeposited Funds")
    receivable = qb.find("Account", "Accounts Receivable (A/R)")
    assert (
        actions.map_gl(qb.actor, qb.books.bank, account_id=checking["Id"]).qb_account_name
        == "Checking"
    )
    assert (
        actions.map_gl(qb.actor, qb.books.bank, account_id=undeposited["Id"]).qb_account_id
        == undeposited["Id"]
    )
    actions.map_gl(qb.actor, qb.books.ar, account_id=receivable["Id"])
    with pytest.raises(MappingRefused, match="Accounts Receivable"):
        actions.map_gl(qb.actor, qb.books.ar, account_id=checking["Id"])
    with pytest.raises(MappingRefused, match="Bank or Undeposited Funds"):
        actions.map_gl(qb.actor, qb.books.bank, account_id=receivable["Id"])
    assert GLMapping.objects.get(gl_account=qb.books.ar).qb_account_id == receivable["Id"]
    assert GLMapping.objects.get(gl_account=qb.books.bank).qb_account_id == undeposited["Id"]


def test_kind_checks_refuse_the_wrong_target(qb: Connected) -> None:
    item = qb.find("Item", "Services")
    checking = qb.find("Account", "Checking")
    with pytest.raises(MappingRefused, match="maps to a QuickBooks item"):
        actions.map_gl(qb.actor, qb.books.dues, account_id=checking["Id"])
    with pytest.raises(MappingRefused, match="maps to a QuickBooks account"):
        actions.map_gl(qb.actor, qb.books.bank, item_id=item["Id"])
    with pytest.raises(NotFound, match="No QuickBooks item with id 9999"):
        actions.map_gl(qb.actor, qb.books.dues, item_id="9999")
    assert not GLMapping.objects.exists() and not AuditEntry.objects.exists()


def test_an_inactive_item_is_refused(qb: Connected) -> None:
    item = qb.find("Item", "Merchandise")
    qb.client.deactivate("Item", item["Id"], item["SyncToken"])
    with pytest.raises(MappingRefused, match="inactive"):
        actions.map_gl(qb.actor, qb.books.dues, item_id=item["Id"])
    assert not GLMapping.objects.exists()


def test_an_item_posting_to_another_kind_of_account_is_flagged(qb: Connected) -> None:
    deferred = ledger.create_gl_account(qb.actor, "2400", "Dues paid in advance", "deferred")
    item = qb.find("Item", "Annual Membership")  # posts to an Income account
    mapping = actions.map_gl(qb.actor, deferred, item_id=item["Id"])
    assert "Membership Dues" in mapping.mismatch and "deferred" in mapping.mismatch
    row = next(r for r in queries.gl_mapping_status(qb.books.org) if r.gl_account == deferred)
    assert row.state == "mismatch"


def test_create_item_for_makes_a_service_item_with_its_income_account(qb: Connected) -> None:
    mapping = actions.create_item_for(qb.actor, qb.books.events)
    item = qb.client.read("Item", mapping.qb_item_id)
    assert (item["Name"], item["Type"]) == ("Event revenue", "Service")
    income = qb.client.read("Account", item["IncomeAccountRef"]["value"])
    assert income["Id"] == qb.find("Account", "Event Revenue")["Id"]  # names match case-blind
    assert mapping.mismatch == ""
    sponsorship = ledger.create_gl_account(qb.actor, "4200", "Sponsorship", "income")
    created = qb.client.read("Item", actions.create_item_for(qb.actor, sponsorship).qb_item_id)
    new_account = qb.client.read("Account", created["IncomeAccountRef"]["value"])
    assert (new_account["Name"], new_account["AccountType"]) == ("Sponsorship", "Income")


def test_create_account_for_a_deposit_gl_makes_a_bank_account(qb: Connected) -> None:
    mapping = actions.create_account_for(qb.actor, qb.books.bank)
    account = qb.client.read("Account", mapping.qb_account_id)
    assert (account["Name"], account["AccountType"]) == ("Operating checking", "Bank")
    with pytest.raises(MappingRefused, match="maps to an item"):
        actions.create_account_for(qb.actor, qb.books.dues)


def test_refresh_catalog_caches_items_and_accounts_including_inactive(qb: Connected) -> None:
    item = qb.find("Item", "Merchandise")
    qb.client.deactivate("Item", item["Id"], item["SyncToken"])
    counts = actions.refresh_catalog(qb.actor)
    assert counts == {"items": 4, "accounts": 7}
    cached = QbCatalogEntry.objects.get(kind="item", qb_id=item["Id"])
    assert cached.active is False and cached.type == "NonInventory"
    ar = QbCatalogEntry.objects.get(kind="account", name="Accounts Receivable (A/R)")
    assert ar.type == "Accounts Receivable" and ar.subtype == "AccountsReceivable"
    assert actions.refresh_catalog(qb.actor) == counts
    assert QbCatalogEntry.objects.count() == 11


def test_unmapped_gls_with_transactions_come_first(qb: Connected) -> None:
    member = qb.books.member()
    qb.books.pay(member, "5.00", "2026-01-06")
    qb.books.invoice(member, "10.00", "2026-01-05", account=qb.books.events)
    actions.map_gl(qb.actor, qb.books.events, item_id=qb.find("Item", "Event Registration")["Id"])
    unmapped = queries.unmapped_gl_with_transactions(qb.books.org)
    assert [gl.number for gl in unmapped] == ["1000", "1200"]
    rows = queries.gl_mapping_status(qb.books.org)
    assert [r.gl_account.number for r in rows[:2]] == ["1000", "1200"]
    assert {r.gl_account.number: r.state for r in rows}["4100"] == "mapped"


def test_viewers_cannot_map_or_refresh(qb: Connected) -> None:
    item = qb.find("Item", "Services")
    with pytest.raises(PermissionDenied):
        actions.map_gl(qb.viewer, qb.books.dues, item_id=item["Id"])
    with pytest.raises(PermissionDenied):
        actions.refresh_catalog(qb.viewer)
    with pytest.raises(PermissionDenied):
        actions.create_item_for(qb.viewer, qb.books.dues)
    assert not GLMapping.objects.exists() and not QbCatalogEntry.objects.exists()


def test_another_organisations_gl_is_not_found(qb: Connected) -> None:
    other = Books(create_organisation("other", "Other Club"))
    with pytest.raises(NotFound):
        actions.map_gl(qb.actor, other.dues, item_id=qb.find("Item", "Services")["Id"])
