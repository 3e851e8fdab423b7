"""Intuit's OAuth 2.0 token endpoint, revoke endpoint and the CompanyInfo read, over httpx.

Every call has an explicit timeout and HTTP Basic client authentication (api.md §1.3).
Errors carry a plain-language message and never the tokens, the secret or the response body.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from django.conf import settings

from memberbooks.quickbooks.online.client import QboClient
from memberbooks.quickbooks.online.errors import QboError
from memberbooks.quickbooks.online.tokens import Endpoints

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
SCOPE = "com.intuit.quickbooks.accounting"
EMULATOR_CLIENT = ("memberbooks-emulator", "memberbooks-emulator-secret")  # not a real secret


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(client_id={self.client_id!r}, client_secret=***)"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires_at: dt.datetime
    refresh_expires_at: dt.datetime | None

    def __repr__(self) -> str:
        return f"TokenPair(access_expires_at={self.access_expires_at!r}, ...)"


class OAuthError(Exception):
    """The token or revoke endpoint refused; `message` is for a person, `code` the OAuth error."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidGrant(OAuthError):
    """The refresh token (or code) is no longer valid: only a new connection helps."""


def endpoints(environment: str, emulator_url: str = "") -> Endpoints:
    """The URLs of an environment, from settings (the emulator's from its base URL)."""
    if environment == "emulator":
        base = (emulator_url or settings.QBO_EMULATOR_URL).rstrip("/")
        return Endpoints(
            api_base=base,
            authorize_url=f"{base}/connect/oauth2",
            token_url=f"{base}/oauth2/v1/tokens/bearer",
            revoke_url=f"{base}/v2/oauth2/tokens/revoke",
        )
    urls = settings.QBO_ENDPOINTS[environment]
    return Endpoints(
        api_base=urls["api_base"],
        authorize_url=urls["authorize_url"],
        token_url=urls["token_url"],
        revoke_url=urls["revoke_url"],
    )


def authorize_url(
    ends: Endpoints, client_id: str, redirect_uri: str, state: str, extra: dict[str, str]
) -> str:
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": redirect_uri,
        "state": state,
        **extra,
    }
    return f"{ends.authorize_url}?{urlencode(query)}"


def _post_token(ends: Endpoints, creds: Credentials, form: dict[str, str]) -> TokenPair:
    try:
        response = httpx.post(
            ends.token_url,
            data=form,
            auth=(creds.client_id, creds.client_secret),
            headers={"Accept": "application/json"},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise OAuthError(
            f"QuickBooks could not be reached ({type(exc).__name__}); try again in a minute."
        ) from None
    if response.status_code != 200:
        raise _token_error(response)
    body = response.json()
    now = dt.datetime.now(dt.UTC)
    refresh_life = body.get("x_refresh_token_expires_in")
    return TokenPair(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]),
        access_expires_at=now + dt.timedelta(seconds=int(body.get("expires_in", 3600))),
        refresh_expires_at=now + dt.timedelta(seconds=int(refresh_life)) if refresh_life else None,
    )


def _token_error(response: httpx.Response) -> OAuthError:
    try:
        code = str(response.json().get("error", ""))
    except ValueError:
        code = ""
    log.warning("QuickBooks token endpoint answered %s (%s)", response.status_code, code or "-")
    if code == "invalid_grant":
        return InvalidGrant(
            "QuickBooks no longer accepts this connection (the authorisation was revoked, "
            "expired or replaced). An admin needs to reconnect to QuickBooks.",
            code,
        )
    if code == "invalid_client" or response.status_code == 401:
        return OAuthError(
            "QuickBooks refused the app's client id or secret. Check the Intuit app keys "
            "on the QuickBooks Config page, then connect again.",
            code or "invalid_client",
        )
    return OAuthError(
        f"QuickBooks' token service answered {response.status_code} ({code or 'no error code'}); "
        "try again in a minute.",
        code,
    )


def exchange_code(ends: Endpoints, creds: Credentials, code: str, redirect_uri: str) -> TokenPair:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return _post_token(ends, creds, form)


def refresh(ends: Endpoints, creds: Credentials, refresh_token: str) -> TokenPair:
    return _post_token(ends, creds, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def revoke(ends: Endpoints, creds: Credentials, token: str) -> None:
    try:
        response = httpx.post(
            ends.revoke_url,
            json={"token": token},
            auth=(creds.client_id, creds.client_secret),
            headers={"Accept": "application/json"},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise OAuthError(
            f"QuickBooks could not be reached to revoke the tokens ({type(exc).__name__})."
        ) from None
    if response.status_code != 200:
        raise OAuthError(
            f"QuickBooks did not confirm the revocation (HTTP {response.status_code}).",
            "revoke_failed",
        )


class _JustIssued:
    """A TokenSource over a token just obtained (the connection is not stored yet)."""

    def __init__(self, realm_id: str, token: str) -> None:
        self.realm_id = realm_id
        self._token = token

    def access_token(self) -> str:
        return self._token

    def refresh(self) -> str:
        raise OAuthError("QuickBooks refused the access token it had just issued; connect again.")


def company_name(ends: Endpoints, realm_id: str, access_token: str) -> str:
    """CompanyInfo.CompanyName, read through the QuickBooks client (few retries: a person waits)."""
    with httpx.Client() as http:
        client = QboClient(
            ends, _JustIssued(realm_id, access_token), http=http, timeout=TIMEOUT, max_retries=2
        )
        try:
            info = client.company_info()
        except QboError as exc:
            raise OAuthError(
                f"QuickBooks did not return the company details: {exc.message_for_bookkeeper}"
            ) from None
    return str(info.get("CompanyName") or info.get("LegalName") or "")
