"""Refresh: single writer across threads with their own DB connections, rotation, revocation."""

import datetime as dt
import threading
from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from django.db import connection as db_connection
from django.utils import timezone

from memberbooks.connections import actions, oauth
from memberbooks.connections.models import QboConnection, Status
from memberbooks.connections.tokens import ConnectionTokens
from memberbooks.quickbooks.online.client import QboClient
from memberbooks.tenancy.access import system_actor
from memberbooks.tenancy.models import Role
from tests.connections.conftest import Site, connect_through_pages


def cli_connect(site: Site) -> QboConnection:
    out = StringIO()
    call_command("qbo", "connect", "acme", "--emulator", site.url, "--auto-approve", stdout=out)
    assert "Connected acme to Acme Association" in out.getvalue()
    return site.connection()


def rotate_every_refresh(url: str) -> None:
    response = httpx.put(f"{url}/_emulator/oauth", json={"rotate_after": 0}, timeout=10)
    assert response.status_code == 200, response.text


def expire_locally(connection: QboConnection) -> None:
    """Our record says the access token ends in a minute: the next use must refresh."""
    QboConnection.objects.filter(pk=connection.pk).update(
        access_expires_at=timezone.now() + dt.timedelta(minutes=1)
    )


def company_status(site: Site, realm: str, token: str) -> int:
    url = f"{site.url}/v3/company/{realm}/companyinfo/{realm}"
    return httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


def test_two_workers_refreshing_at_once_both_end_with_valid_tokens(site: Site) -> None:
    connection = cli_connect(site)
    rotate_every_refresh(site.url)
    first_refresh = connection.secret("refresh_token")
    expire_locally(connection)
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            source = ConnectionTokens(QboConnection.objects.get(pk=connection.pk))
            barrier.wait(timeout=10)
            results.append(source.access_token())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(results) == 2
    stored = QboConnection.objects.get(pk=connection.pk)
    assert stored.status == Status.CONNECTED and stored.last_error == ""
    assert stored.secret("refresh_token") != first_refresh  # rotated, and the rotation was kept
    for token in results:
        assert company_status(site, connection.realm_id, token) == 200
    # the stored (rotated) refresh token still works: a forced refresh succeeds
    again = actions.refresh_tokens(system_actor("acme"), force=True)
    assert again != results[0] and company_status(site, connection.realm_id, again) == 200


def test_forced_refresh_after_a_401_reuses_a_token_another_worker_already_got(site: Site) -> None:
    connection = cli_connect(site)
    rotate_every_refresh(site.url)
    first, second = ConnectionTokens(connection), ConnectionTokens(connection)
    stale = first.access_token()
    assert second.access_token() == stale
    fresh = first.refresh()  # first saw a 401: refreshes
    assert fresh != stale
    assert second.refresh() == fresh  # second saw a 401 too: takes first's token, no new refresh
    assert site.connection().secret("access_token") == fresh


def test_a_fresh_token_is_not_refreshed(site: Site) -> None:
    connection = cli_connect(site)
    source = ConnectionTokens(connection)
    assert source.access_token() == connection.secret("access_token")
    assert site.connection().last_refresh_at is None


def revoke_at_emulator(site: Site, token: str) -> None:
    response = httpx.post(
        f"{site.url}/v2/oauth2/tokens/revoke",
        json={"token": token},
        auth=oauth.EMULATOR_CLIENT,
        timeout=10,
    )
    assert response.status_code == 200


def test_a_revoked_token_leads_to_the_reconnect_banner(site: Site) -> None:
    admin = site.client(Role.ADMIN)
    connection = connect_through_pages(admin)
    revoke_at_emulator(site, connection.secret("refresh_token"))
    expire_locally(connection)
    with pytest.raises(actions.ConnectionProblem, match="no longer accepts"):
        ConnectionTokens(connection).access_token()
    stored = site.connection()
    assert stored.status == Status.NEEDS_RECONNECT
    assert "reconnect" in stored.last_error and not stored.refresh_token_enc
    for client in (admin, site.client(Role.BOOKKEEPER)):
        page = client.get("/o/acme/quickbooks/")
        text = page.content.decode()
        assert page.status_code == 200 and 'id="qbo-reconnect"' in text
        assert "Traceback" not in text
    with pytest.raises(actions.ConnectionProblem, match="no longer accepts"):
        ConnectionTokens(stored).access_token()
    connect_through_pages(admin)  # reconnecting clears it
    assert 'id="qbo-reconnect"' not in admin.get("/o/acme/quickbooks/").content.decode()


def test_disconnect_revokes_at_the_emulator_and_forgets_the_tokens(site: Site) -> None:
    admin = site.client(Role.ADMIN)
    connection = connect_through_pages(admin)
    refresh_token, access = connection.secret("refresh_token"), connection.secret("access_token")
    response = admin.post("/o/acme/quickbooks/disconnect/")
    assert response.status_code == 302
    stored = site.connection()
    assert stored.status == Status.DISCONNECTED and not stored.refresh_token_enc
    assert stored.last_error == ""
    assert company_status(site, connection.realm_id, access) == 401
    ends = actions.endpoints_of(stored)
    with pytest.raises(oauth.InvalidGrant):
        oauth.refresh(ends, oauth.Credentials(*oauth.EMULATOR_CLIENT), refresh_token)


def test_disconnect_works_when_revoking_fails(site: Site) -> None:
    connection = cli_connect(site)
    QboConnection.objects.filter(pk=connection.pk).update(emulator_url="http://127.0.0.1:9")
    out = StringIO()
    call_command("qbo", "disconnect", "acme", stdout=out)
    stored = site.connection()
    assert stored.status == Status.DISCONNECTED and not stored.access_token_enc
    assert "did not confirm" in stored.last_error and "did not confirm" in out.getvalue()


def test_the_client_recovers_from_a_forced_expiry_through_a_refresh(site: Site) -> None:
    connection = cli_connect(site)
    knobs = httpx.put(
        f"{site.url}/_emulator/companies/{connection.realm_id}/knobs",
        json={"expire_tokens": True},
        timeout=10,
    )
    assert knobs.status_code == 200
    with httpx.Client() as http:
        client = QboClient(
            actions.endpoints_of(connection), ConnectionTokens(connection), http=http
        )
        assert client.company_info()["CompanyName"] == "Acme Association"
    stored = site.connection()
    assert stored.last_refresh_at is not None and stored.status == Status.CONNECTED


def test_a_refresh_token_past_its_life_needs_a_reconnect(site: Site) -> None:
    connection = cli_connect(site)
    later = httpx.put(f"{site.url}/_emulator/oauth", json={"clock_offset": 102 * 86400}, timeout=10)
    assert later.status_code == 200
    with pytest.raises(actions.ConnectionProblem, match="no longer accepts"):
        ConnectionTokens(connection).refresh()
    assert site.connection().status == Status.NEEDS_RECONNECT
