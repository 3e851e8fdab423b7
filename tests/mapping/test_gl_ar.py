"""The dedicated A/R account: create (or reuse) one in QuickBooks and map the receivable GL to it."""

import pytest
from django.core.exceptions import PermissionDenied

from memberbooks.audit.models import AuditEntry
from memberbooks.ledger.errors import InvalidInput, NotFound
from memberbooks.mapping import actions
from memberbooks.mapping.errors import MappingRefused
from memberbooks.mapping.models import GLMapping
from memberbooks.tenancy.actions import create_organisation
from tests.books import Books
from tests.mapping.conftest import Connected

AR_NAME = "MMS Accounts Receivable"


def accounts_named(qb: Connected, name: str) -> list[dict[str, object]]:
    return list(qb.client.query_all("Account", [("Name", "=", name)]))


def test_creates_an_ar_account_maps_the_receivable_gl_and_audits_it(qb: Connected) -> None:
    result = actions.create_dedicated_ar(qb.actor, qb.books.ar)

    assert result.created is True
    account = qb.client.read("Account", result.mapping.qb_account_id)
    assert (account["Name"], account["AccountType"], account["AccountSubType"]) == (
        AR_NAME,
        "Accounts Receivable",
        "AccountsReceivable",
    )
    mapping = GLMapping.objects.get(gl_account=qb.books.ar)
    assert (mapping.qb_account_id, mapping.qb_account_name, mapping.qb_item_id) == (
        account["Id"],
        AR_NAME,
        "",
    )
    entry = AuditEntry.objects.get(action="map_gl")
    assert (entry.subject_id, entry.before, entry.after["qb_account_name"]) == (
        "1200",
        {},
        AR_NAME,
    )
    assert (
        entry.note
        == f"Created QuickBooks A/R account {account['Id']} ({AR_NAME}) for MMS invoices."
    )


def test_an_ar_account_of_that_name_is_reused_not_duplicated(qb: Connected) -> None:
    first = actions.create_dedicated_ar(qb.actor, qb.books.ar, "  MMS   Accounts Receivable ")
    again = actions.create_dedicated_ar(qb.actor, qb.books.ar, AR_NAME)

    assert (first.created, again.created) == (True, False)
    assert again.mapping.qb_account_id == first.mapping.qb_account_id
    assert len(accounts_named(qb, AR_NAME)) == 1
    notes = list(
        AuditEntry.objects.filter(action="map_gl").order_by("pk").values_list("note", flat=True)
    )
    assert notes[1].startswith("Chose existing QuickBooks A/R account")


def test_a_name_taken_by_another_kind_of_account_is_refused_and_nothing_changes(
    qb: Connected,
) -> None:
    with pytest.raises(MappingRefused, match="named Checking, a Bank account") as refused:
        actions.create_dedicated_ar(qb.actor, qb.books.ar, "Checking")
    assert refused.value.field == "name" and "Choose another name" in (refused.value.fix or "")
    assert not GLMapping.objects.exists() and not AuditEntry.objects.exists()


def test_a_dedicated_ar_account_made_inactive_in_quickbooks_is_refused_with_the_fix(
    qb: Connected,
) -> None:
    made = actions.create_dedicated_ar(qb.actor, qb.books.ar)
    account = qb.client.read("Account", made.mapping.qb_account_id)
    qb.client.deactivate("Account", account["Id"], account["SyncToken"])
    actions.unmap_gl(qb.actor, qb.books.ar)

    with pytest.raises(MappingRefused, match="is inactive") as refused:
        actions.create_dedicated_ar(qb.actor, qb.books.ar)
    assert "Reactivate it in QuickBooks" in (refused.value.fix or "")
    assert not GLMapping.objects.exists()
    assert AuditEntry.objects.filter(action="map_gl").count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_blank_or_too_long_name_is_refused_before_quickbooks_is_asked(
    qb: Connected, name: str
) -> None:
    count = len(list(qb.client.query_all("Account")))
    with pytest.raises(InvalidInput) as refused:
        actions.create_dedicated_ar(qb.actor, qb.books.ar, name)
    assert refused.value.field == "name" and AR_NAME in (refused.value.fix or "")
    assert len(list(qb.client.query_all("Account"))) == count
    assert not GLMapping.objects.exists()


def test_only_the_receivable_gl_gets_an_ar_account(qb: Connected) -> None:
    for gl in (qb.books.dues, qb.books.bank):
        with pytest.raises(MappingRefused, match="only the receivable GL"):
            actions.create_dedicated_ar(qb.actor, gl)
    assert accounts_named(qb, AR_NAME) == []
    assert not GLMapping.objects.exists()


def test_viewers_are_refused_and_another_organisations_gl_is_not_found(qb: Connected) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_dedicated_ar(qb.viewer, qb.books.ar)
    other = Books(create_organisation("other", "Other Club"))
    with pytest.raises(NotFound):
        actions.create_dedicated_ar(qb.actor, other.ar)
    assert accounts_named(qb, AR_NAME) == []
    assert not GLMapping.objects.exists() and not AuditEntry.objects.exists()
