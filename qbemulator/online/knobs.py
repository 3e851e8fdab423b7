"""Realism knobs: latency, throttles, random faults, commit-then-fail, forced token expiry.
(Stub: the knobs work fills this in.)
"""

from qbemulator.online.http import Request, Response
from qbemulator.online.state import Company, Emulator


def gate(request: Request, emulator: Emulator, company: Company) -> Response | None:
    """Before an API call is handled: a throttle, latency or injected fault may answer instead."""
    return None


def lose_response(company: Company) -> bool:
    """After a write committed: True when the knobs say the response must be lost."""
    return False
