"""Changing how the sync behaves (`SyncSettings`): admins only, atomic, audit-logged.

The settings decide what the check plans: whether an unlinked member's
transactions wait for a link or the sync creates the QuickBooks customer, and
whether voids and edits of exported transactions are sent automatically or
listed for review. Changing them changes what the next sync sends, so it is an
admin's decision and leaves a trail (before and after) in the audit log.
"""

from django.db import transaction

from memberbooks.audit.log import record
from memberbooks.ledger.errors import InvalidInput
from memberbooks.sync.models import CorrectionMode, SyncSettings
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role


def _state(settings: SyncSettings) -> dict[str, object]:
    return {
        "create_customers": settings.create_customers,
        "voids": settings.voids,
        "edits": settings.edits,
    }


def _mode(value: str, field: str) -> str:
    if value not in CorrectionMode.values:
        raise InvalidInput(
            f"{value!r} is not a way to send {field}.",
            field=field,
            fix=f"Choose {' or '.join(CorrectionMode.values)}.",
        )
    return value


def update_sync_settings(
    actor: Actor, *, create_customers: bool, voids: str, edits: str
) -> SyncSettings:
    """Save the organisation's sync settings (admins); the audit log keeps before and after."""
    actor.require(Role.ADMIN)
    create, voids, edits = bool(create_customers), _mode(voids, "voids"), _mode(edits, "edits")
    wanted: dict[str, object] = {"create_customers": create, "voids": voids, "edits": edits}
    with transaction.atomic():
        settings, _ = SyncSettings.objects.select_for_update().get_or_create(
            organisation=actor.organisation
        )
        before = _state(settings)
        if before == wanted:
            return settings
        settings.create_customers, settings.voids, settings.edits = create, voids, edits
        settings.save()
        record(
            actor,
            "update_sync_settings",
            "organisation",
            actor.organisation.slug,
            before=before,
            after=_state(settings),
        )
    return settings
