"""Benchmark: the Transaction Status query over the aging fixture's books.

What is measured is `memberbooks.exports.queries.transaction_status(org, filters, page)`,
one page of 100 documents with their export decision, on the data of
`bench/aging_fixture.py` (about 950,000 invoices, payments, credit memos and
refunds: nearly five times the 200,000 the issue asks about). Target: under
300 ms per page. Half of the documents are given a decision first (through
the real `mass_mark` action), so the decision subqueries have rows to find.

    python bench/bench_transaction_status.py                 # both databases
    python bench/bench_transaction_status.py --backend sqlite --runs 7
"""

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "transaction_status"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=7)
    return parser.parse_args()


def main() -> None:
    args = parse()
    if args.backend == "both":
        for backend in ("sqlite", "postgres"):
            print(f"\n== {backend} ==", flush=True)
            command = [sys.executable, __file__, "--backend", backend, "--runs", str(args.runs)]
            subprocess.run(command, check=True)  # noqa: S603
        return
    if args.backend == "postgres":
        common.ensure_pg_database()
    common.use_database(common.database_url(args.backend, "aging"))
    run(args)


def run(args: argparse.Namespace) -> None:
    import aging_fixture

    from memberbooks.exports.models import ExportDecision
    from memberbooks.exports.queries import Filters, transaction_status

    common.migrate()
    sizes = aging_fixture.Sizes()
    org = aging_fixture.ensure(sizes)
    if not ExportDecision.objects.filter(organisation=org).exists():
        decide_first_half(org)
    data = f"aging fixture ({sizes.label}); {ExportDecision.objects.filter(organisation=org).count():,} decisions"
    cases: list[tuple[str, Any, int]] = [
        ("page 1, all documents", Filters(), 1),
        ("page 100, all documents", Filters(), 100),
        (
            "page 1, invoices of one month",
            Filters(types=["invoice"], date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)),
            1,
        ),
        ("page 1, undecided only", Filters(decision="undecided"), 1),
    ]
    results = []
    for case, filters, page in cases:
        result = common.Result(NAME, case, args.backend, data)
        result.samples = common.measure(
            lambda f=filters, p=page: transaction_status(org, f, p), args.runs
        )
        results.append(result)
    common.print_results(results)
    common.write_results(NAME, results)


def decide_first_half(org: Any) -> None:
    """Mark every document before the fixture's midpoint no-go through the real mass_mark action."""
    import aging_fixture

    from memberbooks.exports import actions
    from memberbooks.tenancy.access import system_actor

    middle = aging_fixture.END - dt.timedelta(days=365)
    print(f"Marking documents before {middle} no-go (once; later runs reuse it) ...", flush=True)
    actions.mass_mark(
        system_actor(org.slug),
        dt.date(2000, 1, 1),
        middle,
        ["invoice", "payment", "credit_memo", "refund"],
        go=False,
        reason="bench: before cutover",
    )


if __name__ == "__main__":
    main()
