"""QuickBooks' fault bodies, with the real codes, messages and envelopes.

Raise `Fault` anywhere in a handler; the API turns it into the response QBO
would send. Two envelopes exist: the usual `{"Fault": {"Error": [...], "type": ...}, "time": ...}`
and the lower-case one of authentication failures (see `auth_fault`).
"""

import datetime as dt
from typing import Any

from qbemulator.online.http import Response


def qbo_time() -> str:
    """Timestamps as QBO writes them: local Pacific time with milliseconds and offset."""
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=-8)))
    return now.isoformat(timespec="milliseconds")


class Fault(Exception):
    """One or more QBO errors; `response()` is the HTTP answer."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str,
        *,
        element: str | None = None,
        fault_type: str = "ValidationFault",
        status: int = 400,
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code, self.message, self.detail = code, message, detail
        self.element, self.fault_type, self.status = element, fault_type, status

    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element is not None:
            error["element"] = self.element
        return error

    def body(self) -> dict[str, Any]:
        return {"Fault": {"Error": [self.error()], "type": self.fault_type}, "time": qbo_time()}

    def response(self) -> Response:
        return Response.json(self.body(), self.status)
