"""Intuit's OAuth 2.0 server as emulated: consent, codes, tokens, rotation, revocation, the 401."""

import base64
import json
import re
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from qbemulator.online import oauth
from qbemulator.online.app import make_app
from qbemulator.online.http import Request
from qbemulator.online.state import Emulator, new_company

CALLBACK = "https://app.example/qbo/callback"
SCOPE = "com.intuit.quickbooks.accounting"
TOKEN = "/oauth2/v1/tokens/bearer"
REVOKE = "/v2/oauth2/tokens/revoke"


def basic(client_id: str = "app", secret: str = "s3cret") -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}", "Accept": "application/json"}


def query_of(location: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def consent(client: httpx.Client, state: str = "xyz", **form: str) -> dict[str, str]:
    """Walk the consent page like a browser: GET authorize, submit the form, read the redirect."""
    page = client.get(
        "/connect/oauth2",
        params={
            "client_id": "app",
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
        },
    )
    assert page.status_code == 200, page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert action and nonce
    fields = {
        "nonce": nonce.group(1),
        "realmId": "new",
        "company_name": "Acme",
        "action": "approve",
    }
    answer = client.post(action.group(1), data={**fields, **form})
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return query_of(location)


def exchange(
    client: httpx.Client, code: str, redirect_uri: str = CALLBACK, **auth: str
) -> httpx.Response:
    return client.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        headers=basic(**auth),
    )


def refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": token}, headers=basic()
    )


def connect(client: httpx.Client) -> tuple[str, dict[str, Any]]:
    back = consent(client)
    reply = exchange(client, back["code"])
    assert reply.status_code == 200, reply.text
    return back["realmId"], reply.json()


def bearer(emulator: Emulator, token: str, realm_id: str) -> int | None:
    """Status of the bearer check for an API call on `realm_id` (None = allowed)."""
    request = Request(
        "GET",
        f"/v3/company/{realm_id}/companyinfo/1",
        {},
        {"authorization": f"Bearer {token}"},
        b"",
    )
    denied = oauth.authenticate(request, emulator, realm_id)
    return None if denied is None else denied.status


def test_discovery_document_points_at_this_emulator(client: httpx.Client) -> None:
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["authorization_endpoint"] == "http://qbo.test/connect/oauth2"
    assert doc["token_endpoint"] == "http://qbo.test" + TOKEN
    assert doc["revocation_endpoint"] == "http://qbo.test" + REVOKE
    assert doc["issuer"] == "http://qbo.test/op/v1"
    assert client.get(urlsplit(doc["jwks_uri"]).path).status_code == 200
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]
    assert client.get("/.well-known/openid_sandbox_configuration/").json() == doc


def test_consent_flow_creates_a_company_and_returns_code_state_and_realm(
    client: httpx.Client, emulator: Emulator
) -> None:
    back = consent(client, state="csrf-123", company_name="Harbour Club")
    assert back["state"] == "csrf-123"
    assert emulator.companies[back["realmId"]].name == "Harbour Club"
    reply = exchange(client, back["code"])
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "x_refresh_token_expires_in",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] == 8726400
    assert bearer(emulator, body["access_token"], back["realmId"]) is None


def test_consent_page_lists_companies_and_picks_an_existing_one(
    client: httpx.Client, emulator: Emulator
) -> None:
    first = new_company(emulator, "Riverside <Rowing>")
    page = client.get(
        "/connect/oauth2",
        params={
            "client_id": "app",
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": SCOPE,
        },
    )
    assert "Riverside &lt;Rowing&gt;" in page.text
    assert f'value="{first.realm_id}"' in page.text
    back = consent(client, realmId=first.realm_id)
    assert back["realmId"] == first.realm_id
    assert len(emulator.companies) == 1


def test_consent_form_nonce_is_single_use(client: httpx.Client) -> None:
    page = client.get(
        "/connect/oauth2",
        params={
            "client_id": "app",
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": SCOPE,
        },
    )
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert nonce
    form = {"nonce": nonce.group(1), "realmId": "new", "company_name": "A", "action": "approve"}
    assert client.post("/connect/oauth2", data=form).status_code == 302
    assert client.post("/connect/oauth2", data=form).status_code == 400
    assert client.post("/connect/oauth2", data={**form, "nonce": "forged"}).status_code == 400


def test_denying_consent_redirects_with_access_denied(client: httpx.Client) -> None:
    back = consent(client, state="s1", action="deny")
    assert back == {"error": "access_denied", "state": "s1"}


def test_bad_authorize_requests(client: httpx.Client, emulator: Emulator) -> None:
    params = {
        "client_id": "app",
        "redirect_uri": CALLBACK,
        "response_type": "token",
        "scope": SCOPE,
        "state": "q",
    }
    wrong_type = client.get("/connect/oauth2", params=params)
    assert query_of(wrong_type.headers["location"]) == {
        "error": "unsupported_response_type",
        "state": "q",
    }
    bad_scope = client.get(
        "/connect/oauth2", params={**params, "response_type": "code", "scope": "root"}
    )
    assert query_of(bad_scope.headers["location"])["error"] == "invalid_scope"
    client.post(
        "/_emulator/clients",
        json={"client_id": "reg", "client_secret": "x", "redirect_uris": [CALLBACK]},
    )
    elsewhere = client.get(
        "/connect/oauth2",
        params={**params, "client_id": "reg", "redirect_uri": "https://evil.example/"},
    )
    assert elsewhere.status_code == 400
    assert "location" not in elsewhere.headers


def test_auto_approve_query_flag_returns_the_same_redirect(
    client: httpx.Client, emulator: Emulator
) -> None:
    company = new_company(emulator, "Scripted")
    reply = client.get(
        "/connect/oauth2",
        params={
            "client_id": "app",
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": SCOPE,
            "state": "st",
            "auto_approve": "1",
            "realmId": company.realm_id,
        },
    )
    assert reply.status_code == 302
    back = query_of(reply.headers["location"])
    assert back["realmId"] == company.realm_id and back["state"] == "st"
    assert exchange(client, back["code"]).status_code == 200


def test_code_is_single_use_and_a_replay_revokes_its_tokens(
    client: httpx.Client, emulator: Emulator
) -> None:
    back = consent(client)
    first = exchange(client, back["code"])
    assert first.status_code == 200
    again = exchange(client, back["code"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert bearer(emulator, first.json()["access_token"], back["realmId"]) == 401
    assert refresh(client, first.json()["refresh_token"]).json()["error"] == "invalid_grant"


def test_code_is_bound_to_client_and_redirect_uri_and_expires(
    client: httpx.Client, emulator: Emulator
) -> None:
    back = consent(client)
    assert exchange(client, back["code"], redirect_uri="https://app.example/other").json() == {
        "error": "invalid_grant"
    }
    assert exchange(client, back["code"], client_id="other-app").json() == {
        "error": "invalid_grant"
    }
    late = consent(client)
    emulator.oauth["clock_offset"] = 601
    assert exchange(client, late["code"]).json() == {"error": "invalid_grant"}
    emulator.oauth["clock_offset"] = 0
    assert exchange(client, back["code"]).status_code == 200


def test_bad_client_credentials_are_invalid_client(client: httpx.Client) -> None:
    back = consent(client)
    assert exchange(client, back["code"]).status_code == 200  # binds "app" to "s3cret"
    wrong = refresh_with(client, "app", "nope")
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_client"}
    none = client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert none.status_code == 401


def refresh_with(client: httpx.Client, client_id: str, secret: str) -> httpx.Response:
    return client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers=basic(client_id, secret),
    )


def test_strict_emulator_accepts_only_registered_clients(
    client: httpx.Client, emulator: Emulator
) -> None:
    emulator.oauth["permissive"] = False
    params = {"client_id": "app", "redirect_uri": CALLBACK, "response_type": "code", "scope": SCOPE}
    assert client.get("/connect/oauth2", params=params).status_code == 400
    assert refresh_with(client, "app", "s3cret").status_code == 401
    client.post(
        "/_emulator/clients",
        json={"client_id": "app", "client_secret": "s3cret", "redirect_uris": [CALLBACK]},
    )
    realm, tokens = connect(client)
    assert bearer(emulator, tokens["access_token"], realm) is None


def test_refresh_returns_the_same_token_until_it_rotates_then_the_old_one_is_dead(
    client: httpx.Client, emulator: Emulator
) -> None:
    realm, tokens = connect(client)
    emulator.oauth["clock_offset"] = 3 * 3600
    same = refresh(client, tokens["refresh_token"]).json()
    assert same["refresh_token"] == tokens["refresh_token"]
    assert same["access_token"] != tokens["access_token"]
    assert same["x_refresh_token_expires_in"] == 8726400
    emulator.oauth["clock_offset"] = 24 * 3600
    rotated = refresh(client, tokens["refresh_token"]).json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    reused = refresh(client, tokens["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert refresh(client, rotated["refresh_token"]).status_code == 200
    assert bearer(emulator, rotated["access_token"], realm) is None


def test_rotate_after_zero_rotates_on_every_refresh(
    client: httpx.Client, emulator: Emulator
) -> None:
    emulator.oauth["rotate_after"] = 0
    _, tokens = connect(client)
    second = refresh(client, tokens["refresh_token"]).json()
    assert second["refresh_token"] != tokens["refresh_token"]
    assert refresh(client, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_refresh_token_expires_after_its_rolling_lifetime(
    client: httpx.Client, emulator: Emulator
) -> None:
    _, tokens = connect(client)
    emulator.oauth["clock_offset"] = 8726400 - 1
    kept = refresh(client, tokens["refresh_token"])
    assert kept.status_code == 200  # used in time: the window rolls on
    emulator.oauth["clock_offset"] += 8726400
    assert refresh(client, kept.json()["refresh_token"]).json()["error"] == "invalid_grant"


def test_hard_expiry_is_reported_on_request(client: httpx.Client) -> None:
    back = consent(client)
    reply = client.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": back["code"], "redirect_uri": CALLBACK},
        headers={**basic(), "x-include-refresh-token-hard-expires-in": "true"},
    )
    assert reply.json()["x_refresh_token_hard_expires_in"] == 5 * 365 * 86400


def test_access_token_lasts_3600_seconds_of_the_emulator_clock(
    client: httpx.Client, emulator: Emulator
) -> None:
    realm, tokens = connect(client)
    emulator.oauth["clock_offset"] = 3599
    assert bearer(emulator, tokens["access_token"], realm) is None
    emulator.oauth["clock_offset"] = 3600
    assert bearer(emulator, tokens["access_token"], realm) == 401


def test_access_token_is_only_good_for_its_own_company(
    client: httpx.Client, emulator: Emulator
) -> None:
    realm, tokens = connect(client)
    other = new_company(emulator, "Other")
    assert bearer(emulator, tokens["access_token"], realm) is None
    assert bearer(emulator, tokens["access_token"], other.realm_id) == 401


def test_expire_tokens_ends_the_companys_access_tokens_but_refresh_still_works(
    client: httpx.Client, emulator: Emulator
) -> None:
    realm, tokens = connect(client)
    assert oauth.expire_tokens(emulator, realm) == 1
    assert bearer(emulator, tokens["access_token"], realm) == 401
    fresh = refresh(client, tokens["refresh_token"]).json()
    assert bearer(emulator, fresh["access_token"], realm) is None


@pytest.mark.parametrize("which", ["refresh_token", "access_token"])
def test_revoke_ends_both_tokens_of_the_pair(
    client: httpx.Client, emulator: Emulator, which: str
) -> None:
    realm, tokens = connect(client)
    reply = client.post(REVOKE, json={"token": tokens[which]}, headers=basic())
    assert reply.status_code == 200
    assert bearer(emulator, tokens["access_token"], realm) == 401
    assert refresh(client, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoke_needs_the_owning_client(client: httpx.Client, emulator: Emulator) -> None:
    realm, tokens = connect(client)
    assert (
        client.post(
            REVOKE, json={"token": tokens["refresh_token"]}, headers=basic("app", "bad")
        ).status_code
        == 401
    )
    client.post(REVOKE, json={"token": tokens["refresh_token"]}, headers=basic("intruder", "x"))
    assert bearer(emulator, tokens["access_token"], realm) is None


def test_openid_scope_adds_an_id_token(client: httpx.Client) -> None:
    reply = client.get(
        "/connect/oauth2",
        params={
            "client_id": "app",
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": f"{SCOPE} openid email",
            "auto_approve": "1",
            "company": "Open",
        },
    )
    back = query_of(reply.headers["location"])
    body = exchange(client, back["code"]).json()
    payload = body["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["aud"] == ["app"]
    assert claims["realmid"] == back["realmId"]
    assert claims["iss"] == "http://qbo.test/op/v1"


def test_unauthorized_body_matches_the_recorded_401_key_by_key(
    client: httpx.Client, emulator: Emulator, fixtures_dir: Path
) -> None:
    recorded = json.loads((fixtures_dir / "fault_auth_401.json").read_text())
    realm, tokens = connect(client)
    emulator.oauth["clock_offset"] = 4000
    request = Request("GET", "/", {}, {"authorization": f"Bearer {tokens['access_token']}"}, b"")
    denied = oauth.authenticate(request, emulator, realm)
    assert denied is not None and denied.status == 401
    assert ("WWW-Authenticate", 'Bearer realm="Intuit", error="invalid_token"') in denied.headers
    body = json.loads(denied.body)
    assert list(body) == list(recorded)
    for key, value in recorded.items():
        if key not in ("fault", "time"):
            assert body[key] == value, key
    assert isinstance(body["time"], int)
    error, real = body["fault"]["error"][0], recorded["fault"]["error"][0]
    assert list(body["fault"]) == list(recorded["fault"])
    assert list(error) == list(real)
    assert body["fault"]["type"] == recorded["fault"]["type"]
    assert {k: error[k] for k in ("message", "code", "element")} == {
        k: real[k] for k in ("message", "code", "element")
    }
    assert error["detail"] == f"Token expired: {tokens['access_token'][:50]}"


def test_missing_bearer_is_401(emulator: Emulator) -> None:
    realm = new_company(emulator, "X").realm_id
    denied = oauth.authenticate(Request("GET", "/", {}, {}, b""), emulator, realm)
    assert denied is not None and denied.status == 401
    assert json.loads(denied.body)["fault"]["error"][0]["code"] == "3200"


# -- Intuit's own client, over real loopback HTTP -----------------------------------------


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def live(emulator: Emulator) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, make_app(emulator), _Server, _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_intuit_oauth_client_runs_the_token_flow(live: str, emulator: Emulator) -> None:
    redirect = "http://127.0.0.1/callback"
    auth = AuthClient(
        "intuit-app", "its-secret", redirect, environment=f"{live}/.well-known/openid-configuration"
    )
    try:
        assert auth.token_endpoint == live + TOKEN
        url = auth.get_authorization_url([Scopes.ACCOUNTING])
        with httpx.Client() as browser:
            page = browser.get(url)
            nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
            assert nonce
            answer = browser.post(
                f"{live}/connect/oauth2",
                data={
                    "nonce": nonce.group(1),
                    "realmId": "new",
                    "company_name": "Intuit Co",
                    "action": "approve",
                },
            )
        back = query_of(answer.headers["location"])
        assert back["state"] == auth.state_token
        auth.get_bearer_token(back["code"], realm_id=back["realmId"])
        assert auth.expires_in == 3600 and auth.x_refresh_token_expires_in == 8726400
        first_access, first_refresh = auth.access_token, auth.refresh_token
        assert bearer(emulator, first_access, back["realmId"]) is None

        emulator.oauth["clock_offset"] = 86400
        auth.refresh()
        assert auth.refresh_token != first_refresh
        with pytest.raises(AuthClientError) as reused:
            auth.refresh(refresh_token=first_refresh)
        assert reused.value.status_code == 400
        assert json.loads(reused.value.content)["error"] == "invalid_grant"

        assert auth.revoke() is True
        assert bearer(emulator, auth.access_token, back["realmId"]) == 401
    finally:
        auth.close()


def test_without_state_the_redirect_carries_none(client: httpx.Client) -> None:
    reply = client.get(
        "/connect/oauth2",
        params={
            "client_id": "app",
            "redirect_uri": CALLBACK + "?from=qbo",
            "response_type": "code",
            "scope": SCOPE,
            "auto_approve": "1",
        },
    )
    back = query_of(reply.headers["location"])
    assert set(back) == {"from", "code", "realmId"}
