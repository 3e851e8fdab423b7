"""Fixtures: a real QBO emulator on a loopback port, users of each role, and a connect helper."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client

from memberbooks.connections.models import QboConnection
from memberbooks.tenancy.actions import add_user, create_organisation
from memberbooks.tenancy.models import Organisation, Role
from qbemulator.online.server import base_url, serve, stop
from qbemulator.online.state import Emulator

PASSWORD = "a-long-enough-password-1"
CALLBACK = "http://testserver/quickbooks/callback/"


@pytest.fixture
def emulator_url(settings: Any) -> Iterator[str]:
    """A fresh emulator over real HTTP; the site's QuickBooks environment points at it."""
    server, thread = serve(Emulator(), "127.0.0.1", 0)
    url = base_url(server)
    settings.QBO_ENVIRONMENT = "emulator"
    settings.QBO_EMULATOR_URL = url
    settings.QBO_REDIRECT_URI = CALLBACK
    settings.QBO_CLIENT_ID = ""
    settings.QBO_CLIENT_SECRET = ""
    yield url
    stop(server, thread)


@dataclass
class Site:
    org: Organisation
    url: str

    def client(self, role: Role, org: Organisation | None = None) -> Client:
        target = org or self.org
        username = f"{role.value}-{target.slug}"
        add_user(target, username, PASSWORD, role)
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        return client

    def connection(self) -> QboConnection:
        return QboConnection.objects.get(organisation=self.org)


@pytest.fixture
def site(emulator_url: str, transactional_db: None) -> Site:
    return Site(create_organisation("acme", "Acme Association"), emulator_url)


def authorize(client: Client, slug: str = "acme") -> str:
    """Press "Connect to the emulator" and follow the emulator's redirect: the callback URL."""
    response = client.post(f"/o/{slug}/quickbooks/connect/", {"emulator": "1"})
    assert response.status_code == 302, response.content
    at_emulator = httpx.get(response["Location"], follow_redirects=False, timeout=10)
    assert at_emulator.status_code in (302, 303), at_emulator.text
    location = at_emulator.headers["location"]
    assert location.startswith(CALLBACK)
    return location


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def connect_through_pages(client: Client, slug: str = "acme") -> QboConnection:
    response = client.get(callback_path(authorize(client, slug)))
    assert response.status_code == 302, response.content.decode()
    return QboConnection.objects.get(organisation__slug=slug)
