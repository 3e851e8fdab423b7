"""Fixtures: memberbooks' QBO client against the project's QuickBooks emulator.

In-process over httpx's WSGI transport by default; `loopback` starts the emulator's
real HTTP server on a free port. Tokens come from the emulator's control API
(`EmulatorTokens`), the test double at the `TokenSource` seam.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from memberbooks.quickbooks.online.client import QboClient
from memberbooks.quickbooks.online.tokens import Endpoints
from qbemulator.online.app import make_app
from qbemulator.online.server import base_url, serve, stop
from qbemulator.online.state import Emulator

BASE = "http://qbo.test"


def endpoints(base: str) -> Endpoints:
    return Endpoints(
        api_base=base,
        authorize_url=f"{base}/connect/oauth2",
        token_url=f"{base}/oauth2/v1/tokens/bearer",
        revoke_url=f"{base}/v2/oauth2/tokens/revoke",
    )


@dataclass
class EmulatorTokens:
    """A TokenSource over the emulator's control API: a fresh pair on every refresh."""

    http: httpx.Client
    realm_id: str
    token: str = ""
    refreshes: int = 0

    def access_token(self) -> str:
        if not self.token:
            self.token = self._issue()
        return self.token

    def refresh(self) -> str:
        self.refreshes += 1
        self.token = self._issue()
        return self.token

    def _issue(self) -> str:
        answer = self.http.post(
            f"/_emulator/companies/{self.realm_id}/tokens", json={"client_id": "tests"}
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])


@dataclass
class Qbo:
    """One emulated company and a way to make clients for it."""

    emulator: Emulator
    http: httpx.Client
    base: str
    realm: str
    sleeps: list[float] = field(default_factory=list)

    def tokens(self) -> EmulatorTokens:
        return EmulatorTokens(self.http, self.realm)

    def client(self, **options: Any) -> QboClient:
        """A client with a recording fake sleep unless `sleep` is given."""
        options.setdefault("sleep", self.sleeps.append)
        options.setdefault("rng", random.Random(7))
        return QboClient(endpoints(self.base), self.tokens(), http=self.http, **options)

    def knobs(self, **values: Any) -> None:
        self.http.put(f"/_emulator/companies/{self.realm}/knobs", json=values).raise_for_status()

    def rows(self, entity: str) -> dict[str, dict[str, Any]]:
        """What the emulated company holds (read directly, as the inspection pages do)."""
        company = self.emulator.company(self.realm)
        assert company is not None
        return company.table(entity)


def new_company(http: httpx.Client, name: str = "Riverside Chamber") -> str:
    answer = http.post("/_emulator/companies", json={"name": name})
    answer.raise_for_status()
    return str(answer.json()["realmId"])


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def qbo(emulator: Emulator) -> Iterator[Qbo]:
    transport = httpx.WSGITransport(app=make_app(emulator, BASE))
    with httpx.Client(transport=transport, base_url=BASE) as http:
        yield Qbo(emulator, http, BASE, new_company(http))


@pytest.fixture
def loopback(emulator: Emulator) -> Iterator[Qbo]:
    server, thread = serve(emulator, "127.0.0.1", 0)
    url = base_url(server)
    try:
        with httpx.Client(base_url=url) as http:
            yield Qbo(emulator, http, url, new_company(http))
    finally:
        stop(server, thread)
