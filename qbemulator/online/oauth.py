"""Intuit's OAuth 2.0 server: discovery, authorize (consent page), token, revoke; bearer checks.

Endpoints (paths on this emulator's own host, shaped like Intuit's):

    GET  /.well-known/openid-configuration   discovery document (also Intuit's two spellings)
    GET  /connect/oauth2                     authorize: consent page (or `auto_approve=1`)
    POST /connect/oauth2                     the consent form's answer
    POST /oauth2/v1/tokens/bearer            token: authorization_code and refresh_token grants
    POST /v2/oauth2/tokens/revoke            revoke a refresh or access token and its pair
    GET  /op/v1/jwks, /v1/openid_connect/userinfo

URLs in the discovery document are built from the request's Host header and
`wsgi.url_scheme`, so they are right both in-process and over loopback HTTP.

Behaviour follows ../shared/reference/qbo/api.md §1, with these choices where it is silent:
- Access tokens live 3600 s. Refresh tokens are rolling: each use pushes their expiry to
  8,726,400 s (`x_refresh_token_expires_in`) from now, capped by a 5-year hard expiry.
- Rotation: a refresh returns the *same* refresh token until it is `rotate_after` seconds old
  (default 24 h, Intuit's documented cadence); then it returns a new one and the old one is
  dead at once (reuse -> 400 invalid_grant). Set `emulator.oauth["rotate_after"] = 0` to
  rotate on every refresh.
- Earlier access tokens of a grant stay valid until their own expiry, as real ones do.
- Authorization codes live 600 s and are single use; a second exchange of a used code also
  revokes the tokens it produced (the reference: "treated as suspicious").
- A client is any pair registered through the control API; with `emulator.oauth["permissive"]`
  (default True) an unknown client id is accepted and bound to the first secret it presents.
- id_token is returned only for the `openid` scope. It is HS256-signed with a per-emulator key
  that /op/v1/jwks publishes as an `oct` key; Intuit signs RS256, so strict validators (such as
  intuit-oauth's) reject it and simply keep no id_token.

Time: every lifetime is measured by `now(emulator)`, i.e. the module-level `clock` (time.time)
plus `emulator.oauth["clock_offset"]` seconds; tests advance time by raising the offset.
`expire_tokens(emulator, realm_id)` ends every access token of a company now (the knob).

State lives in `emulator.oauth` as plain JSON values (it is persisted with the companies):
clients, pending consent forms, codes, grants (one per authorization: realm, client, scope,
current refresh token), and the access and refresh token indexes.
"""

import base64
import binascii
import hashlib
import hmac
import html
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from qbemulator.online.http import Request, Response, Route
from qbemulator.online.state import Company, Emulator, new_company

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
PAYMENT_SCOPE = "com.intuit.quickbooks.payment"
REALM_SCOPES = {ACCOUNTING_SCOPE, PAYMENT_SCOPE}
KNOWN_SCOPES = REALM_SCOPES | {"openid", "profile", "email", "phone", "address"}

ACCESS_LIFETIME = 3600
REFRESH_LIFETIME = 8_726_400  # 101 days, the modern x_refresh_token_expires_in
HARD_LIFETIME = 5 * 365 * 86_400
ROTATE_AFTER = 86_400
CODE_LIFETIME = 600
CONSENT_LIFETIME = 3600

DISCOVERY_PATHS = (
    r"/\.well-known/openid-configuration",
    r"/\.well-known/openid_configuration/?",
    r"/\.well-known/openid_sandbox_configuration/?",
)
AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"  # noqa: S105 (a path, not a secret)
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
ISSUER_PATH = "/op/v1"
JWKS_PATH = "/op/v1/jwks"
USERINFO_PATH = "/v1/openid_connect/userinfo"

clock: Callable[[], float] = time.time


class OAuthError(Exception):
    """A token-endpoint error: `{"error": code}` with its HTTP status."""

    def __init__(self, code: str, status: int = 400, description: str | None = None) -> None:
        super().__init__(code)
        self.code, self.status, self.description = code, status, description

    def response(self) -> Response:
        body = {"error": self.code}
        if self.description:
            body = {"error_description": self.description, **body}
        headers = [("WWW-Authenticate", 'Basic realm="Intuit"')] if self.status == 401 else []
        return Response.json(body, self.status, headers)


# -- state --------------------------------------------------------------------------------


def now(emulator: Emulator) -> int:
    """Seconds on the emulator's clock: the real clock plus the test-controlled offset."""
    return int(clock()) + int(emulator.oauth.get("clock_offset", 0))


def _table(emulator: Emulator, name: str) -> dict[str, Any]:
    table: dict[str, Any] = emulator.oauth.setdefault(name, {})
    return table


def _token() -> str:
    return secrets.token_urlsafe(40)


def register_client(
    emulator: Emulator, client_id: str, client_secret: str, redirect_uris: list[str]
) -> None:
    """Register (or re-register) a client; an empty `redirect_uris` accepts any URI."""
    with emulator.lock:
        _table(emulator, "clients")[client_id] = {
            "client_secret": client_secret,
            "redirect_uris": list(redirect_uris),
        }
        emulator.save()


def _known_client(emulator: Emulator, client_id: str) -> dict[str, Any] | None:
    """The client record; in permissive mode an unknown id is accepted (not yet bound)."""
    client: dict[str, Any] | None = _table(emulator, "clients").get(client_id)
    if client is None and emulator.oauth.get("permissive", True):
        return {"client_secret": None, "redirect_uris": []}
    return client


def _authenticate_client(emulator: Emulator, request: Request, form: dict[str, str]) -> str:
    """The client id from HTTP Basic (or client_secret_post) credentials; else invalid_client."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            pair = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", 401) from None
        client_id, _, secret = pair.partition(":")
    if not client_id or not secret:
        raise OAuthError("invalid_client", 401)
    client = _known_client(emulator, client_id)
    if client is None:
        raise OAuthError("invalid_client", 401)
    if client["client_secret"] is None:  # permissive: bind the id to its first secret
        register_client(emulator, client_id, secret, [])
    elif not hmac.compare_digest(client["client_secret"], secret):
        raise OAuthError("invalid_client", 401)
    return client_id


# -- grants and tokens --------------------------------------------------------------------


def issue_tokens(emulator: Emulator, realm_id: str, client_id: str) -> dict[str, Any]:
    """A fresh token pair for `realm_id`, in the token endpoint's response shape."""
    with emulator.lock:
        grant_id = _new_grant(emulator, realm_id, client_id, ACCOUNTING_SCOPE)
        return _token_response(emulator, grant_id, hard=False)


def _new_grant(emulator: Emulator, realm_id: str, client_id: str, scope: str) -> str:
    at = now(emulator)
    grant_id = secrets.token_hex(8)
    refresh = _token()
    _table(emulator, "grants")[grant_id] = {
        "realm_id": realm_id,
        "client_id": client_id,
        "scope": scope,
        "refresh_token": refresh,
        "refresh_issued_at": at,
        "refresh_expires_at": at + REFRESH_LIFETIME,
        "hard_expires_at": at + HARD_LIFETIME,
        "access_tokens": [],
    }
    _table(emulator, "refresh")[refresh] = grant_id
    return grant_id


def _token_response(emulator: Emulator, grant_id: str, *, hard: bool) -> dict[str, Any]:
    """Mint an access token for the grant and answer with the grant's current refresh token."""
    grant = _table(emulator, "grants")[grant_id]
    at = now(emulator)
    access = _table(emulator, "access")
    live = [t for t in grant["access_tokens"] if access.get(t, {}).get("expires_at", 0) > at]
    for dead in set(grant["access_tokens"]) - set(live):
        access.pop(dead, None)
    token = _token()
    access[token] = {
        "grant": grant_id,
        "realm_id": grant["realm_id"],
        "expires_at": at + ACCESS_LIFETIME,
    }
    grant["access_tokens"] = [*live, token]
    refresh_left = min(grant["refresh_expires_at"], grant["hard_expires_at"]) - at
    body: dict[str, Any] = {
        "access_token": token,
        "refresh_token": grant["refresh_token"],
        "token_type": "bearer",
        "expires_in": ACCESS_LIFETIME,
        "x_refresh_token_expires_in": refresh_left,
    }
    if hard:
        body["x_refresh_token_hard_expires_in"] = grant["hard_expires_at"] - at
    if "openid" in grant["scope"].split():
        body["id_token"] = _id_token(emulator, grant, at)
    emulator.save()
    return body


def _drop_grant(emulator: Emulator, grant_id: str) -> None:
    grant = _table(emulator, "grants").pop(grant_id, None)
    if grant is None:
        return
    _table(emulator, "refresh").pop(grant["refresh_token"], None)
    access = _table(emulator, "access")
    for token in grant["access_tokens"]:
        access.pop(token, None)


def expire_tokens(emulator: Emulator, realm_id: str) -> int:
    """End every access token of the company now (forced expiry); returns how many."""
    with emulator.lock:
        at = now(emulator)
        count = 0
        for record in _table(emulator, "access").values():
            if record["realm_id"] == realm_id and record["expires_at"] > at:
                record["expires_at"] = at
                count += 1
        emulator.save()
        return count


def revoke_realm(emulator: Emulator, realm_id: str) -> None:
    """Drop every grant of a company (used when the company goes away)."""
    with emulator.lock:
        for grant_id, grant in list(_table(emulator, "grants").items()):
            if grant["realm_id"] == realm_id:
                _drop_grant(emulator, grant_id)


# -- id_token -----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _id_key(emulator: Emulator) -> str:
    key: str = emulator.oauth.setdefault("id_key", secrets.token_urlsafe(32))
    return key


def _id_token(emulator: Emulator, grant: dict[str, Any], at: int) -> str:
    issuer = emulator.oauth.get("issuer", ISSUER_PATH)
    header = {"alg": "HS256", "kid": "emulator", "typ": "JWT"}
    payload = {
        "iss": issuer,
        "aud": [grant["client_id"]],
        "sub": hashlib.sha256(grant["realm_id"].encode()).hexdigest()[:32],
        "realmid": grant["realm_id"],
        "auth_time": at,
        "iat": at,
        "exp": at + ACCESS_LIFETIME,
    }
    signing = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    digest = hmac.new(_id_key(emulator).encode(), signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{_b64(digest)}"


# -- bearer checks ------------------------------------------------------------------------


def authenticate(request: Request, emulator: Emulator, realm_id: str) -> Response | None:
    """None when the bearer token is valid for `realm_id`; otherwise the real 401 response."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return unauthorized(emulator, "Malformed bearer token: too short or too long")
    with emulator.lock:
        record = _table(emulator, "access").get(token)
        if record is None:
            return unauthorized(emulator, f"Token invalid: {token[:50]}")
        if record["expires_at"] <= now(emulator):
            return unauthorized(emulator, f"Token expired: {token[:50]}")
        if record["realm_id"] != realm_id:
            return unauthorized(emulator, f"Token not valid for this company: {token[:50]}")
    return None


def unauthorized(emulator: Emulator, detail: str) -> Response:
    """Intuit's gateway 401: the lower-case envelope, code 3200, and WWW-Authenticate."""
    body: dict[str, Any] = {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": now(emulator) * 1000,
        "status": None,
        "cdcresponse": [],
    }
    return Response.json(
        body, 401, [("WWW-Authenticate", 'Bearer realm="Intuit", error="invalid_token"')]
    )


# -- discovery ----------------------------------------------------------------------------


def base_url(request: Request) -> str:
    """How the caller reached us: scheme from WSGI, host from the Host header."""
    environ = request.environ
    scheme = environ.get("wsgi.url_scheme", "http")
    host = request.headers.get("host")
    if not host:
        host = f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    return f"{scheme}://{host}"


def discovery(request: Request, emulator: Emulator) -> Response:
    base = base_url(request)
    with emulator.lock:
        emulator.oauth["issuer"] = base + ISSUER_PATH
    return Response.json(
        {
            "issuer": base + ISSUER_PATH,
            "authorization_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "userinfo_endpoint": base + USERINFO_PATH,
            "revocation_endpoint": base + REVOKE_PATH,
            "jwks_uri": base + JWKS_PATH,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256"],
            "scopes_supported": sorted(KNOWN_SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
        }
    )


def jwks(request: Request, emulator: Emulator) -> Response:
    with emulator.lock:
        key = _id_key(emulator)
    return Response.json(
        {"keys": [{"kty": "oct", "kid": "emulator", "alg": "HS256", "k": _b64(key.encode())}]}
    )


def userinfo(request: Request, emulator: Emulator) -> Response:
    """The signed-in user of an openid grant (the emulator has one user per company)."""
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    with emulator.lock:
        record = _table(emulator, "access").get(token)
        if record is None or record["expires_at"] <= now(emulator):
            return Response.json({"error": "invalid_token"}, 401)
        grant = _table(emulator, "grants").get(record["grant"], {})
        realm = record["realm_id"]
    return Response.json(
        {
            "sub": hashlib.sha256(realm.encode()).hexdigest()[:32],
            "givenName": "Emulator",
            "familyName": "User",
            "email": f"user-{realm}@example.invalid",
            "emailVerified": True,
            "scope": grant.get("scope", ""),
        }
    )


# -- authorize ----------------------------------------------------------------------------


def _redirect_with(redirect_uri: str, params: dict[str, str]) -> str:
    """`redirect_uri` with `params` added to its query (an empty `state` is left out)."""
    params = {k: v for k, v in params.items() if v or k != "state"}
    parts = urlsplit(redirect_uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _error_page(message: str, status: int = 400) -> Response:
    return Response.html(
        f"<!doctype html><title>Authorization error</title><h1>Authorization error</h1>"
        f"<p>{html.escape(message)}</p>",
        status,
    )


def check_authorize(emulator: Emulator, params: dict[str, str]) -> dict[str, str]:
    """The validated request, or ValueError (shown to the user, never redirected)."""
    client_id = params.get("client_id") or ""
    redirect_uri = params.get("redirect_uri") or ""
    client = _known_client(emulator, client_id) if client_id else None
    if client is None:
        raise ValueError(f"Unknown client_id {client_id!r}.")
    if not redirect_uri or urlsplit(redirect_uri).scheme not in ("http", "https"):
        raise ValueError("redirect_uri must be an absolute http(s) URL.")
    if client["redirect_uris"] and redirect_uri not in client["redirect_uris"]:
        raise ValueError(f"redirect_uri {redirect_uri!r} is not registered for this client.")
    return {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": params.get("response_type") or "",
        "scope": " ".join((params.get("scope") or "").split()),
        "state": params.get("state") or "",
    }


def _request_error(req: dict[str, str]) -> str | None:
    """The RFC 6749 error to redirect back with, if the request is not grantable."""
    if req["response_type"] != "code":
        return "unsupported_response_type"
    scopes = set(req["scope"].split())
    if not scopes or not scopes <= KNOWN_SCOPES:
        return "invalid_scope"
    return None


def approve(emulator: Emulator, req: dict[str, str], company: Company) -> str:
    """Issue a code for the approved request; the URL to redirect the user to."""
    with emulator.lock:
        code = "AB11" + secrets.token_urlsafe(36)
        codes, at = _table(emulator, "codes"), now(emulator)
        for stale in [k for k, v in codes.items() if v["expires_at"] <= at]:
            del codes[stale]  # past its life a code can only be refused, replayed or not
        codes[code] = {
            "client_id": req["client_id"],
            "redirect_uri": req["redirect_uri"],
            "realm_id": company.realm_id,
            "scope": req["scope"],
            "expires_at": at + CODE_LIFETIME,
            "grant": None,
        }
        emulator.save()
    params = {"code": code, "state": req["state"]}
    if set(req["scope"].split()) & REALM_SCOPES:
        params["realmId"] = company.realm_id
    return _redirect_with(req["redirect_uri"], params)


def pick_company(emulator: Emulator, realm_id: str | None, name: str | None) -> Company:
    """The chosen company: by realm id (must exist), by name (found or created), or a new one."""
    with emulator.lock:
        if realm_id:
            company = emulator.company(realm_id)
            if company is None:
                raise ValueError(f"No company with realmId {realm_id}.")
            return company
        name = (name or "").strip() or "Sandbox Company"
        for company in emulator.companies.values():
            if company.name == name:
                return company
        company = new_company(emulator, name)
        emulator.save()
        return company


def authorize_page(request: Request, emulator: Emulator) -> Response:
    """GET authorize: the consent page, or straight back with a code when `auto_approve=1`."""
    params = {key: values[-1] for key, values in request.query.items() if values}
    try:
        req = check_authorize(emulator, params)
    except ValueError as problem:
        return _error_page(str(problem))
    refusal = _request_error(req)
    if refusal:
        return Response.redirect(
            _redirect_with(req["redirect_uri"], {"error": refusal, "state": req["state"]})
        )
    if params.get("auto_approve") in ("1", "true"):
        try:
            company = pick_company(emulator, request.arg("realmId"), request.arg("company"))
        except ValueError as problem:
            return _error_page(str(problem))
        return Response.redirect(approve(emulator, req, company))
    nonce = secrets.token_urlsafe(24)
    with emulator.lock:
        at = now(emulator)
        pending = _table(emulator, "consents")
        for old in [k for k, v in pending.items() if v["expires_at"] <= at]:
            del pending[old]
        pending[nonce] = {**req, "expires_at": at + CONSENT_LIFETIME}
        companies = [(c.realm_id, c.name) for c in emulator.companies.values()]
    return Response.html(_consent_html(req, nonce, companies))


def _consent_html(req: dict[str, str], nonce: str, companies: list[tuple[str, str]]) -> str:
    esc = html.escape
    rows = "".join(
        f'<p><label><input type="radio" name="realmId" value="{esc(realm)}"{" checked" if i == 0 else ""}> '
        f"{esc(name)} <small>({esc(realm)})</small></label></p>"
        for i, (realm, name) in enumerate(companies)
    )
    new_checked = "" if companies else " checked"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect to QuickBooks (emulator)</title></head>
<body>
<h1>Connect to QuickBooks</h1>
<p>The app <strong>{esc(req["client_id"])}</strong> asks for access to: {esc(req["scope"])}.</p>
<form method="post" action="{AUTHORIZE_PATH}">
<input type="hidden" name="nonce" value="{esc(nonce)}">
<fieldset><legend>Company</legend>
{rows}
<p><label><input type="radio" name="realmId" value="new"{new_checked}> Create a new company named</label>
<input type="text" name="company_name" value="Sandbox Company"></p>
</fieldset>
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="deny">Cancel</button>
</form>
</body></html>
"""


def authorize_answer(request: Request, emulator: Emulator) -> Response:
    """POST authorize: the consent form. The nonce is single use and carries the request."""
    form = request.form()
    with emulator.lock:
        req = _table(emulator, "consents").pop(form.get("nonce", ""), None)
    if req is None or req["expires_at"] <= now(emulator):
        return _error_page("This consent form has expired or was already used; start again.")
    if form.get("action") == "deny":
        return Response.redirect(
            _redirect_with(req["redirect_uri"], {"error": "access_denied", "state": req["state"]})
        )
    choice = form.get("realmId", "new")
    try:
        if choice == "new":
            company = pick_company_new(emulator, form.get("company_name", ""))
        else:
            company = pick_company(emulator, choice, None)
    except ValueError as problem:
        return _error_page(str(problem))
    return Response.redirect(approve(emulator, req, company))


def pick_company_new(emulator: Emulator, name: str) -> Company:
    """Always a new company (the consent page's "create" choice)."""
    with emulator.lock:
        company = new_company(emulator, name.strip() or "Sandbox Company")
        emulator.save()
        return company


# -- token and revoke ---------------------------------------------------------------------


def token(request: Request, emulator: Emulator) -> Response:
    form = request.form()
    try:
        with emulator.lock:
            emulator.oauth["issuer"] = base_url(request) + ISSUER_PATH
            client_id = _authenticate_client(emulator, request, form)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                grant_id = _exchange_code(emulator, client_id, form)
            elif grant_type == "refresh_token":
                grant_id = _refresh(emulator, client_id, form)
            elif not grant_type:
                raise OAuthError("invalid_request", description="grant_type is missing")
            else:
                raise OAuthError("unsupported_grant_type")
            hard = request.headers.get("x-include-refresh-token-hard-expires-in", "").lower()
            body = _token_response(emulator, grant_id, hard=hard == "true")
    except OAuthError as error:
        return error.response()
    headers = [
        ("Cache-Control", "no-store"),
        ("intuit_tid", f"1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"),
    ]
    return Response.json(body, 200, headers)


def _exchange_code(emulator: Emulator, client_id: str, form: dict[str, str]) -> str:
    code = form.get("code")
    if not code:
        raise OAuthError("invalid_request", description="code is missing")
    record = _table(emulator, "codes").get(code)
    if record is None or record["client_id"] != client_id:
        raise OAuthError("invalid_grant")
    if record["grant"] is not None:  # replayed code: suspicious, so its tokens die too
        _drop_grant(emulator, record["grant"])
        emulator.save()
        raise OAuthError("invalid_grant")
    if record["expires_at"] <= now(emulator) or record["redirect_uri"] != form.get("redirect_uri"):
        raise OAuthError("invalid_grant")
    grant_id = _new_grant(emulator, record["realm_id"], client_id, record["scope"])
    record["grant"] = grant_id
    return grant_id


def _refresh(emulator: Emulator, client_id: str, form: dict[str, str]) -> str:
    refresh = form.get("refresh_token")
    if not refresh:
        raise OAuthError("invalid_request", description="refresh_token is missing")
    grant_id: str | None = _table(emulator, "refresh").get(refresh)
    grant = _table(emulator, "grants").get(grant_id or "")
    if grant_id is None or grant is None or grant["client_id"] != client_id:
        raise OAuthError("invalid_grant", description="Token invalid")
    at = now(emulator)
    if min(grant["refresh_expires_at"], grant["hard_expires_at"]) <= at:
        _drop_grant(emulator, grant_id)
        raise OAuthError("invalid_grant", description="Token invalid")
    if at - grant["refresh_issued_at"] >= int(emulator.oauth.get("rotate_after", ROTATE_AFTER)):
        refreshes = _table(emulator, "refresh")
        del refreshes[refresh]
        grant["refresh_token"] = _token()
        grant["refresh_issued_at"] = at
        refreshes[grant["refresh_token"]] = grant_id
    grant["refresh_expires_at"] = at + REFRESH_LIFETIME
    return grant_id


def revoke(request: Request, emulator: Emulator) -> Response:
    """Revoke a refresh or access token and everything of its grant. Unknown tokens: 200."""
    try:
        payload = request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        payload = request.form()
    value = payload.get("token")
    try:
        with emulator.lock:
            client_id = _authenticate_client(emulator, request, {})
            if not isinstance(value, str) or not value:
                raise OAuthError("invalid_request", description="token is missing")
            grant_id = _table(emulator, "refresh").get(value)
            if grant_id is None:
                grant_id = _table(emulator, "access").get(value, {}).get("grant")
            grant = _table(emulator, "grants").get(grant_id or "")
            if grant_id is not None and grant is not None and grant["client_id"] == client_id:
                _drop_grant(emulator, grant_id)
                emulator.save()
    except OAuthError as error:
        return error.response()
    return Response(200, b"")


ROUTES: list[Route] = [
    *(Route("GET", path, discovery) for path in DISCOVERY_PATHS),
    Route("GET", AUTHORIZE_PATH, authorize_page),
    Route("POST", AUTHORIZE_PATH, authorize_answer),
    Route("POST", TOKEN_PATH, token),
    Route("POST", REVOKE_PATH, revoke),
    Route("GET", JWKS_PATH, jwks),
    Route("GET", USERINFO_PATH, userinfo),
]
