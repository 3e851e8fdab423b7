"""The accounts-receivable aging report, as of any date.

Historical: a document counts if it is dated on or before the as-of date, and a
void or an application counts only from its own date. So re-running the report
for a past date gives the same figures it gave on that date, whatever was
entered since.

The open balance of an invoice as of D is its total minus the applications with
`applied_on <= D` that were not yet taken off (`unapplied_on` empty or after D),
and zero if it was voided on or before D. Days past due are D minus the due
date: 0 or less is current, then 1-30, 31-60, 61-90 and over 90.

Unapplied payments and credits are reported beside it as member credit (QuickBooks
shows them inside AR as negative amounts; `net` is that figure).

The sums run in one SQL statement over integer cents (`aging_sql.py`, which
also explains how it stays fast), so the report is exact on SQLite and
PostgreSQL alike.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import connection

from memberbooks.ledger import aging_sql
from memberbooks.ledger.aging_sql import Direction
from memberbooks.ledger.models import Invoice, Member
from memberbooks.ledger.money import ZERO, from_cents
from memberbooks.tenancy.models import Organisation

BUCKETS = ("current", "1-30", "31-60", "61-90", "over-90")


@dataclass
class AgingRow:
    member_id: int
    member_number: str
    name: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, ZERO))
    credit: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def net(self) -> Decimal:
        return self.total - self.credit


@dataclass
class AgingReport:
    """The report; its totals are summed once, on first use (rows are not changed after)."""

    as_of: dt.date
    rows: list[AgingRow]

    @cached_property
    def buckets(self) -> dict[str, Decimal]:
        return {name: sum((row.buckets[name] for row in self.rows), ZERO) for name in BUCKETS}

    @cached_property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)

    @cached_property
    def credit(self) -> Decimal:
        return sum((row.credit for row in self.rows), ZERO)

    @property
    def net(self) -> Decimal:
        return self.total - self.credit

    def as_json(self) -> dict[str, object]:
        """The shape `memberbooks aging --json` and the API print; amounts are strings."""
        return {
            "as_of": self.as_of.isoformat(),
            "total": str(self.total),
            "buckets": {name: str(value) for name, value in self.buckets.items()},
            "unapplied_credit": str(self.credit),
            "net": str(self.net),
            "members": [
                {
                    "member_number": row.member_number,
                    "name": row.name,
                    "total": str(row.total),
                    **{name: str(value) for name, value in row.buckets.items()},
                    "unapplied_credit": str(row.credit),
                    "net": str(row.net),
                }
                for row in self.rows
            ],
        }


def _money(cents: int) -> Decimal:
    return ZERO if not cents else from_cents(cents)


def aging(
    organisation: Organisation,
    as_of: dt.date,
    member: Member | None = None,
    direction: Direction | None = None,
) -> AgingReport:
    """Aging of every member with an open balance or credit as of `as_of` (or of one member).

    `direction` is chosen by `aging_sql.cheaper_direction` unless given (tests run both).
    """
    params = aging_sql.params(organisation, as_of)
    if member is not None:
        params["member"] = member.pk
    direction = direction or aging_sql.cheaper_direction(organisation, as_of)
    with connection.cursor() as cursor:
        cursor.execute(aging_sql.report(direction, one_member=member is not None), params)
        fetched = cursor.fetchall()
    rows = []
    for member_id, number, first, last, company, *cents in fetched:
        rows.append(
            AgingRow(
                member_id=member_id,
                member_number=number,
                name=" ".join(p for p in (first, last) if p) or company,
                buckets={bucket: _money(c) for bucket, c in zip(BUCKETS, cents[:-1], strict=True)},
                credit=_money(cents[-1]),
            )
        )
    rows.sort(key=lambda row: (row.name.lower(), row.member_number))
    return AgingReport(as_of=as_of, rows=rows)


@dataclass(frozen=True)
class OpenItem:
    """One invoice open as of the report date (the aging drill-down)."""

    invoice_id: int
    number: str
    date: dt.date
    due_date: dt.date
    total: Decimal
    open_balance: Decimal
    days_past_due: int
    bucket: str


def bucket_for(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "over-90"


def open_items(
    organisation: Organisation, member: Member, as_of: dt.date, direction: Direction | None = None
) -> list[OpenItem]:
    """The member's invoices with an open balance as of `as_of`, oldest first."""
    params = aging_sql.params(organisation, as_of) | {"member": member.pk}
    direction = direction or aging_sql.cheaper_direction(organisation, as_of)
    with connection.cursor() as cursor:
        cursor.execute(aging_sql.open_items(direction), params)
        open_cents = {pk: cents for pk, cents in cursor.fetchall() if cents}
    items = []
    for invoice in Invoice.objects.filter(
        organisation=organisation, pk__in=list(open_cents)
    ).order_by("due_date", "number"):
        days = (as_of - invoice.due_date).days
        items.append(
            OpenItem(
                invoice_id=invoice.pk,
                number=invoice.number,
                date=invoice.date,
                due_date=invoice.due_date,
                total=invoice.total,
                open_balance=from_cents(open_cents[invoice.pk]),
                days_past_due=max(days, 0),
                bucket=bucket_for(days),
            )
        )
    return items
