"""SQLite experiment: aging that reads only documents not settled by the as-of date.

Not run by `make bench`. Evidence for the SQLite option in docs/benchmarks.md ("The
proposed change"): on a copy of the aging fixture (var/bench/aging-settled.sqlite3) it adds a
`settled_on` date to invoices, payments and credit memos (the day the document's open amount
became zero for good, its void date, or 9999-12-31 while still open), covering indexes, and
times the two aging statements rewritten to read `settled_on > as_of` rows only, after checking
they return exactly what the current statements return.

    python bench/bench_aging.py --backend sqlite    # builds the fixture once
    python bench/aging_settled_on.py
"""

import datetime as dt
import re
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

common.use_database(common.sqlite_url("aging"))

from memberbooks.ledger import aging as A  # noqa: E402

source, copy = common.BENCH_VAR / "aging.sqlite3", common.BENCH_VAR / "aging-settled.sqlite3"
if not copy.exists():
    shutil.copyfile(source, copy)
con = sqlite3.connect(copy)
ORG = con.execute("SELECT id FROM tenancy_organisation WHERE slug = 'bench-aging'").fetchone()[0]
cols = [r[1] for r in con.execute("PRAGMA table_info(ledger_invoice)")]
if "settled_on" not in cols:
    t = time.perf_counter()
    for table in ("ledger_invoice", "ledger_payment", "ledger_creditmemo"):
        con.execute(f"ALTER TABLE {table} ADD COLUMN settled_on date")
    con.execute("""UPDATE ledger_invoice SET settled_on = CASE
        WHEN voided_on IS NOT NULL THEN voided_on
        WHEN amount_applied = total THEN COALESCE((SELECT MAX(MAX(a.applied_on), COALESCE(MAX(a.unapplied_on), ''))
             FROM ledger_application a WHERE a.invoice_id = ledger_invoice.id), date)
        ELSE '9999-12-31' END""")
    for table, amount, fk in (
        ("ledger_payment", "amount", "payment_id"),
        ("ledger_creditmemo", "total", "credit_memo_id"),
    ):
        con.execute(f"""UPDATE {table} SET settled_on = CASE
            WHEN voided_on IS NOT NULL THEN voided_on
            WHEN {amount} = amount_applied + amount_refunded THEN MAX(date,
                 COALESCE((SELECT MAX(a.applied_on) FROM ledger_application a WHERE a.{fk} = {table}.id), ''),
                 COALESCE((SELECT MAX(a.unapplied_on) FROM ledger_application a WHERE a.{fk} = {table}.id), ''),
                 COALESCE((SELECT MAX(r.date) FROM ledger_refund r WHERE r.{fk} = {table}.id), ''))
            ELSE '9999-12-31' END""")
        con.execute(
            f"CREATE INDEX x_{table}_settled ON {table}(organisation_id, settled_on, date, voided_on, member_id, {amount})"
        )
    for fk in ("invoice_id", "payment_id", "credit_memo_id"):
        con.execute(
            f"CREATE INDEX x_app_{fk} ON ledger_application({fk}, applied_on, unapplied_on, amount)"
        )
    con.execute(
        "CREATE INDEX x_inv_settled ON ledger_invoice(organisation_id, settled_on, date, voided_on, member_id, due_date, total)"
    )
    con.commit()
    print("settled_on computed", round(time.perf_counter() - t, 1), "s")

LIVE = "{a}.applied_on <= :as_of AND ({a}.unapplied_on IS NULL OR {a}.unapplied_on > :as_of)"
BUCKET = f"""
WITH o AS MATERIALIZED (
  SELECT i.member_id, i.due_date, i.total - COALESCE((SELECT SUM(a.amount) FROM ledger_application a
         WHERE a.invoice_id = i.id AND {LIVE.format(a="a")}), 0) AS open_cents
  FROM ledger_invoice i
  WHERE i.organisation_id = :org AND i.settled_on > :as_of AND i.date <= :as_of
    AND (i.voided_on IS NULL OR i.voided_on > :as_of))
SELECT o.member_id,
  SUM(CASE WHEN o.due_date >= :as_of THEN o.open_cents ELSE 0 END),
  SUM(CASE WHEN o.due_date < :as_of AND o.due_date >= :d30 THEN o.open_cents ELSE 0 END),
  SUM(CASE WHEN o.due_date < :d30 AND o.due_date >= :d60 THEN o.open_cents ELSE 0 END),
  SUM(CASE WHEN o.due_date < :d60 AND o.due_date >= :d90 THEN o.open_cents ELSE 0 END),
  SUM(CASE WHEN o.due_date < :d90 THEN o.open_cents ELSE 0 END)
FROM o WHERE o.open_cents <> 0 GROUP BY o.member_id"""
parts = []
for table, amount, fk in (
    ("ledger_payment", "amount", "payment_id"),
    ("ledger_creditmemo", "total", "credit_memo_id"),
):
    parts.append(f"""
  SELECT d.member_id, d.{amount}
    - COALESCE((SELECT SUM(a.amount) FROM ledger_application a WHERE a.{fk} = d.id AND {LIVE.format(a="a")}), 0)
    - COALESCE((SELECT SUM(r.amount) FROM ledger_refund r WHERE r.{fk} = d.id AND r.date <= :as_of), 0) AS rest
  FROM {table} d
  WHERE d.organisation_id = :org AND d.settled_on > :as_of AND d.date <= :as_of
    AND (d.voided_on IS NULL OR d.voided_on > :as_of)""")
CREDIT = f"WITH c AS MATERIALIZED ({' UNION ALL '.join(parts)}) SELECT c.member_id, SUM(c.rest) FROM c WHERE c.rest <> 0 GROUP BY c.member_id"


def q(sql):
    return re.sub(r"%\((\w+)\)s", r":\1", sql)


def params(d):
    return {
        "org": ORG,
        "as_of": d.isoformat(),
        **{f"d{n}": (d - dt.timedelta(days=n)).isoformat() for n in (30, 60, 90)},
    }


def t(sql, d, runs=5):
    s = []
    rows = None
    for _ in range(runs):
        st = time.perf_counter()
        rows = con.execute(sql, params(d)).fetchall()
        s.append(time.perf_counter() - st)
    return statistics.median(s), sorted(rows)


END = dt.date(2026, 6, 30)
for d in (END, END - dt.timedelta(days=182), END - dt.timedelta(days=395)):
    b, br = t(q(A._bucket_sql("")), d, 3)
    c, cr = t(q(A._credit_sql("")), d, 3)
    b2, br2 = t(BUCKET, d)
    c2, cr2 = t(CREDIT, d)
    print(
        f"{d} current statements {b:.3f}+{c:.3f}={b + c:.3f}s | settled_on {b2:.3f}+{c2:.3f}={b2 + c2:.3f}s | identical={br == br2 and cr == cr2}"
    )
