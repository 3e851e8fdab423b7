"""See qbemulator/online/__init__.py."""

from qbemulator.online.http import Route

ROUTES: list[Route] = []
