"""The /_emulator/ JSON control API: lets scripts, tests and benchmarks drive the emulator.

    POST /_emulator/clients                      {"client_id", "client_secret", "redirect_uris": [...]}
                                                 -> 201 the client (without its secret)
    GET  /_emulator/companies                    -> [{"realmId", "name"}, ...]
    POST /_emulator/companies                    {"name"} -> 201 {"realmId", "name"}
    POST /_emulator/companies/{realmId}/tokens   {"client_id"} -> a token pair, as the token endpoint
    GET  /_emulator/companies/{realmId}/knobs    -> the knobs
    PUT  /_emulator/companies/{realmId}/knobs    {"latency_ms", "throttle", "time_scale",
                                                  "error_rate", "timeout_rate",
                                                  "commit_then_fail", "expire_tokens"}
                                                 -> the stored knobs (replaces the previous set)
    POST /_emulator/companies/{realmId}/webhook  {"url", "verifier_token", "format"} -> the webhook
    POST /_emulator/authorize                    {"client_id", "redirect_uri", "scope", "state",
                                                  "realmId" | "company"}
                                                 -> 302 to redirect_uri?code=&state=&realmId=,
                                                    with {"location", "code", "state", "realmId"}
    GET  /_emulator/oauth, PUT /_emulator/oauth  {"permissive", "clock_offset", "rotate_after"}
    POST /_emulator/reset                        -> {"reset": true}; clears companies and tokens
                                                    (keeps the oauth settings above)

Knob values: latency_ms >= 0; throttle, expire_tokens booleans; time_scale > 0; error_rate and
timeout_rate in [0, 1]; commit_then_fail an integer count (the next N writes) or a rate in
[0, 1) written with a decimal point; requests_per_minute, concurrent, batch_per_minute integers
>= 1; throttle_format "xml" or "json"; timeout_seconds >= 0; seed an integer. Any other knob
in knobs.DEFAULTS is accepted with its default's type. `expire_tokens: true` also ends every
current access token of the company at once (oauth.expire_tokens). What the knobs do is
knobs.py's business.

Scripts that cannot click the consent page can also add `auto_approve=1` (with `realmId=` or
`company=`) to the authorize URL. Bad input gets 400 `{"error": "..."}` naming the field;
an unknown realm gets 404.
"""

from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from qbemulator.online import knobs, oauth
from qbemulator.online.http import Request, Response, Route
from qbemulator.online.state import Company, Emulator, new_company

REALM = r"/_emulator/companies/(?P<realm_id>[^/]+)"
OAUTH_SETTINGS = ("permissive", "clock_offset", "rotate_after")
WEBHOOK_FORMATS = ("cloudevents", "legacy")


class BadInput(Exception):
    """A client error: the HTTP status and a message naming the field."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status

    def response(self) -> Response:
        return Response.json({"error": self.message}, self.status)


def _body(request: Request) -> dict[str, Any]:
    try:
        data = request.json()
    except ValueError:
        raise BadInput("the body is not valid JSON") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object")
    return data


def _text(data: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{name} is required and must be a non-empty string")
    return value.strip()


def _company(emulator: Emulator, realm_id: str) -> Company:
    company = emulator.company(realm_id)
    if company is None:
        raise BadInput(f"no company with realmId {realm_id}", 404)
    return company


def guarded(handler: Any) -> Any:
    """Turn BadInput into its JSON answer, so handlers can just raise."""

    def run(request: Request, emulator: Emulator, **groups: str) -> Response:
        try:
            response: Response = handler(request, emulator, **groups)
        except BadInput as error:
            return error.response()
        return response

    run.__doc__ = handler.__doc__
    return run


# -- clients and companies ----------------------------------------------------------------


def add_client(request: Request, emulator: Emulator) -> Response:
    data = _body(request)
    client_id, secret = _text(data, "client_id"), _text(data, "client_secret")
    uris = data.get("redirect_uris", [])
    if not isinstance(uris, list) or not all(
        isinstance(u, str) and urlsplit(u).scheme in ("http", "https") for u in uris
    ):
        raise BadInput("redirect_uris must be a list of absolute http(s) URLs")
    oauth.register_client(emulator, client_id, secret, uris)
    return Response.json({"client_id": client_id, "redirect_uris": uris}, 201)


def list_companies(request: Request, emulator: Emulator) -> Response:
    with emulator.lock:
        rows = [{"realmId": c.realm_id, "name": c.name} for c in emulator.companies.values()]
    return Response.json(rows)


def add_company(request: Request, emulator: Emulator) -> Response:
    name = _text(_body(request), "name")
    with emulator.lock:
        company = new_company(emulator, name)
        emulator.save()
    return Response.json({"realmId": company.realm_id, "name": company.name}, 201)


def tokens(request: Request, emulator: Emulator, realm_id: str) -> Response:
    client_id = _text(_body(request), "client_id")
    with emulator.lock:
        _company(emulator, realm_id)
        return Response.json(oauth.issue_tokens(emulator, realm_id, client_id))


# -- knobs and webhook --------------------------------------------------------------------


def _number(name: str, value: Any, low: Decimal, high: Decimal | None = None) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise BadInput(f"{name} must be a number")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadInput(f"{name} must be {bounds}")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadInput(f"{name} must be true or false")
    return value


def _commit_then_fail(name: str, value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(name, value, Decimal(0))
    if isinstance(value, Decimal):
        if value >= 1:
            raise BadInput(f"{name} must be a count (integer) or a rate below 1")
        return _number(name, value, Decimal(0))
    raise BadInput(f"{name} must be a count (integer) or a rate between 0 and 1")


KNOBS: dict[str, Any] = {
    "latency_ms": lambda n, v: _number(n, v, Decimal(0)),
    "throttle": _flag,
    "time_scale": lambda n, v: _number(n, v, Decimal("0.000001")),
    "error_rate": lambda n, v: _number(n, v, Decimal(0), Decimal(1)),
    "timeout_rate": lambda n, v: _number(n, v, Decimal(0), Decimal(1)),
    "commit_then_fail": _commit_then_fail,
    "expire_tokens": _flag,
    "requests_per_minute": lambda n, v: _whole(n, v, 1),
    "concurrent": lambda n, v: _whole(n, v, 1),
    "batch_per_minute": lambda n, v: _whole(n, v, 1),
    "throttle_format": lambda n, v: _choice(n, v, ("xml", "json")),
    "timeout_seconds": lambda n, v: _number(n, v, Decimal(0)),
    "seed": lambda n, v: _whole(n, v, 0),
}


def _whole(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise BadInput(f"{name} must be an integer of at least {low}")
    return value


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise BadInput(f"{name} must be one of {', '.join(choices)}")
    return str(value)


def _like_default(name: str, value: Any) -> Any:
    """A knob knobs.py added that this table does not know yet: same JSON type as its default."""
    default = knobs.DEFAULTS[name]
    if isinstance(default, bool):
        return _flag(name, value)
    if isinstance(default, (int, float)):
        return _number(name, value, Decimal(0))
    if isinstance(default, str) and not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    return value


def validate_knobs(data: dict[str, Any]) -> dict[str, Any]:
    """The knobs, checked; null values are dropped (back to the default)."""
    known = [*KNOBS, *(name for name in knobs.DEFAULTS if name not in KNOBS)]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise BadInput(f"unknown knob {unknown[0]}; known knobs: {', '.join(known)}")
    return {
        name: KNOBS.get(name, _like_default)(name, value)
        for name, value in data.items()
        if value is not None
    }


def get_knobs(request: Request, emulator: Emulator, realm_id: str) -> Response:
    with emulator.lock:
        return Response.json(_company(emulator, realm_id).knobs)


def put_knobs(request: Request, emulator: Emulator, realm_id: str) -> Response:
    values = validate_knobs(_body(request))
    with emulator.lock:
        company = _company(emulator, realm_id)
        company.knobs = values
        if values.get("expire_tokens"):  # one shot, spent here: a later call must not fire it again
            oauth.expire_tokens(emulator, realm_id)
            company.knobs["expire_tokens"] = False
        emulator.save()
        return Response.json(company.knobs)


def put_webhook(request: Request, emulator: Emulator, realm_id: str) -> Response:
    data = _body(request)
    url = _text(data, "url")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise BadInput("url must be an absolute http(s) URL")
    verifier = _text(data, "verifier_token")
    form = data.get("format", "cloudevents")
    if form not in WEBHOOK_FORMATS:
        raise BadInput(f"format must be one of {', '.join(WEBHOOK_FORMATS)}")
    with emulator.lock:
        company = _company(emulator, realm_id)
        company.webhook = {"url": url, "verifier_token": verifier, "format": form}
        emulator.save()
        return Response.json(company.webhook)


# -- authorize, oauth settings, reset -----------------------------------------------------


def authorize(request: Request, emulator: Emulator) -> Response:
    """Approve an authorization without the consent page; the same redirect the page gives."""
    data = _body(request)
    params = {
        "client_id": _text(data, "client_id"),
        "redirect_uri": _text(data, "redirect_uri"),
        "response_type": "code",
        "scope": str(data.get("scope") or oauth.ACCOUNTING_SCOPE),
        "state": str(data.get("state") or ""),
    }
    try:
        req = oauth.check_authorize(emulator, params)
        if set(req["scope"].split()) - oauth.KNOWN_SCOPES:
            raise ValueError(f"unknown scope in {req['scope']!r}")
        realm = data.get("realmId")
        company = oauth.pick_company(
            emulator, str(realm) if realm else None, data.get("company") or None
        )
    except ValueError as error:
        raise BadInput(str(error)) from None
    location = oauth.approve(emulator, req, company)
    query = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
    body = {
        "location": location,
        "code": query["code"],
        "state": query.get("state", ""),
        "realmId": company.realm_id,
    }
    response = Response.json(body, 302, [("Location", location)])
    return response


def get_oauth(request: Request, emulator: Emulator) -> Response:
    with emulator.lock:
        return Response.json(_settings(emulator))


def _settings(emulator: Emulator) -> dict[str, Any]:
    return {
        "permissive": emulator.oauth.get("permissive", True),
        "clock_offset": emulator.oauth.get("clock_offset", 0),
        "rotate_after": emulator.oauth.get("rotate_after", oauth.ROTATE_AFTER),
    }


def put_oauth(request: Request, emulator: Emulator) -> Response:
    data = _body(request)
    unknown = sorted(set(data) - set(OAUTH_SETTINGS))
    if unknown:
        raise BadInput(f"unknown setting {unknown[0]}; known: {', '.join(OAUTH_SETTINGS)}")
    if "permissive" in data:
        _flag("permissive", data["permissive"])
    for name in ("clock_offset", "rotate_after"):
        if name in data and (isinstance(data[name], bool) or not isinstance(data[name], int)):
            raise BadInput(f"{name} must be an integer number of seconds")
    with emulator.lock:
        emulator.oauth.update(data)
        emulator.save()
        return Response.json(_settings(emulator))


def reset(request: Request, emulator: Emulator) -> Response:
    """Clear every company, client and token; the oauth settings survive."""
    with emulator.lock:
        kept = {k: emulator.oauth[k] for k in OAUTH_SETTINGS if k in emulator.oauth}
        emulator.reset()
        emulator.oauth.update(kept)
        emulator.save()
    return Response.json({"reset": True})


ROUTES: list[Route] = [
    Route("POST", "/_emulator/clients", guarded(add_client)),
    Route("GET", "/_emulator/companies", guarded(list_companies)),
    Route("POST", "/_emulator/companies", guarded(add_company)),
    Route("POST", REALM + "/tokens", guarded(tokens)),
    Route("GET", REALM + "/knobs", guarded(get_knobs)),
    Route("PUT", REALM + "/knobs", guarded(put_knobs)),
    Route("POST", REALM + "/webhook", guarded(put_webhook)),
    Route("POST", "/_emulator/authorize", guarded(authorize)),
    Route("GET", "/_emulator/oauth", guarded(get_oauth)),
    Route("PUT", "/_emulator/oauth", guarded(put_oauth)),
    Route("POST", "/_emulator/reset", guarded(reset)),
]
