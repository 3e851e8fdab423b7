"""Linking members to QuickBooks customers, against the emulator."""

import pytest
from django.core.exceptions import PermissionDenied

from memberbooks.audit.models import AuditEntry
from memberbooks.ledger.errors import InvalidInput, NotFound
from memberbooks.ledger.models import Member
from memberbooks.mapping import actions, queries
from memberbooks.mapping.errors import MappingRefused
from memberbooks.mapping.models import CustomerLink, QbKind
from tests.books import Books
from tests.mapping.conftest import Connected


def test_link_and_unlink_are_audited_with_before_and_after(qb: Connected) -> None:
    member = qb.books.member("Lee", "Pat")
    first = qb.customer("Pat Lee")
    second = qb.customer("Patricia Lee")
    actions.link_member(qb.actor, member, first["Id"])
    link = actions.link_member(qb.actor, member, second["Id"])
    assert (link.qb_id, link.qb_name, link.qb_kind) == (second["Id"], "Patricia Lee", "online")
    actions.unlink_member(qb.actor, member)
    assert not CustomerLink.objects.filter(member=member).exists()
    entries = list(AuditEntry.objects.filter(subject_id=member.member_number).order_by("id"))
    assert [(e.action, e.actor) for e in entries] == [
        ("link_member", "bookkeeper"),
        ("link_member", "bookkeeper"),
        ("unlink_member", "bookkeeper"),
    ]
    assert entries[0].before == {}
    assert entries[1].before["qb_id"] == first["Id"]
    assert entries[1].after == {
        "qb_kind": "online",
        "qb_id": second["Id"],
        "qb_name": "Patricia Lee",
    }
    assert entries[2].before["qb_name"] == "Patricia Lee" and entries[2].after == {}


def test_a_missing_id_is_refused_and_nothing_is_written(qb: Connected) -> None:
    member = qb.books.member()
    with pytest.raises(NotFound) as caught:
        actions.link_member(qb.actor, member, "98765")
    assert "No QuickBooks customer with id 98765" in caught.value.message
    assert "create" in (caught.value.fix or "")
    assert not CustomerLink.objects.exists() and not AuditEntry.objects.exists()


def test_a_customer_linked_to_another_member_is_refused_naming_them(qb: Connected) -> None:
    pat, sam = qb.books.member("Lee", "Pat"), qb.books.member("Lee", "Sam")
    customer = qb.customer("The Lees")
    actions.link_member(qb.actor, pat, customer["Id"])
    with pytest.raises(MappingRefused) as caught:
        actions.link_member(qb.actor, sam, customer["Id"])
    assert pat.member_number in caught.value.message and "Pat Lee" in caught.value.message
    assert not CustomerLink.objects.filter(member=sam).exists()


def test_an_inactive_customer_is_refused(qb: Connected) -> None:
    member = qb.books.member()
    customer = qb.customer("Gone Away")
    qb.client.deactivate("Customer", customer["Id"], customer["SyncToken"])
    with pytest.raises(MappingRefused, match="inactive"):
        actions.link_member(qb.actor, member, customer["Id"])
    assert not CustomerLink.objects.exists()


def test_create_customer_proposes_a_unique_name_on_a_6240_collision(qb: Connected) -> None:
    qb.customer("Pat Lee")
    member = qb.books.member("Lee", "Pat", email="pat@example.org")
    link = actions.create_customer_for(qb.actor, member)
    assert link.qb_name == f"Pat Lee ({member.member_number})"
    created = qb.client.read("Customer", link.qb_id)
    assert created["DisplayName"] == link.qb_name
    assert created["PrimaryEmailAddr"]["Address"] == "pat@example.org"
    assert AuditEntry.objects.get(action="link_member").after["qb_id"] == link.qb_id


def test_create_customer_without_collision_uses_the_name_without_colons(qb: Connected) -> None:
    member = qb.books.member("Lee", "Pat", company="Lee: Sons")
    link = actions.create_customer_for(qb.actor, member)
    assert link.qb_name == "Pat Lee (Lee Sons)"


def test_desktop_names_fit_41_characters() -> None:
    member = Member(
        member_number="M0012",
        first_name="Bartholomew",
        last_name="Featherstonehaugh Cholmondeley",
        company="International Association of Something",
    )
    assert actions.display_name_for(member, QbKind.DESKTOP) == "Bartholomew Featherstonehaugh"
    assert (
        actions.unique_name_for(member, QbKind.DESKTOP) == "Bartholomew Featherstonehaugh (M0012)"
    )
    online = actions.display_name_for(member, QbKind.ONLINE)
    assert online == (
        "Bartholomew Featherstonehaugh Cholmondeley (International Association of Something)"
    )
    fits = Member(member_number="M1", first_name="Pat", last_name="Lee", company="A:B")
    assert actions.display_name_for(fits, QbKind.DESKTOP) == "Pat Lee (A B)"
    company = Member(member_number="M2", company="The Very Long Name: Of A Company Incorporated")
    assert actions.display_name_for(company, QbKind.DESKTOP) == "The Very Long Name Of A Company"


def test_refusals_for_double_link_and_unlinking_nothing(qb: Connected) -> None:
    member = qb.books.member()
    with pytest.raises(InvalidInput, match="not linked"):
        actions.unlink_member(qb.actor, member)
    actions.create_customer_for(qb.actor, member)
    with pytest.raises(MappingRefused, match="already linked"):
        actions.create_customer_for(qb.actor, member)
    assert AuditEntry.objects.count() == 1


def test_viewers_cannot_link(qb: Connected) -> None:
    member = qb.books.member()
    customer = qb.customer("Pat Smith")
    with pytest.raises(PermissionDenied):
        actions.link_member(qb.viewer, member, customer["Id"])
    with pytest.raises(PermissionDenied):
        actions.create_customer_for(qb.viewer, member)
    assert not CustomerLink.objects.exists()


def test_another_organisations_member_is_not_found(qb: Connected) -> None:
    from memberbooks.tenancy.actions import create_organisation

    other = Books(create_organisation("other", "Other Club")).member()
    customer = qb.customer("Pat Smith")
    with pytest.raises(NotFound):
        actions.link_member(qb.actor, other, customer["Id"])


def test_unlinked_members_with_transactions(qb: Connected) -> None:
    busy, idle, linked = qb.books.member("A"), qb.books.member("B"), qb.books.member("C")
    qb.books.invoice(busy, "10.00", "2026-01-05")
    qb.books.invoice(linked, "10.00", "2026-01-05")
    actions.link_member(qb.actor, linked, qb.customer("C")["Id"])
    assert list(queries.unlinked_members_with_transactions(qb.books.org)) == [busy]
    rows = queries.member_link_status(qb.books.org)
    assert rows[0].member == busy and {r.member.pk: r.state for r in rows}[idle.pk] == "unlinked"
