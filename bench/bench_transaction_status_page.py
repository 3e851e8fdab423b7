"""Benchmark: the Transaction Status page's server time over about 200,000 transactions (target 300 ms).

A viewer is logged in with `Client.force_login` and Django's test client asks for
the page named `qb-transactions` in-process: routing, middleware, session and
auth, one page of 100 rows, the template. No network, no browser. The page's
counts and totals come in a second request once it shows (`summary/`, which
reads every transaction); that request is timed as its own case.
Cases: page 1; the page reached by following the page's own Next link 99 times
(keyset cursor, so the 100th page should cost what the first does); page 1 of
one month's invoices; page 1 of undecided only; the summary request; and
`queries.summary()` alone.

The data is `bench/aging_fixture.py` at a fifth of its default size (about
200,000 invoices, payments, credit memos and refunds, the issue's figure), in a
database of its own (var/bench/txn_page.sqlite3 and PostgreSQL `mb_txn_bench`),
so it never empties the shared aging fixture. Documents dated before the
fixture's midpoint are marked no-go first through the real `mass_mark` action.

    python bench/bench_transaction_status_page.py [--backend sqlite|postgres|both] [--runs 7]
"""

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "transaction_status_page"
SQLITE_NAME = "txn_page"
PG_URL = os.environ.get("BENCH_TXN_PG_URL", "postgresql://postgres@127.0.0.1:5432/mb_txn_bench")
VIEWER = "bench-viewer"
PASSWORD = "bench-viewer-password"  # noqa: S105 - a local benchmark database
NEXT = re.compile(r'<a href="([^"]*)" rel="next">')


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
            argv = ["--backend", backend, "--runs", str(args.runs)]
            subprocess.run([sys.executable, __file__, *argv], check=True)  # noqa: S603
        return
    if args.backend == "postgres":
        common.ensure_pg_database(PG_URL)
        common.use_database(PG_URL)
    else:
        common.use_database(common.sqlite_url(SQLITE_NAME))
    run(args)


def sizes() -> Any:
    import aging_fixture

    return aging_fixture.Sizes(members=10_000, lines=200_000, payments=100_000)


def run(args: argparse.Namespace) -> None:
    import aging_fixture
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from memberbooks.exports.models import ExportDecision
    from memberbooks.exports.queries import Filters, summary
    from memberbooks.tenancy.actions import add_user
    from memberbooks.tenancy.models import Role

    common.migrate()
    org = aging_fixture.ensure(sizes())
    if not ExportDecision.objects.filter(organisation=org).exists():
        decide_first_half(org)
    user = get_user_model().objects.filter(username=VIEWER).first() or add_user(
        org, VIEWER, PASSWORD, Role.VIEWER
    )
    client = Client()
    client.force_login(user)
    url = reverse("qb-transactions", kwargs={"org": org.slug})
    data = f"{documents(org):,} documents; {ExportDecision.objects.filter(organisation=org).count():,} decisions"
    deep = follow_next(client, url, 99)
    cases = [
        ("page 1, all transactions", url),
        ("page 100 (Next followed 99 times), all", deep),
        ("page 1, invoices of 2026-03", f"{url}?type=invoice&date_from=2026-03-01&date_to=2026-03-31"),
        ("page 1, undecided only", f"{url}?decision=undecided"),
    ]  # fmt: skip
    part = reverse("qb-transactions-summary", kwargs={"org": org.slug})
    cases.append(("summary request the page fetches after (htmx), all", part))
    results = [measure_page(args, client, case, target, data) for case, target in cases]
    result = common.Result(NAME, "queries.summary() alone, all", args.backend, data)
    result.samples = common.measure(lambda: summary(org, Filters()), args.runs)
    results.append(result)
    common.print_results(results)
    common.write_results(NAME, results)


def documents(org: Any) -> int:
    from memberbooks.exports.queries import MODELS

    return sum(model.objects.filter(organisation=org).count() for model in MODELS.values())


def follow_next(client: Any, url: str, times: int) -> str:
    """The URL reached by pressing the page's own Next link `times` times."""
    target = url
    for _ in range(times):
        html = client.get(target).content.decode()
        found = NEXT.search(html)
        if found is None:
            raise SystemExit(f"no Next link on {target}")
        target = url + found.group(1).replace("&amp;", "&")
    return target


def measure_page(
    args: argparse.Namespace, client: Any, case: str, url: str, data: str
) -> common.Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    get()
    with CaptureQueriesContext(connection) as queries:
        get()
    result = common.Result(NAME, case, args.backend, data, note=f"{len(queries)} queries")
    result.samples = common.measure(get, args.runs)
    return result


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
    analyze()


def analyze() -> None:
    """Refresh the planner's statistics, as autovacuum would after a bulk change in production.

    Without it PostgreSQL believes the decision table is empty and anti-joins it
    with a filter instead of an index (0.8 s for the undecided page instead of 3 ms).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
