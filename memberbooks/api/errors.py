"""The API's one error shape, and the one place that turns exceptions into it.

Every refusal leaves the API as

    {"error": {"code": "...", "message": "...", "field": "..." | null, "fix": "..." | null}}

Views raise; they never build error JSON. `ApiError` carries the HTTP status;
`api_error_for()` maps everything else that can escape a handler (ledger
refusals, permission and tenancy checks, a unique-constraint race) to one.

Statuses:
    400  invalid input, or a body that names something this organisation lacks
    401  no credentials, or a token that is not valid
    403  the role is too low, or a session request failed its CSRF check
    404  the organisation or the document in the URL is not there (or not yours)
    405  the path exists but not with that method
    409  the request conflicts with the document's state: over-application,
         already voided, a void that is refused
"""

import json
from typing import ClassVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponse

from memberbooks.ledger.errors import (
    AlreadyVoided,
    InvalidInput,
    LedgerError,
    NotFound,
    OverApplication,
    VoidRefused,
)


class ApiError(Exception):
    """A refusal with its HTTP status; rendered by `error_response()`."""

    STATUSES: ClassVar[dict[type[LedgerError], int]] = {
        InvalidInput: 400,
        NotFound: 404,
        OverApplication: 409,
        AlreadyVoided: 409,
        VoidRefused: 409,
    }

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        fix: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.fix = fix
        self.headers = headers or {}

    @classmethod
    def invalid(cls, field: str | None, message: str, fix: str) -> "ApiError":
        return cls(400, "invalid_input", message, field=field, fix=fix)

    @classmethod
    def from_ledger(cls, exc: LedgerError) -> "ApiError":
        status = next((cls.STATUSES[k] for k in type(exc).__mro__ if k in cls.STATUSES), 400)
        return cls(status, exc.code, exc.message, field=exc.field, fix=exc.fix)

    def as_dict(self) -> dict[str, dict[str, str | None]]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "field": self.field,
                "fix": self.fix,
            }
        }


NO_SUCH_ORGANISATION = "No such organisation."

DEFAULT_FIXES = {
    404: "Check the organisation slug and the number in the URL.",
    409: "Read the document again (GET) and retry with what is open now.",
}


def org_not_found() -> ApiError:
    """The one answer for a missing organisation and for someone else's: they must not differ."""
    return ApiError(404, "not_found", NO_SUCH_ORGANISATION, fix=DEFAULT_FIXES[404])


def api_error_for(exc: Exception) -> ApiError | None:
    """The ApiError for an exception a handler may raise; None for a bug (a 500)."""
    if isinstance(exc, ApiError):
        error = exc
    elif isinstance(exc, LedgerError):
        error = ApiError.from_ledger(exc)
    elif isinstance(exc, PermissionDenied):
        error = ApiError(403, "forbidden", str(exc) or "Your role does not allow this.")
    elif isinstance(exc, Http404):
        error = org_not_found()
    elif isinstance(exc, IntegrityError):
        error = ApiError(409, "conflict", "The change clashes with one saved at the same time.")
    else:
        return None
    if error.fix is None:
        error.fix = DEFAULT_FIXES.get(error.status)
    return error


def error_response(error: ApiError) -> HttpResponse:
    response = json_response(error.as_dict(), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def json_response(data: object, status: int = 200) -> HttpResponse:
    """Serialise JSON-ready data (amounts already strings); anything else is a bug and raises."""
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )
