"""The seam between the client and wherever tokens live.

The client never stores tokens. It asks a `TokenSource` for the current access
token before each call, and calls `refresh()` once when QuickBooks answers 401.
`memberbooks.connections` implements it over the encrypted, row-locked
connection record; tests may implement it over the emulator's control API.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Endpoints:
    """Where a QuickBooks environment lives (Intuit production, sandbox, or the emulator)."""

    api_base: str  # e.g. https://quickbooks.api.intuit.com (the client appends /v3/company/...)
    authorize_url: str
    token_url: str
    revoke_url: str


class TokenSource(Protocol):
    realm_id: str

    def access_token(self) -> str:
        """A bearer token valid for at least the next minute (refreshing first if needed)."""
        ...

    def refresh(self) -> str:
        """Refresh now (after a 401) and return the new access token."""
        ...
