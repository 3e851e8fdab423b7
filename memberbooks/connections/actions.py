"""Every write to a QuickBooks connection: connect, refresh, disconnect, credentials, key rotation.

Each action takes the `Actor` first and runs in one transaction. Connecting and disconnecting
need the admin role; refreshing is what any caller of QuickBooks triggers, so it only needs
to be inside the organisation.

Refresh has a single writer across processes: the connection row is locked
(`SELECT ... FOR UPDATE`; on SQLite the IMMEDIATE transaction serialises writers), re-read,
and only refreshed if nobody else did meanwhile. The rotated refresh token is committed before
the new access token is handed out, so a crash can never lose it (dependencies.md §2).
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from memberbooks.connections import crypto, oauth
from memberbooks.connections.models import (
    SECRET_FIELDS,
    Environment,
    OAuthState,
    QboConnection,
    Status,
    hash_state,
)
from memberbooks.quickbooks.online.tokens import Endpoints
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

log = logging.getLogger(__name__)

REFRESH_MARGIN = dt.timedelta(minutes=5)


class ConnectionProblem(Exception):
    """A refusal or failure a person can act on: `message` says what, `fix` what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass(frozen=True)
class Started:
    authorize_url: str
    state: str  # the raw value (only the CLI needs it, to finish the consent itself)


def connection_for(organisation: Organisation) -> QboConnection | None:
    return QboConnection.objects.filter(organisation=organisation).first()


def endpoints_of(connection: QboConnection) -> Endpoints:
    return oauth.endpoints(connection.environment, connection.emulator_url)


def credentials_of(environment: str, connection: QboConnection | None) -> oauth.Credentials:
    """The organisation's own app keys, else the settings', else (emulator only) a demo pair."""
    if connection is not None and connection.client_id:
        return oauth.Credentials(connection.client_id, connection.secret("client_secret"))
    if settings.QBO_CLIENT_ID and settings.QBO_CLIENT_SECRET:
        return oauth.Credentials(settings.QBO_CLIENT_ID, settings.QBO_CLIENT_SECRET)
    if environment == Environment.EMULATOR:
        return oauth.Credentials(*oauth.EMULATOR_CLIENT)
    raise ConnectionProblem(
        "No Intuit app keys are set up.",
        "Enter the client id and secret of your Intuit app on the QuickBooks Config page "
        "(or set MEMBERBOOKS_QBO_CLIENT_ID and MEMBERBOOKS_QBO_CLIENT_SECRET).",
    )


def save_credentials(actor: Actor, client_id: str, client_secret: str) -> QboConnection:
    """Store the organisation's own Intuit app keys (the secret encrypted)."""
    actor.require(Role.ADMIN)
    client_id, client_secret = client_id.strip(), client_secret.strip()
    if not client_id or not client_secret:
        raise ConnectionProblem("Both the client id and the client secret are needed.")
    with transaction.atomic():
        connection = _locked_or_new(actor.organisation)
        connection.client_id = client_id
        connection.set_secret("client_secret", client_secret)
        connection.save()
    return connection


def _locked_or_new(organisation: Organisation) -> QboConnection:
    connection = QboConnection.objects.select_for_update().filter(organisation=organisation).first()
    if connection is None:
        connection = QboConnection.objects.create(
            organisation=organisation, environment=settings.QBO_ENVIRONMENT
        )
    return connection


def start_connect(
    actor: Actor,
    *,
    redirect_uri: str,
    session_key: str = "",
    user: Any = None,
    emulator_url: str = "",
    auto_approve: bool = False,
) -> Started:
    """Make a one-use state and return the authorize URL to send the admin to.

    A state made without a session key comes from the command line (`origin="cli"`).
    `emulator_url` (or the emulator environment) points at the emulator; `auto_approve` adds
    the emulator's consent-skipping parameters.
    """
    actor.require(Role.ADMIN)
    environment = Environment.EMULATOR if emulator_url else settings.QBO_ENVIRONMENT
    if auto_approve and environment != Environment.EMULATOR:
        raise ConnectionProblem("Automatic approval exists only on the QuickBooks emulator.")
    creds = credentials_of(environment, connection_for(actor.organisation))
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        stale = timezone.now() - dt.timedelta(days=1)
        OAuthState.objects.filter(organisation=actor.organisation, created_at__lt=stale).delete()
        OAuthState.objects.create(
            state_hash=hash_state(raw),
            organisation=actor.organisation,
            user=user,
            session_key=session_key,
            origin="page" if session_key else "cli",
            environment=environment,
            emulator_url=emulator_url,
            redirect_uri=redirect_uri,
        )
    extra = {"auto_approve": "1", "company": actor.organisation.name} if auto_approve else {}
    ends = oauth.endpoints(environment, emulator_url)
    return Started(oauth.authorize_url(ends, creds.client_id, redirect_uri, raw, extra), raw)


def state_organisation(raw_state: str) -> Organisation | None:
    """The organisation a state was made for (the fixed callback URL finds it this way)."""
    found = OAuthState.objects.select_related("organisation").filter(
        state_hash=hash_state(raw_state)
    )
    first = found.first()
    return first.organisation if first else None


REFUSED_FIX = "Start again from the QuickBooks Config page (Connect to QuickBooks)."


def _use_state(actor: Actor, raw_state: str, session_key: str) -> OAuthState:
    """Mark the state used (committed even if the exchange then fails) or refuse it."""
    with transaction.atomic():
        state = (
            OAuthState.objects.select_for_update()
            .filter(state_hash=hash_state(raw_state or "-"), organisation=actor.organisation)
            .first()
        )
        if state is None:
            raise ConnectionProblem(
                "This QuickBooks answer does not match a connection started here.", REFUSED_FIX
            )
        if state.used_at is not None:
            raise ConnectionProblem("This QuickBooks answer was already used.", REFUSED_FIX)
        if state.origin == "page" and state.session_key != session_key:
            raise ConnectionProblem(
                "This QuickBooks answer belongs to another browser session.", REFUSED_FIX
            )
        now = timezone.now()
        if state.expired(now):
            raise ConnectionProblem(
                "This connection attempt is older than 10 minutes.", REFUSED_FIX
            )
        state.used_at = now
        state.save(update_fields=["used_at"])
    return state


def finish_connect(
    actor: Actor, *, state: str, code: str, realm_id: str, session_key: str = ""
) -> QboConnection:
    """Check the state, exchange the code, store the tokens encrypted and read the company name."""
    actor.require(Role.ADMIN)
    used = _use_state(actor, state, session_key)
    if not code or not realm_id:
        raise ConnectionProblem("QuickBooks did not send an authorisation code and company id.")
    ends = oauth.endpoints(used.environment, used.emulator_url)
    creds = credentials_of(used.environment, connection_for(actor.organisation))
    try:
        pair = oauth.exchange_code(ends, creds, code, used.redirect_uri)
        name = oauth.company_name(ends, realm_id, pair.access_token)
    except oauth.OAuthError as exc:
        _record_error(actor.organisation, exc.message)
        raise ConnectionProblem(exc.message, REFUSED_FIX) from None
    with transaction.atomic():
        connection = _locked_or_new(actor.organisation)
        connection.environment = used.environment
        connection.emulator_url = used.emulator_url
        connection.realm_id = realm_id
        connection.company_name = name
        _store_pair(connection, pair)
        connection.status = Status.CONNECTED
        connection.last_error = ""
        connection.connected_by = actor.username
        connection.connected_at = timezone.now()
        connection.save()
    log.info("QuickBooks connected for %s (realm %s)", actor.organisation.slug, realm_id)
    return connection


def _store_pair(connection: QboConnection, pair: oauth.TokenPair) -> None:
    connection.set_secret("access_token", pair.access_token)
    connection.set_secret("refresh_token", pair.refresh_token)
    connection.access_expires_at = pair.access_expires_at
    connection.refresh_expires_at = pair.refresh_expires_at


def _record_error(organisation: Organisation, message: str) -> None:
    with transaction.atomic():
        QboConnection.objects.filter(organisation=organisation).update(
            last_error=message, updated_at=timezone.now()
        )


def refresh_tokens(actor: Actor, *, force: bool = False, stale_access: str = "") -> str:
    """A valid access token for the actor's organisation, refreshing it (once) if needed."""
    connection = connection_for(actor.organisation)
    if connection is None:
        raise not_connected()
    return refresh_connection(connection.pk, force=force, stale_access=stale_access)


def not_connected() -> ConnectionProblem:
    return ConnectionProblem(
        "This organisation is not connected to QuickBooks.",
        "An admin connects it on the QuickBooks Config page.",
    )


def _fresh(connection: QboConnection, now: dt.datetime) -> bool:
    expires = connection.access_expires_at
    return expires is not None and expires - now > REFRESH_MARGIN


def refresh_connection(pk: int, *, force: bool = False, stale_access: str = "") -> str:
    """The single-writer refresh (see the module docstring).

    Without `force`, a token valid for more than 5 minutes is returned as is. With `force`
    (after a 401 for `stale_access`), a token different from `stale_access` means another
    process already refreshed: that one is returned.
    """
    with transaction.atomic():
        connection = QboConnection.objects.select_for_update().get(pk=pk)
        if connection.status != Status.CONNECTED:
            raise not_connected() if connection.status == Status.DISCONNECTED else reconnect()
        current = connection.secret("access_token")
        stale = force and (not stale_access or current == stale_access)
        if not stale and _fresh(connection, timezone.now()):
            return current
        failure = _refresh_locked(connection)
        if failure is None:
            return connection.secret("access_token")
    raise failure


def reconnect() -> ConnectionProblem:
    return ConnectionProblem(
        "QuickBooks no longer accepts this connection.",
        "An admin reconnects on the QuickBooks Config page.",
    )


def _refresh_locked(connection: QboConnection) -> ConnectionProblem | None:
    """Call the token endpoint for the locked row and save the outcome (tokens or the error)."""
    creds = credentials_of(connection.environment, connection)
    try:
        pair = oauth.refresh(endpoints_of(connection), creds, connection.secret("refresh_token"))
    except oauth.InvalidGrant as exc:
        connection.status = Status.NEEDS_RECONNECT
        connection.last_error = exc.message
        connection.set_secret("access_token", "")
        connection.set_secret("refresh_token", "")
        connection.save()
        log.warning(
            "QuickBooks refresh refused for %s: reconnect needed", connection.organisation_id
        )
        return reconnect()
    except oauth.OAuthError as exc:
        connection.last_error = exc.message
        connection.save()
        return ConnectionProblem(exc.message, "Try again in a minute.")
    _store_pair(connection, pair)
    connection.last_refresh_at = timezone.now()
    connection.last_error = ""
    connection.save()
    return None


def disconnect(actor: Actor) -> QboConnection:
    """Revoke the tokens at Intuit (or the emulator), then forget them, even if revoking failed."""
    actor.require(Role.ADMIN)
    with transaction.atomic():
        connection = _locked_or_new(actor.organisation)
        token = connection.secret("refresh_token") or connection.secret("access_token")
        error = ""
        if token:
            try:
                creds = credentials_of(connection.environment, connection)
                oauth.revoke(endpoints_of(connection), creds, token)
            except (oauth.OAuthError, ConnectionProblem) as exc:
                error = f"Disconnected here, but QuickBooks did not confirm it: {exc.message}"
        connection.set_secret("access_token", "")
        connection.set_secret("refresh_token", "")
        connection.access_expires_at = connection.refresh_expires_at = None
        connection.status = Status.DISCONNECTED
        connection.last_error = error
        connection.save()
    log.info("QuickBooks disconnected for %s", actor.organisation.slug)
    return connection


def rotate_keys() -> int:
    """Re-encrypt every stored secret under the current (first) key; the number of rows."""
    count = 0
    with transaction.atomic():
        for connection in QboConnection.objects.select_for_update().order_by("pk"):
            for name in SECRET_FIELDS:
                field = f"{name}_enc"
                setattr(connection, field, crypto.reencrypt(str(getattr(connection, field))))
            connection.save(update_fields=[f"{name}_enc" for name in SECRET_FIELDS])
            count += 1
    return count


def status(connection: QboConnection | None) -> dict[str, Any]:
    """The connection's state for pages, the CLI and any API: never a secret."""
    if connection is None:
        return {
            "connected": False,
            "status": Status.DISCONNECTED.value,
            "realmId": "",
            "company": "",
            "environment": settings.QBO_ENVIRONMENT,
        }

    def when(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "connected": connection.connected,
        "status": connection.status,
        "realmId": connection.realm_id,
        "company": connection.company_name,
        "environment": connection.environment,
        "access_expires_at": when(connection.access_expires_at),
        "refresh_expires_at": when(connection.refresh_expires_at),
        "last_refresh_at": when(connection.last_refresh_at),
        "connected_by": connection.connected_by,
        "last_error": connection.last_error,
    }
