"""What goes in and out of the API, as shapes (see `schema.py`).

Documents are named by their numbers everywhere: a member by `member_number`, a
GL account by its `number`, invoices and payments by `number`. Database ids
never appear, so they cannot be probed.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Literal

from memberbooks.api.schema import Alias, Column, Money, Quantity, Range
from memberbooks.ledger import models as ledger

InvoiceStatus = Literal["open", "paid", "void"]
ONE = Quantity(Decimal(1))

MemberNumber = Annotated[str, Column(ledger.Member, "member_number")]
GLNumber = Annotated[str, Column(ledger.GLAccount, "number")]
InvoiceNumber = Annotated[str, Column(ledger.Invoice, "number")]


# --- query strings ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Paging:
    page: Annotated[int, Range(1, 1_000_000), "Page number, from 1."] = 1
    page_size: Annotated[int, Range(1, 200), "Rows per page (default 50, at most 200)."] = 50


@dataclass(frozen=True, kw_only=True)
class MemberQuery(Paging):
    search: Annotated[
        str,
        "Words that must each match a member number (exactly), a first or last name or "
        "email (start), or a company (anywhere).",
    ] = ""


@dataclass(frozen=True, kw_only=True)
class DocumentQuery(Paging):
    member: Annotated[MemberNumber | None, "Only this member's documents."] = None
    date_from: Annotated[dt.date | None, Alias("from"), "Dated on or after this day."] = None
    date_to: Annotated[dt.date | None, Alias("to"), "Dated on or before this day."] = None


@dataclass(frozen=True, kw_only=True)
class InvoiceQuery(DocumentQuery):
    status: Annotated[
        InvoiceStatus | None,
        "open: something left to pay; paid: nothing left; void: voided.",
    ] = None


@dataclass(frozen=True, kw_only=True)
class AgingQuery:
    as_of: Annotated[dt.date | None, "Report date (default: today)."] = None


# --- request bodies ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MemberChanges:
    """Fields to change on a member; leave a field out (or send null) to keep it."""

    first_name: Annotated[str | None, Column(ledger.Member, "first_name")] = None
    last_name: Annotated[str | None, Column(ledger.Member, "last_name")] = None
    company: Annotated[str | None, Column(ledger.Member, "company")] = None
    email: Annotated[str | None, Column(ledger.Member, "email")] = None
    phone: Annotated[str | None, Column(ledger.Member, "phone")] = None
    address: Annotated[str | None, Column(ledger.Member, "address")] = None
    city: Annotated[str | None, Column(ledger.Member, "city")] = None
    state: Annotated[str | None, Column(ledger.Member, "state")] = None
    postal_code: Annotated[str | None, Column(ledger.Member, "postal_code")] = None
    status: ledger.MemberStatus | None = None


@dataclass(frozen=True, kw_only=True)
class NewMember(MemberChanges):
    """A new member: a number unique in the organisation, and a name or a company."""

    member_number: MemberNumber


@dataclass(frozen=True, kw_only=True)
class NewGLAccount:
    number: GLNumber
    name: Annotated[str, Column(ledger.GLAccount, "name")]
    kind: ledger.GLAccountKind


@dataclass(frozen=True, kw_only=True)
class NewLine:
    gl_account: Annotated[GLNumber, "Number of an income (or other) GL account."]
    unit_price: Money
    quantity: Quantity = ONE
    description: Annotated[str, Column(ledger.InvoiceLine, "description")] = ""


@dataclass(frozen=True, kw_only=True)
class NewInvoice:
    """An invoice to post. Its total is the sum of the lines (quantity x unit price, rounded)."""

    member_number: MemberNumber
    date: dt.date
    lines: list[NewLine]
    due_date: Annotated[dt.date | None, "Default: 30 days after the date."] = None
    number: Annotated[InvoiceNumber, "Default: the next free INV-000123."] = ""
    source: ledger.InvoiceSource = ledger.InvoiceSource.DUES
    memo: Annotated[str, Column(ledger.Invoice, "memo")] = ""


@dataclass(frozen=True, kw_only=True)
class NewApplication:
    invoice_number: InvoiceNumber
    amount: Money


@dataclass(frozen=True, kw_only=True)
class NewPayment:
    """Money received; applied to the listed invoices, the rest is member credit."""

    member_number: MemberNumber
    date: dt.date
    amount: Money
    deposit_account: Annotated[GLNumber, "Number of the GL account the money went into."]
    method: ledger.PaymentMethod = ledger.PaymentMethod.CHECK
    reference: Annotated[str, Column(ledger.Payment, "reference")] = ""
    number: Annotated[str, Column(ledger.Payment, "number"), "Default: the next PMT-000123."] = ""
    applications: list[NewApplication] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Applying:
    """Apply a payment's unapplied rest to invoices."""

    applications: list[NewApplication]
    date: Annotated[
        dt.date | None, "Applied on (default: the later of payment and invoice date)."
    ] = None


@dataclass(frozen=True, kw_only=True)
class Voiding:
    """Void a document on a date, for a reason; the record stays."""

    date: dt.date
    reason: Annotated[str, Column(ledger.Invoice, "void_reason")]


# --- responses --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Member:
    member_number: str
    first_name: str
    last_name: str
    company: str
    email: str
    phone: str
    address: str
    city: str
    state: str
    postal_code: str
    status: ledger.MemberStatus


@dataclass(frozen=True, kw_only=True)
class MemberDetail(Member):
    """A member, with what they owe now: open invoices less unapplied payments and credits."""

    balance: Money


@dataclass(frozen=True, kw_only=True)
class GLAccount:
    number: str
    name: str
    kind: ledger.GLAccountKind
    active: bool


@dataclass(frozen=True, kw_only=True)
class Invoice:
    number: str
    member_number: str
    member_name: str
    date: dt.date
    due_date: dt.date
    source: ledger.InvoiceSource
    memo: str
    total: Money
    amount_applied: Money
    open_balance: Money
    status: InvoiceStatus
    voided_on: dt.date | None
    void_reason: str


@dataclass(frozen=True, kw_only=True)
class InvoiceLine:
    position: int
    gl_account: str
    description: str
    quantity: Quantity
    unit_price: Money
    amount: Money


@dataclass(frozen=True, kw_only=True)
class Application:
    """Part of a payment or credit memo applied to an invoice, from `applied_on` until `unapplied_on`."""

    invoice_number: str
    payment_number: str | None
    credit_memo_number: str | None
    amount: Money
    applied_on: dt.date
    unapplied_on: dt.date | None


@dataclass(frozen=True, kw_only=True)
class InvoiceDetail(Invoice):
    lines: list[InvoiceLine]
    applications: list[Application]


@dataclass(frozen=True, kw_only=True)
class Payment:
    number: str
    member_number: str
    member_name: str
    date: dt.date
    method: ledger.PaymentMethod
    reference: str
    amount: Money
    deposit_account: str
    amount_applied: Money
    amount_refunded: Money
    unapplied: Money
    voided_on: dt.date | None
    void_reason: str


@dataclass(frozen=True, kw_only=True)
class PaymentDetail(Payment):
    applications: list[Application]
