"""Template context: the organisation and role of the page being shown."""

from typing import Any

from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    return {"actor": actor, "organisation": getattr(actor, "organisation", None)}
