"""`record()`: append one entry; call it inside the action's transaction."""

from typing import Any

from memberbooks.audit.models import AuditEntry
from memberbooks.tenancy.access import Actor


def record(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """Values must be JSON-friendly (amounts as strings, dates as ISO text)."""
    return AuditEntry.objects.create(
        organisation=actor.organisation,
        actor=actor.username,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=before or {},
        after=after or {},
        note=note[:300],
    )
