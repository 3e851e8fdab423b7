"""Measure a proposed faster aging() against the current one, on the aging benchmark's data.

Not run by `make bench`: this is the evidence behind the change proposed in
docs/benchmarks.md ("Aging: where the time goes"). It copies the SQL of the
proposal here, so memberbooks/ledger/aging.py stays untouched until the change
is made there. The candidate must give byte-identical `as_json()` output at
every date measured, or the script stops.

The candidate differs from `memberbooks.ledger.aging.aging` in three ways:
1. one statement instead of two: invoice totals, live applications (joined to
   their invoice for member and due date), payments, credit memos and refunds
   are summed per member in a single pass (UNION ALL, GROUP BY member), instead
   of first grouping the applications per invoice and per payment and joining
   those groups back;
2. the names of the report's members are read in one query over the
   organisation's members, instead of `pk__in=[...]` with one bound parameter
   per member in the report (48,000 here; SQLite builds limited to 32,766
   variables would refuse that query);
3. cents become Decimal only when they are not zero (most buckets are zero).

Step 1 relies on rules the ledger actions already enforce: a void ends the
document's live applications on the void date, a refunded document cannot be
voided, an application is dated on or after both documents, and a payment is
applied only to its own member's invoices.

    python bench/aging_candidates.py --backend sqlite|postgres [--runs 5]
"""

import argparse
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "aging_candidates"

COMBINED_SQL = """
    SELECT x.member_id,
      SUM(CASE WHEN x.due_date >= %(as_of)s THEN x.ar ELSE 0 END),
      SUM(CASE WHEN x.due_date < %(as_of)s AND x.due_date >= %(d30)s THEN x.ar ELSE 0 END),
      SUM(CASE WHEN x.due_date < %(d30)s AND x.due_date >= %(d60)s THEN x.ar ELSE 0 END),
      SUM(CASE WHEN x.due_date < %(d60)s AND x.due_date >= %(d90)s THEN x.ar ELSE 0 END),
      SUM(CASE WHEN x.due_date < %(d90)s THEN x.ar ELSE 0 END),
      SUM(x.credit)
    FROM (
      SELECT i.member_id, i.due_date, i.total AS ar, 0 AS credit
      FROM ledger_invoice i
      WHERE i.organisation_id = %(org)s AND i.date <= %(as_of)s
        AND (i.voided_on IS NULL OR i.voided_on > %(as_of)s)
      UNION ALL
      SELECT i.member_id, i.due_date, -a.amount, -a.amount
      FROM ledger_application a JOIN ledger_invoice i ON i.id = a.invoice_id
      WHERE a.organisation_id = %(org)s AND a.applied_on <= %(as_of)s
        AND (a.unapplied_on IS NULL OR a.unapplied_on > %(as_of)s)
      UNION ALL
      SELECT p.member_id, NULL, 0, p.amount FROM ledger_payment p
      WHERE p.organisation_id = %(org)s AND p.date <= %(as_of)s
        AND (p.voided_on IS NULL OR p.voided_on > %(as_of)s)
      UNION ALL
      SELECT c.member_id, NULL, 0, c.total FROM ledger_creditmemo c
      WHERE c.organisation_id = %(org)s AND c.date <= %(as_of)s
        AND (c.voided_on IS NULL OR c.voided_on > %(as_of)s)
      UNION ALL
      SELECT r.member_id, NULL, 0, -r.amount FROM ledger_refund r
      WHERE r.organisation_id = %(org)s AND r.date <= %(as_of)s
    ) x
    GROUP BY x.member_id
    HAVING SUM(x.ar) <> 0 OR SUM(x.credit) <> 0
"""


def candidate(organisation: Any, as_of: dt.date) -> Any:
    from django.db import connection

    from memberbooks.ledger.aging import BUCKETS, AgingReport, AgingRow
    from memberbooks.ledger.models import Member
    from memberbooks.ledger.money import ZERO

    def money(cents: int) -> Decimal:
        return ZERO if cents == 0 else Decimal(int(cents)).scaleb(-2)

    params = {"org": organisation.pk, "as_of": as_of.isoformat()}
    params |= {f"d{n}": (as_of - dt.timedelta(days=n)).isoformat() for n in (30, 60, 90)}
    with connection.cursor() as cursor:
        cursor.execute(COMBINED_SQL, params)
        sums = {member_id: [int(c) for c in cents] for member_id, *cents in cursor.fetchall()}
    names = {
        pk: rest
        for pk, *rest in Member.objects.filter(organisation=organisation)
        .values_list("pk", "member_number", "first_name", "last_name", "company")
        .iterator(chunk_size=5000)
    }
    rows = []
    for member_id, cents in sums.items():
        number, first, last, company = names[member_id]
        rows.append(
            AgingRow(
                member_id=member_id,
                member_number=number,
                name=" ".join(p for p in (first, last) if p) or company,
                buckets={b: money(c) for b, c in zip(BUCKETS, cents[:-1], strict=True)},
                credit=money(cents[-1]),
            )
        )
    rows.sort(key=lambda row: (row.name.lower(), row.member_number))
    return AgingReport(as_of=as_of, rows=rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    common.use_database(common.database_url(args.backend, "aging"))

    import aging_fixture
    from bench_aging import as_of_dates

    from memberbooks.ledger.aging import aging

    sizes = aging_fixture.Sizes()
    org = aging_fixture.ensure(sizes)
    results = []
    for label, as_of in as_of_dates():
        if candidate(org, as_of).as_json() != aging(org, as_of).as_json():
            raise SystemExit(f"The candidate differs from aging() as of {as_of}; not measuring.")
        for case, fn in (("current aging()", aging), ("candidate", candidate)):
            fn(org, as_of)
            result = common.Result(NAME, f"{case} as of {label}, warm", args.backend, sizes.label)
            result.samples = common.measure(lambda f=fn, d=as_of: f(org, d), args.runs)
            results.append(result)
    common.print_results(results)
    common.write_results(NAME, results)


if __name__ == "__main__":
    main()
