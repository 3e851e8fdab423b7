"""The SQL behind the aging report, in two directions that give the same figures.

For a document dated on or before the as-of date D and not voided by D:

    open at D   = total  - (applications live on D)
    credit at D = amount - (applications live on D) - (refunds dated on or before D)

where an application is live on D if `applied_on <= D` and it was not taken off
by D (`unapplied_on` empty or after D). A void ends a document's applications
on the void date (ADR 0002), so a document voided after D simply counts in full
with its applications of that time.

**Forward** sums that from the start: every document dated by D, minus every
application and refund dated by D. Its cost grows with the history before D.

**Back** starts from the running totals the actions keep on each document
(`amount_applied`, `amount_refunded`: what is applied *now*) and undoes the
events after D:

    applied on D = applied now - (live now, applied after D) + (applied by D, taken off after D)

so it reads only the documents open now (the partial indexes hold exactly
those) and the events after D. For the usual question, "as of a recent date",
that is a small part of the ledger. Its cost grows with the activity after D.

`cheaper_direction` counts the applications on each side of D (two index range
counts) and goes forward only when most of them come after D. The Hypothesis property test runs both
directions against a row-by-row recomputation at every date that matters.

Every amount is integer cents; every SUM is cast back to an integer so both
databases hand Python plain ints.
"""

import datetime as dt
from typing import Literal

from memberbooks.ledger.models import Application, CreditMemo, Invoice, Member, Payment, Refund
from memberbooks.tenancy.models import Organisation

Direction = Literal["forward", "back"]

# Table names come from model metadata and values are always bound parameters,
# hence the S608 waivers below.
APPLICATION, INVOICE, REFUND = (m._meta.db_table for m in (Application, Invoice, Refund))
SOURCES = (
    (Payment._meta.db_table, "amount", "payment_id"),
    (CreditMemo._meta.db_table, "total", "credit_memo_id"),
)
LIVE_ON_D = "unapplied_on IS NULL OR unapplied_on > %(as_of)s"


def params(organisation: Organisation, as_of: dt.date) -> dict[str, int | str]:
    return {
        "org": organisation.pk,
        "as_of": as_of.isoformat(),
        "d30": (as_of - dt.timedelta(days=30)).isoformat(),
        "d60": (as_of - dt.timedelta(days=60)).isoformat(),
        "d90": (as_of - dt.timedelta(days=90)).isoformat(),
    }


def cheaper_direction(organisation: Organisation, as_of: dt.date) -> Direction:
    """Back from now unless more than three quarters of the applications are dated after `as_of`.

    Back also reads every document open now, so forward only wins for dates
    near the start of the books (measured in docs/benchmarks.md).
    """
    applications = Application.objects.filter(organisation=organisation)
    after = applications.filter(applied_on__gt=as_of).count()
    before = applications.filter(applied_on__lte=as_of).count()
    return "forward" if after > 3 * before else "back"


def _live_on_d(alias: str, one_member: bool) -> str:
    """The document exists on D: dated by then and not yet voided (and is %(member)s's, if asked)."""
    member = f" AND {alias}.member_id = %(member)s" if one_member else ""
    return (
        f"{alias}.organisation_id = %(org)s AND {alias}.date <= %(as_of)s"
        f" AND ({alias}.voided_on IS NULL OR {alias}.voided_on > %(as_of)s){member}"
    )


def _events_after_d() -> str:
    """`events`: the application events after D, as cents to add back to both of their documents."""
    return f"""
        WITH events AS MATERIALIZED (
            SELECT invoice_id, payment_id, credit_memo_id, amount AS delta FROM {APPLICATION}
            WHERE organisation_id = %(org)s AND applied_on > %(as_of)s AND unapplied_on IS NULL
            UNION ALL
            SELECT invoice_id, payment_id, credit_memo_id, -amount FROM {APPLICATION}
            WHERE organisation_id = %(org)s AND unapplied_on > %(as_of)s AND applied_on <= %(as_of)s
        )
    """  # noqa: S608


def _invoice_parts(direction: Direction, one_member: bool) -> str:
    """(invoice_id, member_id, due_date, cents) rows whose sum per invoice is its open balance on D."""
    if direction == "back":
        return f"""
            SELECT i.id AS invoice_id, i.member_id, i.due_date, i.total - i.amount_applied AS cents
            FROM {INVOICE} i WHERE i.amount_applied < i.total AND {_live_on_d("i", one_member)}
            UNION ALL
            SELECT i.id, i.member_id, i.due_date, e.delta
            FROM events e JOIN {INVOICE} i ON i.id = e.invoice_id WHERE {_live_on_d("i", one_member)}
        """  # noqa: S608
    return f"""
        SELECT i.id AS invoice_id, i.member_id, i.due_date, i.total AS cents
        FROM {INVOICE} i WHERE {_live_on_d("i", one_member)}
        UNION ALL
        SELECT i.id, i.member_id, i.due_date, -a.amount
        FROM {APPLICATION} a JOIN {INVOICE} i ON i.id = a.invoice_id
        WHERE a.organisation_id = %(org)s AND a.applied_on <= %(as_of)s AND ({LIVE_ON_D}){
        " AND i.member_id = %(member)s" if one_member else ""
    }
    """  # noqa: S608


def _credit_parts(direction: Direction, one_member: bool) -> str:
    """(member_id, cents) rows whose sum per member is their unapplied payments and credits on D."""
    parts = []
    member = " AND d.member_id = %(member)s" if one_member else ""
    for table, amount, fk in SOURCES:
        if direction == "back":
            parts.append(f"""
                SELECT d.member_id, d.{amount} - d.amount_applied - d.amount_refunded AS cents
                FROM {table} d WHERE d.{amount} > d.amount_applied + d.amount_refunded AND {_live_on_d("d", one_member)}
                UNION ALL
                SELECT d.member_id, c.delta FROM (
                    SELECT {fk} AS doc_id, delta FROM events WHERE {fk} IS NOT NULL
                    UNION ALL
                    SELECT {fk}, amount FROM {REFUND}
                    WHERE organisation_id = %(org)s AND {fk} IS NOT NULL AND date > %(as_of)s
                ) c JOIN {table} d ON d.id = c.doc_id WHERE {_live_on_d("d", one_member)}
            """)  # noqa: S608
        else:
            parts.append(f"""
                SELECT d.member_id, d.{amount} AS cents FROM {table} d WHERE {_live_on_d("d", one_member)}
                UNION ALL
                SELECT d.member_id, -a.amount FROM {APPLICATION} a JOIN {table} d ON d.id = a.{fk}
                WHERE a.organisation_id = %(org)s AND a.{fk} IS NOT NULL
                  AND a.applied_on <= %(as_of)s AND ({LIVE_ON_D}){member}
                UNION ALL
                SELECT d.member_id, -r.amount FROM {REFUND} r JOIN {table} d ON d.id = r.{fk}
                WHERE r.organisation_id = %(org)s AND r.{fk} IS NOT NULL AND r.date <= %(as_of)s{member}
            """)  # noqa: S608
    return " UNION ALL ".join(parts)


def _prefix(direction: Direction) -> str:
    return _events_after_d() if direction == "back" else ""


def report(direction: Direction, one_member: bool = False) -> str:
    """One row per member with anything open or in credit: id, number, names, five buckets, credit."""
    bucket = "CAST(SUM(CASE WHEN {} THEN p.cents ELSE 0 END) AS BIGINT)"
    return f"""
        {_prefix(direction)}
        SELECT m.id, m.member_number, m.first_name, m.last_name, m.company,
               t.b0, t.b1, t.b2, t.b3, t.b4, t.credit
        FROM (
            SELECT p.member_id,
              {bucket.format("p.due_date >= %(as_of)s")} AS b0,
              {bucket.format("p.due_date < %(as_of)s AND p.due_date >= %(d30)s")} AS b1,
              {bucket.format("p.due_date < %(d30)s AND p.due_date >= %(d60)s")} AS b2,
              {bucket.format("p.due_date < %(d60)s AND p.due_date >= %(d90)s")} AS b3,
              {bucket.format("p.due_date < %(d90)s")} AS b4,
              CAST(SUM(p.credit) AS BIGINT) AS credit
            FROM (
                SELECT o.member_id, o.due_date, o.cents, 0 AS credit FROM ({_invoice_parts(direction, one_member)}) o
                UNION ALL
                SELECT c.member_id, NULL, 0, c.cents FROM ({_credit_parts(direction, one_member)}) c
            ) p
            GROUP BY p.member_id
        ) t JOIN {Member._meta.db_table} m ON m.id = t.member_id
        WHERE t.b0 <> 0 OR t.b1 <> 0 OR t.b2 <> 0 OR t.b3 <> 0 OR t.b4 <> 0 OR t.credit <> 0
    """  # noqa: S608


def open_items(direction: Direction) -> str:
    """(invoice_id, open cents) of %(member)s's invoices on D; zero rows are dropped by the caller."""
    return f"""
        {_prefix(direction)}
        SELECT o.invoice_id, CAST(SUM(o.cents) AS BIGINT)
        FROM ({_invoice_parts(direction, one_member=True)}) o
        GROUP BY o.invoice_id
    """  # noqa: S608
