"""Benchmark: the member list page with 50,000 members (target: under 150 ms server time).

A viewer is logged in with `Client.force_login` and Django's test client asks
for the page named `members` in-process, so the time is the server's: URL
routing, middleware, session and auth, the page's queries, template rendering.
There is no network or browser in it. Cases: the first page, a page deep in
the list, a name search, and a member-number lookup; each is asked once to
warm up, then timed `--runs` times.

The data is the aging benchmark's fixture (bench/aging_fixture.py: 50,000
members with two years of invoices and payments, so the balances shown per
member are real sums), cached in var/bench/aging.sqlite3 and the PostgreSQL
database mb_bench.

If the `members` URL does not resolve (the page not built yet), the script
measures what the page would do instead, `queries.members()` plus one page
of the paginator, and says so in the case name.

    python bench/bench_member_list.py [--backend sqlite|postgres|both] [--runs 20]
"""

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "member_list"
VIEWER = "bench-viewer"
PASSWORD = "bench-viewer-password"  # noqa: S105 - a local benchmark database


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=20)
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
        common.ensure_pg_database()
    common.use_database(common.database_url(args.backend, "aging"))
    run(args)


def run(args: argparse.Namespace) -> None:
    import aging_fixture

    from memberbooks.tenancy.actions import add_user
    from memberbooks.tenancy.models import Role

    common.migrate()
    sizes = aging_fixture.Sizes()
    org = aging_fixture.ensure(sizes)
    user = add_user(org, VIEWER, PASSWORD, Role.VIEWER)
    data = f"{sizes.members:,} members (aging fixture: {sizes.lines:,} invoice lines)"
    pages = page_cases(org)
    cases = measure_page(args, org, user, pages, data) if pages else measure_query(args, org, data)
    common.print_results(cases)
    common.write_results(NAME, cases)


def page_cases(org: Any) -> list[tuple[str, str]]:
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("members", kwargs={"org": org.slug})
    except NoReverseMatch:
        return []
    return [
        ("member list, page 1", url),
        ("member list, page 500 of 1,000", f"{url}?page=500"),
        ("member list, search 'garcia'", f"{url}?q=garcia"),
        ("member list, search member number", f"{url}?q=B012345"),
    ]


def measure_page(
    args: argparse.Namespace, org: Any, user: Any, pages: list[tuple[str, str]], data: str
) -> list[common.Result]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    results = []
    for case, url in pages:

        def get(url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        get()
        with CaptureQueriesContext(connection) as queries:
            get()
        result = common.Result(NAME, case, args.backend, data, note=f"{len(queries)} queries")
        result.samples = common.measure(get, args.runs)
        results.append(result)
    return results


def measure_query(args: argparse.Namespace, org: Any, data: str) -> list[common.Result]:
    """Fallback while the page does not exist: the page's member query and one page of it."""
    from django.core.paginator import Paginator

    from memberbooks.ledger import queries

    def first_page(search: str = "", number: int = 1) -> None:
        list(Paginator(queries.members(org, search), 50).get_page(number).object_list)

    cases = {
        "queries.members() + page 1 (no page yet)": lambda: first_page(),
        "queries.members() + page 500 (no page yet)": lambda: first_page(number=500),
        "queries.members('garcia') + page 1 (no page yet)": lambda: first_page("garcia"),
    }
    results = []
    for case, fn in cases.items():
        fn()
        result = common.Result(NAME, case, args.backend, data, note="members URL not found")
        result.samples = common.measure(fn, args.runs)
        results.append(result)
    return results


if __name__ == "__main__":
    main()
