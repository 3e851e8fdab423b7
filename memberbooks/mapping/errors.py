"""Refusals of the mapping actions: LedgerError subclasses, so every caller renders them alike."""

from memberbooks.ledger.errors import LedgerError
from memberbooks.quickbooks.online.errors import QboError


class MappingRefused(LedgerError):
    """The link or mapping asked for would be wrong (already linked, inactive, wrong kind)."""

    code = "mapping_refused"


class NotConnected(LedgerError):
    code = "not_connected"


class QuickBooksRefused(LedgerError):
    """QuickBooks answered with an error; the bookkeeper's words and fix come from its advice."""

    code = "quickbooks_refused"

    @classmethod
    def of(cls, error: QboError, field: str | None = None) -> "QuickBooksRefused":
        return cls(f"{error.message_for_bookkeeper} ({error})", field=field, fix=error.fix)
