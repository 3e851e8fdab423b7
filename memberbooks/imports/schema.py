"""The four kinds of file, their columns, and how one row becomes a typed record.

A row parser reads only its own row: it checks each cell's format and the
rules that need nothing but that row (a due date not before the date, an
application with both an invoice and an amount). Whatever needs other rows or
the database is in `checks.py`.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TypeVar

from django.db import models

from memberbooks.imports import fields
from memberbooks.imports.errors import ErrorList
from memberbooks.ledger.actions import MEMBER_FIELDS
from memberbooks.ledger.models import (
    GLAccount,
    GLAccountKind,
    Invoice,
    InvoiceLine,
    InvoiceSource,
    Member,
    Payment,
    PaymentMethod,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Kind:
    """One kind of import file: its name on the command line and its columns."""

    name: str
    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    one_of: tuple[str, ...] = ()  # the header needs at least one of these optional columns

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


GL_ACCOUNTS = Kind("gl-accounts", "GL accounts", ("number", "name", "kind"), ())
NAME_COLUMNS = ("first_name", "last_name", "company")
MEMBERS = Kind("members", "Members", ("member_number",), MEMBER_FIELDS, one_of=NAME_COLUMNS)
INVOICES = Kind(
    "invoices",
    "Invoices (one row per line)",
    ("invoice_number", "member_number", "date", "gl_account", "unit_price"),
    ("due_date", "source", "description", "quantity"),
)
PAYMENTS = Kind(
    "payments",
    "Payments (one row per application)",
    ("payment_ref", "member_number", "date", "amount", "deposit_account"),
    ("method", "reference", "invoice_number", "applied_amount"),
)
KINDS = {kind.name: kind for kind in (GL_ACCOUNTS, MEMBERS, INVOICES, PAYMENTS)}


@cache
def max_length(model: type[models.Model], name: str) -> int:
    length = model._meta.get_field(name).max_length  # type: ignore[union-attr]
    assert isinstance(length, int)
    return length


GL_KIND = fields.Choice(
    GLAccountKind, synonyms={"ar": "receivable", "bank": "deposit", "revenue": "income"}
)
SOURCE = fields.Choice(InvoiceSource, default=InvoiceSource.DUES.value)
METHOD = fields.Choice(
    PaymentMethod,
    default=PaymentMethod.CHECK.value,
    synonyms={"cheque": "check", "credit": "card", "eft": "ach", "bank": "ach"},
)


class DateLog:
    """Slash dates of one file, to refuse the ambiguous ones if the file turns out day-first."""

    def __init__(self) -> None:
        self.ambiguous: list[tuple[int, str, str]] = []
        self.day_first: tuple[int, str] | None = None

    def report(self, errors: ErrorList) -> None:
        if self.day_first is None:
            return
        row, value = self.day_first
        for ambiguous_row, column, text in self.ambiguous:
            errors.add(
                ambiguous_row,
                column,
                text,
                f"This date is ambiguous: row {row} has {value}, which can only be day/month/year, "
                "so this file may be written day-first. Write every date in the file as YYYY-MM-DD.",
            )


class Cells:
    """One row's cells by column name; each failed parse is reported and marks the row bad."""

    def __init__(self, row: int, values: dict[str, str], errors: ErrorList, dates: DateLog) -> None:
        self.row = row
        self.values = values
        self.errors = errors
        self.dates = dates
        self.ok = True

    def raw(self, column: str) -> str:
        return self.values.get(column, "")

    def fail(self, column: str, message: str, value: str | None = None) -> None:
        self.ok = False
        self.errors.add(self.row, column, self.raw(column) if value is None else value, message)

    def get(self, column: str, parse: Callable[[str], T]) -> T | None:
        try:
            return parse(self.raw(column))
        except fields.Invalid as exc:
            self.fail(column, exc.message)
            return None

    def text(self, column: str, model: type[models.Model], field: str, empty: str = "") -> str:
        length = max_length(model, field)
        return self.get(column, lambda value: fields.text(value, length, empty=empty)) or ""

    def date(self, column: str, *, optional: bool = False) -> dt.date | None:
        raw = self.raw(column)
        if optional and not raw.strip():
            return None
        try:
            parsed = fields.date(raw)
        except fields.DayFirst as exc:
            if self.dates.day_first is None:
                self.dates.day_first = (self.row, raw.strip())
            self.fail(column, exc.message)
            return None
        except fields.Invalid as exc:
            self.fail(column, exc.message)
            return None
        if parsed.ambiguous:
            self.dates.ambiguous.append((self.row, column, raw.strip()))
        return parsed.date


# --- typed rows -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GLAccountRow:
    row: int
    number: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class MemberRow:
    row: int
    member_number: str
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class InvoiceLineRow:
    row: int
    invoice_number: str
    member_number: str
    date: dt.date
    due_date: dt.date | None
    source: str
    gl_account: str
    description: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class PaymentRow:
    row: int
    payment_ref: str
    member_number: str
    date: dt.date
    amount: Decimal
    method: str
    reference: str
    deposit_account: str
    invoice_number: str
    applied_amount: Decimal | None


# --- row parsers ------------------------------------------------------------------------------


def parse_gl_account(cells: Cells) -> GLAccountRow | None:
    number = cells.text("number", GLAccount, "number", "The account number is empty.")
    name = cells.text("name", GLAccount, "name", "The account name is empty.")
    kind = cells.get("kind", GL_KIND)
    if not cells.ok or kind is None:
        return None
    return GLAccountRow(cells.row, number, name, kind)


def parse_member(cells: Cells) -> MemberRow | None:
    number = cells.text(
        "member_number",
        Member,
        "member_number",
        "The member number is empty; every member needs one.",
    )
    values = {}
    email_length = max_length(Member, "email")
    for column in MEMBER_FIELDS:
        if column not in cells.values:
            continue
        if column == "email":
            values[column] = (
                cells.get(column, lambda value: fields.email(value, email_length)) or ""
            )
        else:
            values[column] = cells.text(column, Member, column)
    if cells.ok and not any(values.get(column) for column in NAME_COLUMNS):
        cells.fail(
            ", ".join(NAME_COLUMNS),
            "A member needs a first name, a last name or a company; all are empty.",
            value="",
        )
    if not cells.ok:
        return None
    return MemberRow(cells.row, number, values)


def parse_invoice_line(cells: Cells) -> InvoiceLineRow | None:
    number = cells.text(
        "invoice_number", Invoice, "number", "The invoice number is empty; every line needs one."
    )
    member_number = cells.text(
        "member_number", Member, "member_number", "The member number is empty."
    )
    date = cells.date("date")
    due_date = cells.date("due_date", optional=True)
    source = cells.get("source", SOURCE)
    gl_account = cells.text("gl_account", GLAccount, "number", "The GL account is empty.")
    description = cells.text("description", InvoiceLine, "description")
    quantity = cells.get("quantity", fields.quantity)
    unit_price = cells.get("unit_price", lambda value: fields.amount(value, allow_zero=True))
    if date is not None and due_date is not None and due_date < date:
        cells.fail(
            "due_date",
            f"The due date is before the invoice date ({date.isoformat()}); "
            "leave it empty for 30 days after the date.",
        )
    if not cells.ok or date is None or source is None or quantity is None or unit_price is None:
        return None
    return InvoiceLineRow(
        cells.row,
        number,
        member_number,
        date,
        due_date,
        source,
        gl_account,
        description,
        quantity,
        unit_price,
    )


def parse_payment(cells: Cells) -> PaymentRow | None:
    ref = cells.text(
        "payment_ref", Payment, "number", "The payment reference is empty; every row needs one."
    )
    member_number = cells.text(
        "member_number", Member, "member_number", "The member number is empty."
    )
    date = cells.date("date")
    amount = cells.get("amount", fields.amount)
    method = cells.get("method", METHOD)
    reference = cells.text("reference", Payment, "reference")
    deposit = cells.text("deposit_account", GLAccount, "number", "The deposit account is empty.")
    invoice_number = cells.text("invoice_number", Invoice, "number")
    applied: Decimal | None = None
    if cells.raw("applied_amount").strip():
        applied = cells.get("applied_amount", fields.amount)
        if applied is not None and not invoice_number:
            cells.fail(
                "invoice_number",
                "The invoice number is empty, but applied_amount is filled in; "
                "say which invoice the amount goes to, or clear applied_amount.",
            )
    elif invoice_number:
        cells.fail(
            "applied_amount",
            f"The applied amount is empty; say how much of the payment goes to invoice {invoice_number}.",
        )
    if not cells.ok or date is None or amount is None or method is None:
        return None
    return PaymentRow(
        cells.row,
        ref,
        member_number,
        date,
        amount,
        method,
        reference,
        deposit,
        invoice_number,
        applied,
    )
