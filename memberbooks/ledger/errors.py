"""Errors raised by ledger actions.

    LedgerError                 every refusal; carries code, field and a fix
    ├── InvalidInput            a value is missing, malformed or out of range
    ├── NotFound                a referenced member/account/document is not in this organisation
    ├── OverApplication         more applied or refunded than is open or available
    ├── AlreadyVoided           the document was voided before
    └── VoidRefused             the document cannot be voided as asked (date, refunds)

An action either completes or raises one of these with nothing written. Pages,
API, CLI and import render `message`, `field` and `fix` as they are.
"""


class LedgerError(Exception):
    code = "ledger_error"

    def __init__(self, message: str, *, field: str | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.fix = fix

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field, "fix": self.fix}

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{text} ({self.fix})" if self.fix else text


class InvalidInput(LedgerError):
    code = "invalid_input"


class NotFound(LedgerError):
    code = "not_found"


class OverApplication(LedgerError):
    code = "over_application"


class AlreadyVoided(LedgerError):
    code = "already_voided"


class VoidRefused(LedgerError):
    code = "void_refused"
