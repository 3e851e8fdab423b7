"""A connected organisation with books, over a real emulator on loopback."""

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command

from memberbooks.connections.actions import connection_for
from memberbooks.connections.clients import client_for
from memberbooks.quickbooks.online.client import QboClient
from memberbooks.quickbooks.online.wire import JsonDict
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role
from tests.books import Books
from tests.connections.conftest import Site, emulator_url, site  # noqa: F401  (fixtures)


@dataclass
class Connected:
    books: Books
    client: QboClient
    site: Site

    @property
    def actor(self) -> Actor:
        return self.books.actor

    @property
    def viewer(self) -> Actor:
        return Actor(self.books.org, Role.VIEWER, "viewer")

    def customer(self, name: str, **extra: object) -> JsonDict:
        return self.client.create("Customer", {"DisplayName": name, **extra})

    def find(self, entity: str, name: str) -> JsonDict:
        return next(iter(self.client.query_all(entity, [("Name", "=", name)])))


@pytest.fixture
def qb(site: Site) -> Iterator[Connected]:  # noqa: F811
    out = StringIO()
    call_command("qbo", "connect", "acme", "--emulator", site.url, "--auto-approve", stdout=out)
    connection = connection_for(site.org)
    assert connection is not None
    client = client_for(connection)
    yield Connected(Books(site.org), client, site)
    client.http.close()
