"""update_sync_settings: admins only, validated, atomic, audit-logged with before and after."""

import pytest
from django.core.exceptions import PermissionDenied

from memberbooks.audit.models import AuditEntry
from memberbooks.ledger.errors import InvalidInput
from memberbooks.sync.models import SyncSettings
from memberbooks.sync.plan import settings_of
from memberbooks.sync.settings_actions import update_sync_settings
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role
from tests.books import Books


def admin(books: Books) -> Actor:
    return Actor(books.org, Role.ADMIN, "admin")


def test_an_admin_changes_the_settings_and_the_audit_log_keeps_before_and_after(
    books: Books,
) -> None:
    saved = update_sync_settings(
        admin(books), create_customers=True, voids="review", edits="automatic"
    )

    assert (saved.create_customers, saved.voids, saved.edits) == (True, "review", "automatic")
    assert settings_of(books.org).pk == saved.pk
    entry = AuditEntry.objects.get(action="update_sync_settings")
    assert (entry.actor, entry.subject_id) == ("admin", books.org.slug)
    assert entry.before == {"create_customers": False, "voids": "automatic", "edits": "review"}
    assert entry.after == {"create_customers": True, "voids": "review", "edits": "automatic"}


def test_saving_the_same_settings_again_writes_no_audit_entry(books: Books) -> None:
    update_sync_settings(admin(books), create_customers=True, voids="automatic", edits="review")
    update_sync_settings(admin(books), create_customers=True, voids="automatic", edits="review")

    assert AuditEntry.objects.filter(action="update_sync_settings").count() == 1


def test_a_bookkeeper_may_not_change_them(books: Books) -> None:
    with pytest.raises(PermissionDenied):
        update_sync_settings(books.actor, create_customers=True, voids="review", edits="review")

    assert (
        not SyncSettings.objects.exists()
        and not AuditEntry.objects.filter(action="update_sync_settings").exists()
    )


def test_an_unknown_mode_names_the_field_and_changes_nothing(books: Books) -> None:
    update_sync_settings(admin(books), create_customers=False, voids="review", edits="review")

    with pytest.raises(InvalidInput) as refused:
        update_sync_settings(admin(books), create_customers=True, voids="review", edits="sometimes")

    assert refused.value.field == "edits" and "automatic or review" in (refused.value.fix or "")
    current = settings_of(books.org)
    assert (current.create_customers, current.edits) == (False, "review")


def test_each_organisation_has_its_own(books: Books, other_books: Books) -> None:
    update_sync_settings(admin(books), create_customers=True, voids="review", edits="review")

    assert settings_of(other_books.org).create_customers is False
    assert SyncSettings.objects.get().organisation == books.org
