"""What a checked file would write: one plan per kind, and what it adds up to.

The checkers in `checks.py` build these; `writer.py` carries them out.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from memberbooks.imports.schema import GLAccountRow, MemberRow
from memberbooks.ledger.models import GLAccount, Invoice, Member
from memberbooks.ledger.money import ZERO


def span(first_row: int, last_row: int) -> str:
    """Rows in words: row 4, or rows 4-6."""
    return f"row {first_row}" if first_row == last_row else f"rows {first_row}-{last_row}"


@dataclass
class Summary:
    created: dict[str, int]
    totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class RowsPlan[T]:
    kind: str
    rows: list[T]

    def summary(self) -> Summary:
        return Summary({self.kind.replace("-", "_"): len(self.rows)})


@dataclass(slots=True)
class Line:
    row: int
    gl_account: str
    description: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(slots=True)
class InvoiceGroup:
    number: str
    member_number: str
    date: dt.date
    due_date: dt.date | None
    source: str
    first_row: int
    last_row: int
    total: Decimal
    lines: list[Line]

    def rows(self) -> str:
        return span(self.first_row, self.last_row)


@dataclass
class InvoicePlan:
    groups: list[InvoiceGroup]
    members: dict[str, Member]
    accounts: dict[str, GLAccount]

    def summary(self) -> Summary:
        return Summary(
            {"invoices": len(self.groups), "invoice_lines": sum(len(g.lines) for g in self.groups)},
            {"invoiced": sum((g.total for g in self.groups), ZERO)},
        )


@dataclass(slots=True)
class ApplicationRow:
    row: int
    invoice_number: str
    amount: Decimal


@dataclass(slots=True)
class PaymentGroup:
    ref: str
    member_number: str
    date: dt.date
    amount: Decimal
    method: str
    reference: str
    deposit_account: str
    first_row: int
    last_row: int
    applied: Decimal
    applications: list[ApplicationRow]

    def rows(self) -> str:
        return span(self.first_row, self.last_row)


@dataclass
class PaymentPlan:
    groups: list[PaymentGroup]
    members: dict[str, Member]
    accounts: dict[str, GLAccount]
    invoices: dict[str, Invoice]

    def summary(self) -> Summary:
        return Summary(
            {
                "payments": len(self.groups),
                "applications": sum(len(g.applications) for g in self.groups),
            },
            {
                "received": sum((g.amount for g in self.groups), ZERO),
                "applied": sum((g.applied for g in self.groups), ZERO),
            },
        )


Plan = RowsPlan[GLAccountRow] | RowsPlan[MemberRow] | InvoicePlan | PaymentPlan
