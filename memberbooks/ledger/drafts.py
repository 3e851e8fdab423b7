"""Input records for the ledger's actions.

A draft is what a page form, an API body, a CLI argument list or an import row
becomes before the action checks and writes it. Drafts refer to members and GL
accounts by instance; callers resolve them with the organisation-scoped lookups
in `queries.py`.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from memberbooks.ledger.models import GLAccount, Invoice, Member


@dataclass(frozen=True)
class MemberDraft:
    member_number: str
    values: dict[str, str] = field(default_factory=dict)  # first_name, last_name, company, ...


@dataclass(frozen=True)
class LineDraft:
    gl_account: GLAccount
    unit_price: Decimal
    quantity: Decimal = Decimal("1")
    description: str = ""


@dataclass(frozen=True)
class InvoiceDraft:
    member: Member
    date: dt.date
    lines: list[LineDraft]
    due_date: dt.date | None = None
    number: str = ""
    source: str = "dues"
    memo: str = ""


@dataclass(frozen=True)
class ApplicationDraft:
    invoice: Invoice
    amount: Decimal


@dataclass(frozen=True)
class PaymentDraft:
    member: Member
    date: dt.date
    amount: Decimal
    deposit_account: GLAccount
    method: str = "check"
    reference: str = ""
    number: str = ""
    applications: list[ApplicationDraft] = field(default_factory=list)


@dataclass(frozen=True)
class CreditMemoDraft:
    member: Member
    date: dt.date
    lines: list[LineDraft]
    number: str = ""
    memo: str = ""
    applications: list[ApplicationDraft] = field(default_factory=list)
