"""The QuickBooks Config page, connect/disconnect/credentials buttons, and the OAuth callback.

Everyone in the organisation may see the status; only admins act (403 otherwise), and users
outside the organisation get 404 (org_page). The callback URL is fixed (/quickbooks/callback/),
as Intuit apps register one redirect URI; the state says which organisation it is for.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from memberbooks.connections import actions
from memberbooks.connections.models import Environment, QboConnection, Status
from memberbooks.tenancy.access import actor_for_user
from memberbooks.tenancy.models import Organisation, Role
from memberbooks.web.access import OrgRequest, org_page


def quickbooks_context(organisation: Organisation) -> dict[str, Any]:
    """Context every QuickBooks page includes: the connection and whether to show the banner."""
    connection = actions.connection_for(organisation)
    return {
        "qbo_connection": connection,
        "qbo_needs_reconnect": connection is not None
        and connection.status == Status.NEEDS_RECONNECT,
        "section": "quickbooks",
    }


def callback_uri(request: HttpRequest) -> str:
    return settings.QBO_REDIRECT_URI or request.build_absolute_uri(reverse("qbo-callback"))


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return str(request.session.session_key)


@require_GET
@org_page(Role.VIEWER)
def config(request: OrgRequest, org: str) -> HttpResponse:
    actor = request.actor
    connection: QboConnection | None = actions.connection_for(actor.organisation)
    environment = connection.environment if connection else settings.QBO_ENVIRONMENT
    context = {
        **quickbooks_context(actor.organisation),
        "is_admin": actor.can(Role.ADMIN),
        "environment": environment,
        "environment_label": Environment(environment).label,
        "emulator": environment == Environment.EMULATOR
        or settings.QBO_ENVIRONMENT == Environment.EMULATOR,
        "has_own_keys": bool(connection and connection.client_id),
        "client_id": connection.client_id if connection else "",
    }
    return render(request, "connections/config.html", context)


@require_POST
@org_page(Role.ADMIN)
def connect(request: OrgRequest, org: str) -> HttpResponseBase:
    emulator = request.POST.get("emulator") == "1"
    if emulator and settings.QBO_ENVIRONMENT != Environment.EMULATOR:
        messages.error(request, "The emulator is not the QuickBooks environment of this site.")
        return redirect("qbo-config", org)
    try:
        started = actions.start_connect(
            request.actor,
            redirect_uri=callback_uri(request),
            session_key=_session_key(request),
            user=request.user,
            auto_approve=emulator,
        )
    except actions.ConnectionProblem as problem:
        messages.error(request, f"{problem.message} {problem.fix}".strip())
        return redirect("qbo-config", org)
    return HttpResponseRedirect(started.authorize_url)


@require_POST
@org_page(Role.ADMIN)
def disconnect(request: OrgRequest, org: str) -> HttpResponseBase:
    connection = actions.disconnect(request.actor)
    if connection.last_error:
        messages.warning(request, connection.last_error)
    else:
        messages.success(request, "Disconnected from QuickBooks; the tokens were revoked.")
    return redirect("qbo-config", org)


@require_POST
@org_page(Role.ADMIN)
def credentials(request: OrgRequest, org: str) -> HttpResponseBase:
    try:
        actions.save_credentials(
            request.actor,
            request.POST.get("client_id", ""),
            request.POST.get("client_secret", ""),
        )
    except actions.ConnectionProblem as problem:
        messages.error(request, problem.message)
    else:
        messages.success(
            request, "The Intuit app keys were saved (the secret is stored encrypted)."
        )
    return redirect("qbo-config", org)


@require_GET
@login_required
def callback(request: HttpRequest) -> HttpResponse:
    """Intuit's redirect back: find the organisation from the state, then finish as its admin."""
    state = request.GET.get("state", "")
    organisation = actions.state_organisation(state) if state else None
    if request.GET.get("error"):
        return _refused(
            request, organisation, "QuickBooks did not grant access (it was cancelled)."
        )
    if organisation is None:
        return _refused(
            request, None, "This QuickBooks answer does not match a connection started here."
        )
    actor = actor_for_user(request.user, organisation.slug)
    actor.require(Role.ADMIN)
    try:
        actions.finish_connect(
            actor,
            state=state,
            code=request.GET.get("code", ""),
            realm_id=request.GET.get("realmId", ""),
            session_key=request.session.session_key or "",
        )
    except actions.ConnectionProblem as problem:
        return _refused(request, organisation, f"{problem.message} {problem.fix}".strip())
    messages.success(request, "Connected to QuickBooks.")
    return redirect("qbo-config", organisation.slug)


def _refused(request: HttpRequest, organisation: Organisation | None, message: str) -> HttpResponse:
    context = {"message": message, "target": organisation}
    return render(request, "connections/refused.html", context, status=400)
