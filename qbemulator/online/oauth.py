"""Intuit's OAuth 2.0 server: discovery, authorize (consent page), token, revoke; bearer checks.
(Stub: the OAuth work fills this in.)
"""

from typing import Any

from qbemulator.online.http import Request, Response, Route
from qbemulator.online.state import Emulator

ROUTES: list[Route] = []


def authenticate(request: Request, emulator: Emulator, realm_id: str) -> Response | None:
    """None when the bearer token is valid for `realm_id`; otherwise the real 401 response."""
    return None


def issue_tokens(emulator: Emulator, realm_id: str, client_id: str) -> dict[str, Any]:
    """A fresh token pair for `realm_id`, in the token endpoint's response shape."""
    raise NotImplementedError
