"""The page-side door: who is asking, for which organisation, with what role.

Every organisation page is decorated with `org_page(role)`. The decorator
resolves `request.actor` from the URL's `org` slug and the logged-in user, and
answers 404 to a user outside that organisation and 403 to a role too low.
Ledger errors raised by an action come back as a message on the same page.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase

from memberbooks.tenancy.access import Actor, actor_for_user
from memberbooks.tenancy.models import Role

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class OrgRequest(HttpRequest):
    actor: Actor


def org_page(role: Role = Role.VIEWER) -> Callable[[View], View]:
    """Decorate a view taking `(request, org, ...)`; sets `request.actor` and checks `role`."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            actor = actor_for_user(request.user, org)
            actor.require(role)
            request.actor = actor  # type: ignore[attr-defined]
            return view(request, org, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
