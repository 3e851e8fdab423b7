"""The connect flow through the real redirects, and refused states (wrong, replayed, other session)."""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from django.contrib.auth import get_user_model
from django.test import Client

from memberbooks.connections.models import OAuthState, QboConnection, Status
from memberbooks.tenancy.actions import create_organisation
from memberbooks.tenancy.models import Role
from tests.connections.conftest import Site, authorize, callback_path, connect_through_pages


def test_connect_through_the_real_redirects_reads_the_company(site: Site) -> None:
    admin = site.client(Role.ADMIN)
    connection = connect_through_pages(admin)
    assert connection.status == Status.CONNECTED
    assert connection.company_name == "Acme Association"  # read from the emulator's CompanyInfo
    assert connection.realm_id and connection.environment == "emulator"
    assert connection.secret("access_token") and connection.secret("refresh_token")
    assert connection.connected_by == "admin-acme"
    page = admin.get("/o/acme/quickbooks/").content.decode()
    assert "Acme Association" in page and connection.realm_id in page and "Connected" in page
    assert OAuthState.objects.get().used_at is not None


def _query(location: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def _nothing_stored() -> bool:
    connection = QboConnection.objects.filter(organisation__slug="acme").first()
    return connection is None or (
        connection.status == Status.DISCONNECTED and not connection.access_token_enc
    )


def test_a_wrong_state_is_refused_and_nothing_is_stored(site: Site) -> None:
    admin = site.client(Role.ADMIN)
    query = _query(authorize(admin))
    query["state"] = query["state"][:-2] + "xx"
    response = admin.get("/quickbooks/callback/?" + urlencode(query))
    assert response.status_code == 400
    assert "does not match a connection started here" in response.content.decode()
    assert _nothing_stored()


def test_a_state_from_another_session_is_refused(site: Site) -> None:
    admin = site.client(Role.ADMIN)
    location = authorize(admin)
    other_session = Client()
    other_session.force_login(get_user_model().objects.get(username="admin-acme"))
    response = other_session.get(callback_path(location))
    assert response.status_code == 400
    assert "another browser session" in response.content.decode()
    assert _nothing_stored()


def test_a_replayed_state_is_refused_and_changes_nothing(site: Site) -> None:
    admin = site.client(Role.ADMIN)
    location = authorize(admin)
    assert admin.get(callback_path(location)).status_code == 302
    before = QboConnection.objects.values().get()
    replay = admin.get(callback_path(location))
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert QboConnection.objects.values().get() == before


def test_a_state_for_another_organisation_is_not_found(site: Site) -> None:
    other = create_organisation("other", "Other Club")
    outsider = site.client(Role.ADMIN, other)
    location = authorize(site.client(Role.ADMIN))
    assert outsider.get(callback_path(location)).status_code == 404
    assert _nothing_stored()


def test_cancelled_consent_is_refused_plainly(site: Site) -> None:
    admin = site.client(Role.ADMIN)
    query = _query(authorize(admin))
    response = admin.get(
        "/quickbooks/callback/?" + urlencode({"error": "access_denied", "state": query["state"]})
    )
    assert response.status_code == 400 and "cancelled" in response.content.decode()
    assert _nothing_stored()


def test_connect_through_the_emulators_consent_page(site: Site) -> None:
    admin = site.client(Role.ADMIN)
    response = admin.post("/o/acme/quickbooks/connect/")
    assert response.status_code == 302
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        consent = browser.get(response["Location"])
        assert consent.status_code == 200 and "Connect to QuickBooks" in consent.text
        nonce = re.search(r'name="nonce" value="([^"]+)"', consent.text)
        assert nonce is not None
        answer = browser.post(
            f"{site.url}/connect/oauth2",
            data={
                "nonce": nonce.group(1),
                "realmId": "new",
                "company_name": "Acme Books Ltd",
                "action": "approve",
            },
        )
    assert answer.status_code in (302, 303)
    assert admin.get(callback_path(answer.headers["location"])).status_code == 302
    assert QboConnection.objects.get().company_name == "Acme Books Ltd"
