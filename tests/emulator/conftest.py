"""Fixtures for the QuickBooks Online emulator: in-process over httpx's WSGI transport.

The emulator is a plain WSGI app, so these tests need no database and no socket;
tests that need real HTTP start `serve()` on a free loopback port.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from qbemulator.online.app import make_app
from qbemulator.online.state import Emulator

BASE = "http://qbo.test"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference" / "qbo"


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def client(emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=httpx.WSGITransport(app=make_app(emulator, BASE)), base_url=BASE
    ) as http:
        yield http


@pytest.fixture
def fixtures_dir() -> Path:
    """Intuit's recorded responses in ../shared (read there, never copied into the repo)."""
    folder = SHARED / "fixtures"
    if not folder.is_dir():
        pytest.skip(f"the recorded QBO fixtures are not at {folder} (../shared is absent)")
    return folder
