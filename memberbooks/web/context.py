"""Template context: the organisation and role of the page being shown."""

from typing import Any

from django.http import HttpRequest

from memberbooks.tenancy.models import Role


def organisation(request: HttpRequest) -> dict[str, Any]:
    """`organisation`, `actor`, and `can_write` (bookkeeper or more) for showing write forms."""
    actor = getattr(request, "actor", None)
    return {
        "actor": actor,
        "organisation": getattr(actor, "organisation", None),
        "can_write": bool(actor and actor.can(Role.BOOKKEEPER)),
    }
