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


# The fault constructors below carry the exact codes and messages of api.md §8.

_INACTIVE = (
    "Something you're trying to use has been made inactive. "
    "Check the fields with accounts, customers, items, vendors or employees."
)


def duplicate_name() -> Fault:
    return Fault("6240", "Duplicate Name Exists Error", "The name supplied already exists. : null")


def object_not_found(detail: str = "Another user has deleted this transaction.") -> Fault:
    return Fault("610", "Object Not Found", f"Object Not Found : {detail}")


def made_inactive() -> Fault:
    return object_not_found(_INACTIVE)


def invalid_reference(what: str = "") -> Fault:
    detail = f"Invalid Reference Id : {_INACTIVE}"
    return Fault("2500", "Invalid Reference Id", detail, element=what or None)


def stale_object() -> Fault:
    return Fault(
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and QuickBooks were working on this at the same time. "
        "QuickBooks finished before you did, so your work was not saved.",
    )


def required_param(name: str) -> Fault:
    return Fault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        element=name,
    )


def invalid_property(name: str, entity: str, known: list[str]) -> Fault:
    listed = ", ".join(f'"{field}"' for field in known)
    return Fault(
        "2010",
        "Request has invalid or unsupported property",
        f'Property Name:Unrecognized field "{name}" (class com.intuit.schema.finance.v3.{entity}), '
        f"not marked as ignorable ({len(known)} known properties: {listed}])\n"
        " specified is unsupported or invalid",
    )


def invalid_id(value: str) -> Fault:
    return Fault(
        "2030", "Invalid ID", f"Id should be a valid number. Supplied value:{value}", element="Id"
    )


def duplicate_doc_number(doc: str, txn_type: str, txn_id: str) -> Fault:
    return Fault(
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. "
        f"This number has already been used. DocNumber={doc} is assigned to "
        f"TxnType={txn_type} with TxnId={txn_id}",
    )


def period_closed() -> Fault:
    return Fault(
        "6210",
        "Account Period Closed",
        "The accounting period has closed and the account books cannot be updated "
        "through the QuickBooks Services API. Please use the QuickBooks application "
        "to update the accounting period.",
    )


def business(detail: str) -> Fault:
    return Fault(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
    )


def amount_mismatch(value: str) -> Fault:
    return Fault(
        "6070",
        "Amount calculation incorrect in the request",
        f"Amount is not equal to Qty * UnitPrice. Supplied value:{value}",
    )


def illegal_number(field: str, value: object) -> Fault:
    return Fault(
        "2080", "Illegal number format", f"Illegal number format: {field}={value}", element=field
    )


def unsupported_operation(detail: str) -> Fault:
    return Fault("500", "Unsupported Operation", f"Operation {detail} is not supported.")


def deposited() -> Fault:
    return Fault(
        "6540",
        "Deposited Transaction cannot be changed",
        "This transaction has been deposited. If you want to change or delete it, "
        "you must first edit the deposit it appears on and remove it.",
    )


def batch_too_large() -> Fault:
    return Fault("1040", "Batch size exceeds allowed limit", "Batch size exceeds allowed limit: 30")


def invalid_request(detail: str) -> Fault:
    return Fault(
        "2020", "Required param missing, need to supply the required value for the API", detail
    )
