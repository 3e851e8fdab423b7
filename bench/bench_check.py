"""Benchmark: the sync's check stage over 100,000 pending transactions (target < 10 s, < 500 MB).

    python bench/bench_check.py                        # SQLite and PostgreSQL
    python bench/bench_check.py --backend sqlite --runs 3

The books (built once, then cached in var/bench/sync.sqlite3 and PostgreSQL
mb_sync_bench as organisation `check100k`, the emulator's companies in
var/bench/sync_check_emulator.json): 5,000 members, each linked to a QuickBooks
customer; 50,000 one-line invoices and 50,000 payments (one per invoice), all
marked go and none exported yet: 100,000 creates for the plan.

What is timed is `check(actor)` end to end: the candidate queries, the rules, and
the questions to QuickBooks (5 customer queries, Preferences, 100 document-number
queries of 1,000 numbers each), against the emulator in its own process:
- "no throttle": the emulator as fast as it goes, our limiter's minute shortened to
  60 ms (what memberbooks itself costs);
- "throttled, 100 ms": QuickBooks' real limits and 100 ms latency per call, time
  scale 1 (what a bookkeeper would wait with QuickBooks this far away), started
  once the emulator's rolling minute has emptied of the untimed checks' requests.
The check asks its QuickBooks questions 4 at a time (sync/facts.py) and, on
PostgreSQL, first analyzes tables whose statistics are stale (sync/statistics.py;
this machine's PostgreSQL runs without autovacuum, so the first check after the
build pays for it).
Memory: the peak of Python allocations during the check (tracemalloc, a separate
untimed run, as tracing slows Python down) and the growth of the process's peak
RSS (ru_maxrss) over its RSS before the first check, in a fresh process.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "check"
SLUG = "check100k"
MEMBERS, INVOICES = 5000, 50000
PORT = 18797
STATE = common.BENCH_VAR / "sync_check_emulator.json"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--step", choices=("all", "build", "measure"), default="all")
    return parser.parse_args()


def main() -> None:
    args = parse()
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    if args.step == "all":
        for backend in backends:
            print(f"\n== {backend} ==", flush=True)
            for step in ("build", "measure"):  # a fresh process measures: its RSS is the check's
                command = [sys.executable, __file__, "--backend", backend, "--step", step]
                subprocess.run([*command, "--runs", str(args.runs)], check=True)  # noqa: S603
        return
    backend = backends[0]
    url = pg_url() if backend == "postgres" else common.sqlite_url("sync")
    if backend == "postgres":
        common.ensure_pg_database(url)
    common.use_database(url)
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("memberbooks").setLevel(logging.WARNING)
    import sync_books as sb

    with sb.emulator({}, port=PORT, state=STATE) as emulator_url:
        if args.step == "build":
            common.migrate()
            build(sb, emulator_url)
        else:
            measure(sb, emulator_url, backend, args.runs)


def pg_url() -> str:
    return common.PG_URL.rsplit("/", 1)[0] + "/mb_sync_bench"


def build(sb: Any, url: str) -> None:
    """The 100,000 pending transactions, once (later runs reuse them)."""
    from memberbooks.exports import actions as exports
    from memberbooks.tenancy.models import Organisation

    if Organisation.objects.filter(slug=SLUG).exists():
        print("books cached", flush=True)
        return
    from django.conf import settings

    settings.QBO_EMULATOR_TIME_SCALE = 0.001  # our limiter's minute: 60 ms (the emulator is open)
    started = time.perf_counter()
    org = sb.connect(SLUG, url)
    members = sb.linked_members(org, MEMBERS)
    print(f"{MEMBERS} members linked in {time.perf_counter() - started:.0f} s", flush=True)
    posted = sb.invoices(org, members, INVOICES)
    sb.payments(org, posted)
    exports.mass_mark(org.actor, None, None, ["invoice", "payment"], True, "bench: send")
    print(f"books built in {time.perf_counter() - started:.0f} s", flush=True)


def _runs(runs: int, knobs: dict[str, Any]) -> int:
    """At most 4 throttled checks: 5 x 106 requests would pass QuickBooks' 500 a minute.

    A fifth check within the minute waits for the window, as it should; that wait
    is the throttle's, not the check's.
    """
    return min(runs, 4) if knobs["throttle"] else runs


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(sb: Any, url: str, backend: str, runs: int) -> None:
    from django.conf import settings

    from memberbooks.sync.check import check

    settings.QBO_EMULATOR_TIME_SCALE = 0.001  # our limiter's minute: 60 ms (the emulator is open)
    org = sb.reconnect(SLUG)
    before_rss = rss_mb()
    plan = check(org.actor)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before_rss
    assert len(plan.items) == 2 * INVOICES and not plan.errors, (len(plan.items), plan.errors[:3])
    data = f"{len(plan.items):,} pending creates, {MEMBERS:,} linked members"
    tracemalloc.start()
    check(org.actor)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    memory = f"peak traced {traced_peak:,.0f} MB, peak RSS growth {peak_rss:,.0f} MB"
    print(f"plan: {len(plan.items):,} items; {memory}", flush=True)
    results = []
    for case, scale, knobs in (
        ("no throttle", 0.001, {"throttle": False, "latency_ms": 0}),
        (
            "throttled, 100 ms latency",
            1.0,
            {"throttle": True, "latency_ms": 100, "time_scale": 1.0},
        ),
    ):
        settings.QBO_EMULATOR_TIME_SCALE = scale  # a new limiter, its window empty
        sb.set_knobs(url, org.realm, **knobs)
        if knobs["throttle"]:
            print("waiting out the emulator's minute (its window holds the untimed checks)")
            time.sleep(62)
        result = common.Result(NAME, f"check, {case}", backend, data, note=memory)
        result.samples = common.measure(lambda: check(org.actor), _runs(runs, knobs))
        results.append(result)
    sb.set_knobs(url, org.realm, throttle=False, latency_ms=0)
    common.print_results(results)
    common.write_results(
        NAME, results, {backend: {"traced_peak_mb": traced_peak, "rss_growth_mb": peak_rss}}
    )


if __name__ == "__main__":
    main()
