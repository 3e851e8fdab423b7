"""A connected organisation (real emulator over loopback) with linked members and mapped GLs."""

from tests.connections.conftest import emulator_url, site
from tests.mapping.conftest import qb

__all__ = ["emulator_url", "qb", "site"]
