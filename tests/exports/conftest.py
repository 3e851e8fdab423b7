"""The connections fixtures (a real emulator over loopback, `site`) for the AR tests here."""

from tests.connections.conftest import emulator_url, site

__all__ = ["emulator_url", "site"]
