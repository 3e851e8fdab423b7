"""`memberbooks qbo connect ORG` without a browser: it prints the URL and waits for the callback page."""

import threading
import time
from io import StringIO

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db_connection

from memberbooks.connections.models import Status
from memberbooks.tenancy.models import Role
from tests.connections.conftest import Site, callback_path


def _printed_url(out: StringIO) -> str:
    for _ in range(200):
        for line in out.getvalue().splitlines():
            if line.startswith("http"):
                return line
        time.sleep(0.05)
    raise AssertionError(out.getvalue())


def test_connect_prints_the_url_and_finishes_when_the_callback_page_completes_it(
    site: Site,
) -> None:
    out = StringIO()
    failures: list[BaseException] = []

    def command() -> None:
        try:
            call_command("qbo", "connect", "acme", "--timeout", "30", stdout=out)
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            db_connection.close()

    thread = threading.Thread(target=command)
    thread.start()
    url = _printed_url(out)
    # the operator opens the URL in a browser and approves (the emulator's auto-approve here)
    at_emulator = httpx.get(
        url + "&auto_approve=1&company=Acme+Association", follow_redirects=False, timeout=10
    )
    location = at_emulator.headers["location"]
    bookkeeper = site.client(Role.BOOKKEEPER)
    assert bookkeeper.get(callback_path(location)).status_code == 403
    admin = site.client(Role.ADMIN)
    assert admin.get(callback_path(location)).status_code == 302
    thread.join(timeout=30)
    assert failures == []
    assert "Connected acme to Acme Association" in out.getvalue()
    assert site.connection().status == Status.CONNECTED


def test_connect_gives_up_after_the_timeout(site: Site) -> None:
    with pytest.raises(CommandError, match="No answer from QuickBooks within 1 seconds"):
        call_command("qbo", "connect", "acme", "--timeout", "1", stdout=StringIO())


def test_unknown_organisation_and_auto_approve_without_emulator(site: Site) -> None:
    with pytest.raises(CommandError, match="memberbooks org create nope"):
        call_command("qbo", "status", "nope")
    with pytest.raises(CommandError, match="only with --emulator"):
        call_command("qbo", "connect", "acme", "--auto-approve")
