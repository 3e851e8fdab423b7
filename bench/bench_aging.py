"""Benchmark: the AR aging report over 50,000 members, 1,000,000 invoice lines, 500,000 payments.

What is measured is `memberbooks.ledger.aging.aging(organisation, as_of)`, the
function behind the aging page, the API and `memberbooks aging`, at three
as-of dates (the last day of the data, six months and thirteen months before),
on SQLite and on PostgreSQL. The target is under 2 s per report.

- cold: the first report on a fresh database connection (Django's connection is
  closed before each run, so SQLite's page cache and PostgreSQL's backend start
  empty; the operating system's file cache is not dropped);
- warm: the same report again on the same connection.

The fixture rows are written by `bench/aging_fixture.py`, a bench-only bulk
loader (SQLite executemany, PostgreSQL COPY), because loading that much through
the ledger actions would take hours. It is cached: var/bench/aging.sqlite3 and
the PostgreSQL database mb_bench are reused while the sizes stay the same.
PostgreSQL is ANALYZEd after loading (autovacuum would do so in production);
SQLite is not (Django never runs ANALYZE, so a real SQLite database has no
statistics unless someone adds them).

When a median is over the target, the script times each of the report's SQL
statements alone and prints their query plans (EXPLAIN QUERY PLAN on SQLite,
EXPLAIN ANALYZE on PostgreSQL), so the slow one is named.

    python bench/bench_aging.py                      # both databases
    python bench/bench_aging.py --backend sqlite --runs 7
    python bench/bench_aging.py --members 5000 --lines 100000 --payments 50000   # a quick look
"""

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

TARGET_SECONDS = 2.0
NAME = "aging"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case")
    parser.add_argument("--explain", action="store_true", help="print query plans even if fast")
    return parser.parse_args()


def sqlite_name(args: argparse.Namespace) -> str:
    default = (args.members, args.lines, args.payments) == (50_000, 1_000_000, 500_000)
    return "aging" if default else f"aging-{args.members}-{args.lines}-{args.payments}"


def main() -> None:
    args = parse()
    if args.backend == "both":
        argv = [a for a in sys.argv[1:] if not a.startswith("--backend")]
        for backend in ("sqlite", "postgres"):
            print(f"\n== {backend} ==", flush=True)
            subprocess.run([sys.executable, __file__, "--backend", backend, *argv], check=True)  # noqa: S603
        return
    if args.backend == "postgres":
        common.ensure_pg_database()
    common.use_database(common.database_url(args.backend, sqlite_name(args)))
    run(args)


def run(args: argparse.Namespace) -> None:
    import aging_fixture
    from django.db import connection

    from memberbooks.ledger.aging import aging

    common.migrate()
    sizes = aging_fixture.Sizes(args.members, args.lines, args.payments)
    org = aging_fixture.ensure(sizes)
    results, slow = [], []
    for label, as_of in as_of_dates():
        report = aging(org, as_of)
        data = f"{sizes.label}; {len(report.rows):,} members in the report"
        cold = common.Result(NAME, f"aging as of {label}, cold", args.backend, data)
        cold.samples = common.measure(lambda d=as_of: aging(org, d), args.runs, connection.close)
        warm = common.Result(NAME, f"aging as of {label}, warm", args.backend, data)
        aging(org, as_of)
        warm.samples = common.measure(lambda d=as_of: aging(org, d), args.runs)
        results += [cold, warm]
        if max(cold.median, warm.median) > TARGET_SECONDS:
            slow.append(as_of)
    common.print_results(results)
    extra: dict[str, Any] = {}
    if slow or args.explain:
        extra[f"profile_{args.backend}"] = profile(org, slow[0] if slow else aging_fixture.END)
    common.write_results(NAME, results, extra)


def as_of_dates() -> list[tuple[str, dt.date]]:
    from aging_fixture import END

    return [
        (f"{END.isoformat()} (last day)", END),
        (f"{(END - dt.timedelta(days=182)).isoformat()} (-6 months)", END - dt.timedelta(days=182)),
        (
            f"{(END - dt.timedelta(days=395)).isoformat()} (-13 months)",
            END - dt.timedelta(days=395),
        ),
    ]


def profile(org: Any, as_of: dt.date) -> dict[str, Any]:
    """Time each statement of the report alone and print its plan."""
    import time

    from django.db import connection

    from memberbooks.ledger import aging_sql

    params = aging_sql.params(org, as_of)
    direction = aging_sql.cheaper_direction(org, as_of)
    statements = {f"the report ({direction})": aging_sql.report(direction)}
    found: dict[str, Any] = {}
    for name, sql in statements.items():
        with connection.cursor() as cursor:
            start = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            seconds = time.perf_counter() - start
            plan = explain(cursor, sql, params)
        print(f"\n-- {name}: {seconds:.3f} s, {len(rows):,} rows\n{plan}")
        found[name] = {"seconds": seconds, "rows": len(rows), "plan": plan}
    return found


def explain(cursor: Any, sql: str, params: dict[str, Any]) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
    return "\n".join(f"{row[0]:>3} {row[1]:>3} {row[3]}" for row in cursor.fetchall())


if __name__ == "__main__":
    main()
