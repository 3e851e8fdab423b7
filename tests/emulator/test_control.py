"""The /_emulator/ control API: companies, tokens, knobs, webhook, authorize, oauth settings, reset."""

import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from qbemulator.online import knobs, oauth
from qbemulator.online.app import make_app
from qbemulator.online.http import Request
from qbemulator.online.state import Emulator

CALLBACK = "https://app.example/cb"


def company(client: httpx.Client, name: str = "Acme") -> str:
    reply = client.post("/_emulator/companies", json={"name": name})
    assert reply.status_code == 201, reply.text
    realm: str = reply.json()["realmId"]
    return realm


def allowed(emulator: Emulator, token: str, realm: str) -> bool:
    request = Request("GET", "/", {}, {"authorization": f"Bearer {token}"}, b"")
    return oauth.authenticate(request, emulator, realm) is None


def test_companies_are_created_and_listed(client: httpx.Client, emulator: Emulator) -> None:
    first, second = company(client, "Acme"), company(client, "Bolt")
    assert first != second and first.isdigit()
    assert client.get("/_emulator/companies").json() == [
        {"realmId": first, "name": "Acme"},
        {"realmId": second, "name": "Bolt"},
    ]
    assert emulator.companies[first].name == "Acme"


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": 5}, [1]])
def test_company_needs_a_name(client: httpx.Client, body: object) -> None:
    reply = client.post("/_emulator/companies", json=body)
    assert reply.status_code == 400
    assert "name" in reply.json()["error"] or "object" in reply.json()["error"]


def test_malformed_json_is_a_json_400(client: httpx.Client) -> None:
    reply = client.post("/_emulator/companies", content=b"{nope")
    assert reply.status_code == 400
    assert reply.json() == {"error": "the body is not valid JSON"}


def test_tokens_endpoint_gives_a_working_pair(client: httpx.Client, emulator: Emulator) -> None:
    realm = company(client)
    pair = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "bench"}).json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 3600
    assert pair["x_refresh_token_expires_in"] == 8726400
    assert allowed(emulator, pair["access_token"], realm)
    refreshed = client.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]},
        auth=("bench", "any-secret"),
    )
    assert refreshed.status_code == 200


def test_tokens_for_an_unknown_company_are_404(client: httpx.Client) -> None:
    reply = client.post("/_emulator/companies/123/tokens", json={"client_id": "x"})
    assert reply.status_code == 404
    assert "123" in reply.json()["error"]


def test_knobs_are_validated_stored_and_returned(client: httpx.Client, emulator: Emulator) -> None:
    realm = company(client)
    knobs = {
        "latency_ms": 25,
        "throttle": True,
        "time_scale": 0.01,
        "error_rate": 0.05,
        "timeout_rate": 0,
        "commit_then_fail": 2,
    }
    reply = client.put(f"/_emulator/companies/{realm}/knobs", json=knobs)
    assert reply.status_code == 200
    assert reply.json() == knobs
    stored = emulator.companies[realm].knobs
    assert stored["time_scale"] == Decimal("0.01") and stored["commit_then_fail"] == 2
    assert client.get(f"/_emulator/companies/{realm}/knobs").json() == knobs
    client.put(f"/_emulator/companies/{realm}/knobs", json={"commit_then_fail": 0.5})
    assert emulator.companies[realm].knobs == {"commit_then_fail": Decimal("0.5")}


@pytest.mark.parametrize(
    ("knobs", "word"),
    [
        ({"latency": 5}, "unknown knob latency"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"throttle": "yes"}, "throttle"),
        ({"error_rate": 1.5}, "error_rate"),
        ({"time_scale": 0}, "time_scale"),
        ({"commit_then_fail": 1.5}, "commit_then_fail"),
        ({"expire_tokens": 1}, "expire_tokens"),
        ({"concurrent": 0}, "concurrent"),
        ({"throttle_format": "yaml"}, "throttle_format"),
    ],
)
def test_bad_knobs_are_refused_and_nothing_changes(
    client: httpx.Client, emulator: Emulator, knobs: dict[str, object], word: str
) -> None:
    realm = company(client)
    client.put(f"/_emulator/companies/{realm}/knobs", json={"throttle": True})
    reply = client.put(f"/_emulator/companies/{realm}/knobs", json=knobs)
    assert reply.status_code == 400
    assert word in reply.json()["error"]
    assert emulator.companies[realm].knobs == {"throttle": True}


def test_expire_tokens_knob_ends_the_access_tokens(
    client: httpx.Client, emulator: Emulator
) -> None:
    realm, other = company(client), company(client, "Other")
    mine = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "a"}).json()
    theirs = client.post(f"/_emulator/companies/{other}/tokens", json={"client_id": "a"}).json()
    client.put(f"/_emulator/companies/{realm}/knobs", json={"expire_tokens": True})
    assert not allowed(emulator, mine["access_token"], realm)
    assert allowed(emulator, theirs["access_token"], other)
    assert emulator.companies[realm].knobs["expire_tokens"] is False  # spent: fires once


def test_expire_tokens_knob_does_not_end_the_token_refreshed_after_it(
    client: httpx.Client, emulator: Emulator
) -> None:
    """Clients that refresh after the knob, then call, must not be expired a second time."""
    realm = company(client)
    client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "a"})
    client.put(f"/_emulator/companies/{realm}/knobs", json={"expire_tokens": True})
    fresh = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "a"}).json()
    answer = client.get(
        f"/v3/company/{realm}/companyinfo/{realm}",
        headers={"Authorization": f"Bearer {fresh['access_token']}", "Accept": "application/json"},
    )
    assert answer.status_code == 200
    assert allowed(emulator, fresh["access_token"], realm)


def test_webhook_is_stored(client: httpx.Client, emulator: Emulator) -> None:
    realm = company(client)
    hook = {"url": "http://127.0.0.1:9/hook", "verifier_token": "v3r", "format": "legacy"}
    assert client.post(f"/_emulator/companies/{realm}/webhook", json=hook).json() == hook
    assert emulator.companies[realm].webhook == hook
    plain = client.post(
        f"/_emulator/companies/{realm}/webhook",
        json={"url": "https://h.example/", "verifier_token": "t"},
    )
    assert plain.json()["format"] == "cloudevents"


@pytest.mark.parametrize(
    "hook",
    [
        {"url": "ftp://x/", "verifier_token": "v"},
        {"url": "https://h.example/"},
        {"url": "https://h.example/", "verifier_token": "v", "format": "xml"},
    ],
)
def test_bad_webhooks_are_refused(
    client: httpx.Client, emulator: Emulator, hook: dict[str, str]
) -> None:
    realm = company(client)
    assert client.post(f"/_emulator/companies/{realm}/webhook", json=hook).status_code == 400
    assert emulator.companies[realm].webhook == {}


def test_scripted_authorize_redirects_with_a_code(client: httpx.Client, emulator: Emulator) -> None:
    realm = company(client, "Scripted")
    reply = client.post(
        "/_emulator/authorize",
        json={"client_id": "app", "redirect_uri": CALLBACK, "state": "s", "realmId": realm},
    )
    assert reply.status_code == 302
    back = {k: v[-1] for k, v in parse_qs(urlsplit(reply.headers["location"]).query).items()}
    assert back == {"code": reply.json()["code"], "state": "s", "realmId": realm}
    tokens = client.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "authorization_code", "code": back["code"], "redirect_uri": CALLBACK},
        auth=("app", "pw"),
    )
    assert allowed(emulator, tokens.json()["access_token"], realm)


def test_scripted_authorize_by_name_creates_or_finds_the_company(
    client: httpx.Client, emulator: Emulator
) -> None:
    body = {"client_id": "app", "redirect_uri": CALLBACK, "company": "Named"}
    first = client.post("/_emulator/authorize", json=body).json()["realmId"]
    second = client.post("/_emulator/authorize", json=body).json()["realmId"]
    assert first == second and emulator.companies[first].name == "Named"
    unknown = client.post("/_emulator/authorize", json={**body, "realmId": "42"})
    assert unknown.status_code == 400


def test_oauth_settings_move_the_clock(client: httpx.Client, emulator: Emulator) -> None:
    realm = company(client)
    pair = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "a"}).json()
    assert (
        client.put("/_emulator/oauth", json={"clock_offset": 3600}).json()["clock_offset"] == 3600
    )
    assert not allowed(emulator, pair["access_token"], realm)
    assert client.put("/_emulator/oauth", json={"clock": 1}).status_code == 400
    assert client.put("/_emulator/oauth", json={"rotate_after": "soon"}).status_code == 400


def test_reset_clears_companies_and_tokens_but_keeps_settings(
    client: httpx.Client, emulator: Emulator
) -> None:
    realm = company(client)
    pair = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "a"}).json()
    client.put("/_emulator/oauth", json={"permissive": False})
    assert client.post("/_emulator/reset").json() == {"reset": True}
    assert client.get("/_emulator/companies").json() == []
    assert not allowed(emulator, pair["access_token"], realm)
    assert emulator.oauth["permissive"] is False


def test_changes_are_saved_to_the_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    emulator = Emulator(path=path)
    with httpx.Client(
        transport=httpx.WSGITransport(app=make_app(emulator)), base_url="http://e"
    ) as client:
        realm = company(client, "Persisted")
        pair = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "a"}).json()
        client.put(f"/_emulator/companies/{realm}/knobs", json={"error_rate": 0.25})
    saved = json.loads(path.read_text())
    assert saved["companies"][realm]["name"] == "Persisted"
    restarted = Emulator(path=path)
    assert restarted.companies[realm].knobs == {"error_rate": Decimal("0.25")}
    assert allowed(restarted, pair["access_token"], realm)


def test_every_knob_the_knobs_module_reads_can_be_set(
    client: httpx.Client, emulator: Emulator
) -> None:
    realm = company(client)
    defaults = {name: value for name, value in knobs.DEFAULTS.items() if value is not None}
    values = json.loads(json.dumps(defaults))
    reply = client.put(f"/_emulator/companies/{realm}/knobs", json=values)
    assert reply.status_code == 200, reply.text
    assert set(emulator.companies[realm].knobs) == set(defaults)
    throttled = {"throttle": True, "requests_per_minute": 5, "throttle_format": "json", "seed": 7}
    assert client.put(f"/_emulator/companies/{realm}/knobs", json=throttled).json() == throttled
