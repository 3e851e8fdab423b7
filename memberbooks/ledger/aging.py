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
on SQLite and PostgreSQL alike. How it stays fast is explained above the SQL.
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


# --- the SQL ----------------------------------------------------------------------------------
#
# Working back from now. The documents keep running totals of what is applied
# and refunded *now*; the state on an earlier date D differs from it only by the
# events dated after D. So, for a document dated on or before D and not voided
# by D:
#
#   applied at D  = applied now - (live now, applied after D) + (applied by D, taken off after D)
#   open at D     = total - applied now + (live now, applied after D) - (applied by D, taken off after D)
#   credit at D   = amount - applied now - refunded now + (same two corrections) + (refunds after D)
#
# A void ends a document's applications on the void date (ADR 0002), so a
# document voided after D is counted from its own total with the corrections
# putting its applications back. The report therefore reads only the documents
# open now (partial indexes hold exactly those) and the events after D, not
# every application ever made: for the usual question, "as of a recent date",
# that is a small fraction of the ledger. The Hypothesis property test checks
# this against a row-by-row recomputation at every date that matters.


def _with_events_sql() -> str:
    """`events`: every application event after %(as_of)s, as cents to add back to both documents.

    Computed once and read three times (for invoices, payments and credit memos).
    """
    application = Application._meta.db_table
    return f"""
        WITH events AS MATERIALIZED (
            SELECT invoice_id, payment_id, credit_memo_id, amount AS delta FROM {application}
            WHERE organisation_id = %(org)s AND applied_on > %(as_of)s AND unapplied_on IS NULL
            UNION ALL
            SELECT invoice_id, payment_id, credit_memo_id, -amount FROM {application}
            WHERE organisation_id = %(org)s AND unapplied_on > %(as_of)s AND applied_on <= %(as_of)s
        )
    """  # noqa: S608 - table names come from model metadata, values are parameters


def _open_invoice_parts_sql() -> str:
    """(invoice, member, due date, cents) parts whose sum per invoice is its open balance at %(as_of)s.

    Reads the `events` of `_with_events_sql()`, which must come first in the statement.
    """
    invoice = Invoice._meta.db_table
    live_at = "i.organisation_id = %(org)s AND i.date <= %(as_of)s AND (i.voided_on IS NULL OR i.voided_on > %(as_of)s)"
    return f"""
        SELECT i.id AS invoice_id, i.member_id, i.due_date, i.total - i.amount_applied AS cents
        FROM {invoice} i
        WHERE i.amount_applied < i.total AND {live_at}
        UNION ALL
        SELECT i.id, i.member_id, i.due_date, e.delta
        FROM events e JOIN {invoice} i ON i.id = e.invoice_id
        WHERE {live_at}
    """  # noqa: S608


def _credit_parts_sql() -> str:
    """(member, cents) parts whose sum per member is their unapplied payments and credits at %(as_of)s."""
    refund = Refund._meta.db_table
    parts = []
    for model, amount, fk in (
        (Payment, "amount", "payment_id"),
        (CreditMemo, "total", "credit_memo_id"),
    ):
        table = model._meta.db_table
        live_at = "d.organisation_id = %(org)s AND d.date <= %(as_of)s AND (d.voided_on IS NULL OR d.voided_on > %(as_of)s)"
        parts.append(f"""
            SELECT d.member_id, d.{amount} - d.amount_applied - d.amount_refunded AS cents
            FROM {table} d
            WHERE d.{amount} > d.amount_applied + d.amount_refunded AND {live_at}
            UNION ALL
            SELECT d.member_id, c.delta
            FROM (
                SELECT {fk} AS doc_id, delta FROM events WHERE {fk} IS NOT NULL
                UNION ALL
                SELECT {fk}, amount FROM {refund}
                WHERE organisation_id = %(org)s AND {fk} IS NOT NULL AND date > %(as_of)s
            ) c JOIN {table} d ON d.id = c.doc_id
            WHERE {live_at}
        """)  # noqa: S608
    return " UNION ALL ".join(parts)


def _report_sql(member_filter: str) -> str:
    """One row per member with anything open or in credit: number, names, five buckets, credit."""
    member = Member._meta.db_table
    return f"""
        {_with_events_sql()}
        SELECT m.id, m.member_number, m.first_name, m.last_name, m.company, t.b0, t.b1, t.b2, t.b3, t.b4, t.credit
        FROM (
            SELECT p.member_id,
              CAST(SUM(CASE WHEN p.due_date >= %(as_of)s THEN p.cents ELSE 0 END) AS BIGINT) AS b0,
              CAST(SUM(CASE WHEN p.due_date < %(as_of)s AND p.due_date >= %(d30)s THEN p.cents ELSE 0 END) AS BIGINT) AS b1,
              CAST(SUM(CASE WHEN p.due_date < %(d30)s AND p.due_date >= %(d60)s THEN p.cents ELSE 0 END) AS BIGINT) AS b2,
              CAST(SUM(CASE WHEN p.due_date < %(d60)s AND p.due_date >= %(d90)s THEN p.cents ELSE 0 END) AS BIGINT) AS b3,
              CAST(SUM(CASE WHEN p.due_date < %(d90)s THEN p.cents ELSE 0 END) AS BIGINT) AS b4,
              CAST(SUM(p.credit) AS BIGINT) AS credit
            FROM (
                SELECT o.member_id, o.due_date, o.cents, 0 AS credit FROM ({_open_invoice_parts_sql()}) o
                UNION ALL
                SELECT c.member_id, NULL, 0, c.cents FROM ({_credit_parts_sql()}) c
            ) p
            WHERE 1 = 1 {member_filter}
            GROUP BY p.member_id
        ) t JOIN {member} m ON m.id = t.member_id
        WHERE t.b0 <> 0 OR t.b1 <> 0 OR t.b2 <> 0 OR t.b3 <> 0 OR t.b4 <> 0 OR t.credit <> 0
    """  # noqa: S608


def _params(organisation: Organisation, as_of: dt.date) -> dict[str, int | str]:
    return {
        "org": organisation.pk,
        "as_of": as_of.isoformat(),
        "d30": (as_of - dt.timedelta(days=30)).isoformat(),
        "d60": (as_of - dt.timedelta(days=60)).isoformat(),
        "d90": (as_of - dt.timedelta(days=90)).isoformat(),
    }


def _money(cents: int) -> Decimal:
    return ZERO if not cents else from_cents(cents)


def aging(organisation: Organisation, as_of: dt.date, member: Member | None = None) -> AgingReport:
    """Aging of every member with an open balance or credit as of `as_of` (or of one member)."""
    params = _params(organisation, as_of)
    member_filter = ""
    if member is not None:
        params["member"] = member.pk
        member_filter = "AND p.member_id = %(member)s"
    with connection.cursor() as cursor:
        cursor.execute(_report_sql(member_filter), params)
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


def open_items(organisation: Organisation, member: Member, as_of: dt.date) -> list[OpenItem]:
    """The member's invoices with an open balance as of `as_of`, oldest first."""
    params = _params(organisation, as_of) | {"member": member.pk}
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_with_events_sql()} SELECT o.invoice_id, CAST(SUM(o.cents) AS BIGINT) FROM ({_open_invoice_parts_sql()}) o "  # noqa: S608
            "WHERE o.member_id = %(member)s GROUP BY o.invoice_id",
            params,
        )
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
