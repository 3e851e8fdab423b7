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

The sums run in one SQL statement over integer cents, so the report is exact
and fast on SQLite and PostgreSQL alike.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import connection

from memberbooks.ledger.models import Application, CreditMemo, Invoice, Member, Payment, Refund
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


def _open_invoices_sql() -> str:
    """Open balance in cents per live invoice as of %(as_of)s, with its member and due date."""
    invoice, application = Invoice._meta.db_table, Application._meta.db_table
    return f"""
        SELECT i.id AS invoice_id, i.member_id, i.due_date,
               i.total - COALESCE(a.applied, 0) AS open_cents
        FROM {invoice} i
        LEFT JOIN (
            SELECT invoice_id, SUM(amount) AS applied
            FROM {application}
            WHERE organisation_id = %(org)s AND applied_on <= %(as_of)s
              AND (unapplied_on IS NULL OR unapplied_on > %(as_of)s)
            GROUP BY invoice_id
        ) a ON a.invoice_id = i.id
        WHERE i.organisation_id = %(org)s AND i.date <= %(as_of)s
          AND (i.voided_on IS NULL OR i.voided_on > %(as_of)s)
    """  # noqa: S608 - table names come from model metadata, values are parameters


def _bucket_sql(member_filter: str) -> str:
    return f"""
        SELECT o.member_id,
          SUM(CASE WHEN o.due_date >= %(as_of)s THEN o.open_cents ELSE 0 END),
          SUM(CASE WHEN o.due_date < %(as_of)s AND o.due_date >= %(d30)s THEN o.open_cents ELSE 0 END),
          SUM(CASE WHEN o.due_date < %(d30)s AND o.due_date >= %(d60)s THEN o.open_cents ELSE 0 END),
          SUM(CASE WHEN o.due_date < %(d60)s AND o.due_date >= %(d90)s THEN o.open_cents ELSE 0 END),
          SUM(CASE WHEN o.due_date < %(d90)s THEN o.open_cents ELSE 0 END)
        FROM ({_open_invoices_sql()}) o
        WHERE o.open_cents <> 0 {member_filter}
        GROUP BY o.member_id
    """  # noqa: S608


def _credit_sql(member_filter: str) -> str:
    """Unapplied rest of payments and credit memos per member as of %(as_of)s, in cents."""
    application, refund = Application._meta.db_table, Refund._meta.db_table
    parts = []
    for model, amount_col, fk in (
        (Payment, "amount", "payment_id"),
        (CreditMemo, "total", "credit_memo_id"),
    ):
        parts.append(f"""
            SELECT d.member_id, d.{amount_col} - COALESCE(a.applied, 0) - COALESCE(r.refunded, 0) AS rest
            FROM {model._meta.db_table} d
            LEFT JOIN (
                SELECT {fk} AS doc_id, SUM(amount) AS applied FROM {application}
                WHERE organisation_id = %(org)s AND {fk} IS NOT NULL AND applied_on <= %(as_of)s
                  AND (unapplied_on IS NULL OR unapplied_on > %(as_of)s)
                GROUP BY {fk}
            ) a ON a.doc_id = d.id
            LEFT JOIN (
                SELECT {fk} AS doc_id, SUM(amount) AS refunded FROM {refund}
                WHERE organisation_id = %(org)s AND {fk} IS NOT NULL AND date <= %(as_of)s
                GROUP BY {fk}
            ) r ON r.doc_id = d.id
            WHERE d.organisation_id = %(org)s AND d.date <= %(as_of)s
              AND (d.voided_on IS NULL OR d.voided_on > %(as_of)s)
        """)  # noqa: S608
    union = " UNION ALL ".join(parts)
    return f"""
        SELECT c.member_id, SUM(c.rest) FROM ({union}) c
        WHERE c.rest <> 0 {member_filter}
        GROUP BY c.member_id
    """  # noqa: S608


def aging(organisation: Organisation, as_of: dt.date, member: Member | None = None) -> AgingReport:
    """Aging of every member with an open balance or credit as of `as_of` (or of one member)."""
    params: dict[str, int | str] = {
        "org": organisation.pk,
        "as_of": as_of.isoformat(),
        "d30": (as_of - dt.timedelta(days=30)).isoformat(),
        "d60": (as_of - dt.timedelta(days=60)).isoformat(),
        "d90": (as_of - dt.timedelta(days=90)).isoformat(),
    }
    member_filter = ""
    if member is not None:
        params["member"] = member.pk
        member_filter = "AND member_id = %(member)s"
    rows: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_bucket_sql(member_filter), params)
        for member_id, *cents in cursor.fetchall():
            rows[member_id] = [int(c) for c in cents] + [0]
        cursor.execute(_credit_sql(member_filter), params)
        for member_id, credit in cursor.fetchall():
            rows.setdefault(member_id, [0] * len(BUCKETS) + [0])[-1] = int(credit)
    names = {
        m["pk"]: m
        for m in Member.objects.filter(organisation=organisation, pk__in=list(rows)).values(
            "pk", "member_number", "first_name", "last_name", "company"
        )
    }
    report_rows = []
    for member_id, cents in rows.items():
        info = names[member_id]
        name = " ".join(p for p in (info["first_name"], info["last_name"]) if p) or info["company"]
        report_rows.append(
            AgingRow(
                member_id=member_id,
                member_number=info["member_number"],
                name=name,
                buckets={
                    bucket: from_cents(c) for bucket, c in zip(BUCKETS, cents[:-1], strict=True)
                },
                credit=from_cents(cents[-1]),
            )
        )
    report_rows.sort(key=lambda row: (row.name.lower(), row.member_number))
    return AgingReport(as_of=as_of, rows=report_rows)


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


def open_items(organisation: Organisation, member: Member, as_of: dt.date) -> list[OpenItem]:
    """The member's invoices with an open balance as of `as_of`, oldest first."""
    params: dict[str, int | str] = {
        "org": organisation.pk,
        "as_of": as_of.isoformat(),
        "member": member.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.invoice_id, o.open_cents FROM ({_open_invoices_sql()}) o "  # noqa: S608
            "WHERE o.open_cents <> 0 AND o.member_id = %(member)s",
            params,
        )
        open_cents = dict(cursor.fetchall())
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
