"""Benchmark: the sync push of 10,000 transactions against the throttled emulator, and a naive push.

    python bench/bench_sync.py                                  # SQLite and PostgreSQL
    python bench/bench_sync.py --backend sqlite --time-scale 0.05 --latency-ms 100 --naive 300

The mix (issue 6): 4,000 invoices, 4,000 payments (one per invoice, a quarter of
them partial), 1,000 credit memos (unapplied: member credit, one write each) and
1,000 voids. The voids are corrections: 1,000 more invoices are exported by an
untimed first push, then voided in the MMS, so the timed push sends each as a void
of a document QuickBooks has, with a SyncToken (see below).

The emulator runs in its own process with QuickBooks' real throttles (500
requests/min, 10 in flight, 40 batch requests/min per company), `--latency-ms` on
every call, and `--time-scale` (0.05: the minute lasts 3 s; the latency is scaled
the same way). MEMBERBOOKS_QBO_EMULATOR_TIME_SCALE is set to the same value so
memberbooks' own limiter and throttle waits use the same minute.

The throttle bound. The push sends batch requests of up to 30 items, per phase
(documents, payments, voids), so it needs B = sum over phases of ceil(n / 30)
batch requests, plus G reads (a SyncToken read per void before commit 653f102;
none since: a void carries the SyncToken of QuickBooks' last answer, and only a
5010 refusal costs a read): R = B + G requests. QuickBooks allows 40 batch
requests and 500 requests per minute, so no client that sends every item in a batch can finish in less than
T_bound = max(B / 40, R / 500) minutes. For this mix B = 167 + 134 + 34 = 335 and
R <= 1,335, so T_bound = 8.375 minutes (the batch limit binds either way):
10,000 / 8.375 = 1,194 items per minute. Reported: T_bound / T_measured, the push
measured end to end (its check, outbox, phases and outcome writes included). A
rolling window lets the first minute's 40 batches go at once, so a perfect client
could reach about 104 %. The timed push starts with both windows empty.

The full throttle bound. B / 40 assumes every item rides in a batch. But a batch
is one of the 500 requests a minute, so 460 requests a minute are left that a
client may spend on single writes: at most 30 x 40 + 460 = 1,660 items a minute,
T_full = 10,000 / 1,660 = 6.02 minutes. Since the push sends singles beside its
batches (`--singles`, default 4 threads; 0 = batches only, as before), this is the
bound it is measured against first; the batch-only bound is printed beside it.

The naive push: one request per item, one after another, no batch: the same
bodies (memberbooks/sync/bodies.py) through QboClient.create, and for a void a
read (SyncToken) then QboClient.void. It runs on `--naive` items of the same mix,
in a second company of the same emulator (same knobs), and is extrapolated per
item to 10,000. Its own throttle bound is 500 requests a minute at 1.1 requests per
item (a void costs a read and the void): 455 items per minute, so a naive push
that kept up with its bound would be only 1,194 / 455 = 2.6 times slower than a
perfect batched push. It does not keep up: each request waits for its answer.
"""

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "sync"
MIX = {"invoice": 4000, "payment": 4000, "credit_memo": 1000, "void": 1000}
PHASES = (("invoice", "credit_memo"), ("payment",), ("void",))
BATCH, REQUESTS_PER_MINUTE = 30, 500


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--time-scale", type=float, default=0.05)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--naive", type=int, default=300, help="items of the naive push")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--scale-mix", type=float, default=1.0, help="fraction of the 10,000")
    parser.add_argument(
        "--singles",
        type=int,
        default=4,
        help="single writes in flight beside the batches (0: batches only)",
    )
    parser.add_argument(
        "--batch-per-minute",
        type=int,
        default=40,
        help="QuickBooks' batch limit, for the emulator and our limiter (Intuit: 40, 120 since 2025)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse()
    if args.backend == "both":
        for backend in ("sqlite", "postgres"):
            print(f"\n== {backend} ==", flush=True)
            command = [sys.executable, __file__, *_passed(args), "--backend", backend]
            subprocess.run(command, check=True)  # noqa: S603
        return
    if args.backend == "postgres":
        common.ensure_pg_database(pg_url())
    os.environ["MEMBERBOOKS_QBO_EMULATOR_TIME_SCALE"] = str(args.time_scale)
    os.environ["MEMBERBOOKS_QBO_BATCH_PER_MINUTE"] = str(args.batch_per_minute)
    common.use_database(pg_url() if args.backend == "postgres" else common.sqlite_url("sync_push"))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("memberbooks").setLevel(logging.WARNING)
    common.migrate()
    run(args)


def _passed(args: argparse.Namespace) -> list[str]:
    return [
        f"--time-scale={args.time_scale}",
        f"--latency-ms={args.latency_ms}",
        f"--naive={args.naive}",
        f"--members={args.members}",
        f"--scale-mix={args.scale_mix}",
        f"--batch-per-minute={args.batch_per_minute}",
        f"--singles={args.singles}",
    ]


def pg_url() -> str:
    return common.PG_URL.rsplit("/", 1)[0] + "/mb_sync_bench"


def sizes(total: float) -> dict[str, int]:
    return {kind: max(1, round(n * total)) for kind, n in MIX.items()}


def bound(mix: dict[str, int], batch_per_minute: int = 40) -> tuple[int, int, float]:
    """(batch requests, all requests, minutes): the least time QuickBooks' limits allow."""
    batches = sum(math.ceil(sum(mix[k] for k in phase) / BATCH) for phase in PHASES)
    requests = batches + mix["void"]  # the older push's SyncToken reads: an upper bound on R
    return batches, requests, max(batches / batch_per_minute, requests / REQUESTS_PER_MINUTE)


def full_bound(items: int, batch_per_minute: int) -> float:
    """Minutes no client can beat when it may also send single writes: each minute holds
    `batch_per_minute` batches of 30 and the rest of the 500 requests as singles."""
    return items / (BATCH * batch_per_minute + REQUESTS_PER_MINUTE - batch_per_minute)


def rolling_bound(batches: int, batch_per_minute: int) -> int:
    """The minute the last batch may leave: QuickBooks counts a rolling minute, so the first
    `batch_per_minute` go at once. With few minutes per run (120 a minute: 335 batches in
    under 3) this, not B / limit, is what a perfect client approaches."""
    return (batches - 1) // batch_per_minute


def run(args: argparse.Namespace) -> None:
    import sync_books as sb

    knobs = {
        "throttle": True,
        "latency_ms": args.latency_ms,
        "time_scale": args.time_scale,
        "batch_per_minute": args.batch_per_minute,
    }
    minute = 60.0 * args.time_scale
    mix = sizes(args.scale_mix)
    naive_mix = {k: max(1, round(args.naive * n / 10000)) for k, n in MIX.items()}
    stamp = time.strftime("%H%M%S")
    with sb.emulator(knobs) as url:
        print(f"emulator {url} knobs {json.dumps(knobs)}; building the books ...", flush=True)
        started = time.perf_counter()
        org = sb.connect(f"push{stamp}", url)
        build(sb, org, mix, args.members)
        naive_org = sb.connect(f"naive{stamp}", url)
        naive_docs = build_naive(sb, naive_org, naive_mix, minute)
        print(f"books built in {time.perf_counter() - started:.0f} s", flush=True)
        time.sleep(minute * 1.2)  # both throttle windows (ours and the emulator's) empty
        timed, watch = timed_push(org, args.singles)
        time.sleep(minute * 1.2)
        naive_s = timed_naive(naive_org, naive_docs)
    report(args, mix, naive_mix, timed, watch, naive_s)


def build(sb: Any, org: Any, mix: dict[str, int], members: int) -> None:
    """The 1,000 invoices to void are exported first (untimed), then voided in the MMS."""
    from memberbooks.sync.push import push

    people = sb.linked_members(org, members)
    doomed = sb.invoices(org, people, mix["void"], offset=1)
    sb.mark_go(org, doomed)
    first = push(org.actor)
    assert first.confirmed == mix["void"] and first.failed == 0, first.note
    sb.void_all(org, doomed)
    posted = sb.invoices(org, people, mix["invoice"])
    paid = sb.payments(org, posted[: mix["payment"]])
    memos = sb.credit_memos(org, people, mix["credit_memo"])
    sb.mark_go(org, [*posted, *paid, *memos])


def timed_push(org: Any, singles: int) -> tuple[Any, dict[str, float]]:
    """push(actor), end to end; the phases and the main thread's outcome writes timed beside."""
    from memberbooks.sync import push as pushing

    watch: Counter[str] = Counter()
    originals = {name: getattr(pushing, name) for name in ("check", "_phase", "_record", "_build")}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                label = f"{name}:{args[2]}" if name == "_phase" else name
                watch[label] += time.perf_counter() - start

        return call

    for name, fn in originals.items():
        setattr(pushing, name, timed(name, fn))
    try:
        start = time.perf_counter()
        result = pushing.push(org.actor, singles=singles)
        watch["total"] = time.perf_counter() - start
    finally:
        for name, fn in originals.items():
            setattr(pushing, name, fn)
    print(
        f"push: {result.confirmed} confirmed, {result.failed} failed, {result.held} held, "
        f"retries {result.retries}, {watch['total']:.1f} s",
        flush=True,
    )
    return result, dict(watch)


# --- the naive push -----------------------------------------------------------------------


def build_naive(sb: Any, org: Any, mix: dict[str, int], minute: float) -> list[tuple[str, Any]]:
    """The naive push's books (same mix); its voids' invoices exported naively first (untimed)."""
    people = sb.linked_members(org, 20)
    doomed = sb.invoices(org, people, mix["void"], offset=1)
    naive_push(org, [("invoice", d) for d in doomed])
    sb.void_all(org, doomed)
    posted = sb.invoices(org, people, mix["invoice"])
    paid = sb.payments(org, posted[: mix["payment"]])
    memos = sb.credit_memos(org, people, mix["credit_memo"])
    return [
        *(("invoice", d) for d in posted),
        *(("credit_memo", d) for d in memos),
        *(("payment", d) for d in paid),
        *(("void", d) for d in doomed),
    ]


def timed_naive(org: Any, docs: list[tuple[str, Any]]) -> float:
    start = time.perf_counter()
    naive_push(org, docs)
    return time.perf_counter() - start


NAIVE_EXPORTED: dict[tuple[str, int], str] = {}


def naive_push(org: Any, docs: Sequence[tuple[str, Any]]) -> None:
    """One request per item, in order, no batch; the same bodies as the push."""
    from memberbooks.ledger.models import Application, CreditMemoLine, InvoiceLine
    from memberbooks.sync import bodies
    from memberbooks.sync.plan import load_links, load_mappings

    refs = bodies.Refs(
        org.actor.organisation.slug,
        load_links(org.actor.organisation),
        load_mappings(org.actor.organisation),
        "",
        NAIVE_EXPORTED,
    )
    client = org.client
    for kind, doc in docs:
        if kind == "void":
            qb_id = refs.exported[("invoice", doc.pk)]
            token = str(client.read("Invoice", qb_id)["SyncToken"])
            client.void("Invoice", qb_id, token)
            continue
        if kind == "invoice":
            lines = list(InvoiceLine.objects.filter(invoice=doc).order_by("position", "pk"))
            body, entity = bodies.invoice(doc, lines, refs), "Invoice"
        elif kind == "credit_memo":
            memo_lines = list(CreditMemoLine.objects.filter(credit_memo=doc).order_by("position"))
            body, entity = bodies.credit_memo(doc, memo_lines, refs), "CreditMemo"
        else:
            applied = list(
                Application.objects.filter(payment=doc, unapplied_on__isnull=True).values_list(
                    "invoice_id", "amount"
                )
            )
            body, entity = bodies.payment(doc, applied, refs), "Payment"
        refs.exported[(kind, doc.pk)] = str(client.create(entity, body)["Id"])


# --- report ---------------------------------------------------------------------------------


def report(
    args: argparse.Namespace,
    mix: dict[str, int],
    naive_mix: dict[str, int],
    result: Any,
    watch: dict[str, float],
    naive_s: float,
) -> None:
    minute = 60.0 * args.time_scale
    items = sum(mix.values())
    batches, requests, minutes = bound(mix, args.batch_per_minute)
    elapsed = watch["total"]
    share = minutes * minute / elapsed
    full = full_bound(items, args.batch_per_minute)
    full_share = full * minute / elapsed
    naive_items = sum(naive_mix.values())
    naive_per_item = naive_s / naive_items
    naive_total = naive_per_item * items
    naive_bound = REQUESTS_PER_MINUTE / (1 + naive_mix["void"] / naive_items)  # items/min
    per_minute = items / (elapsed / minute)
    print(
        f"\n{items:,} items {mix} in {elapsed:.1f} s = {per_minute:,.0f} items per QuickBooks "
        f"minute ({minute:.1f} s at time scale {args.time_scale}, latency {args.latency_ms} ms)"
    )
    print(
        f"throttle bound: B={batches} batch requests, R={requests} requests -> "
        f"max(B/{args.batch_per_minute}, R/500) = {minutes:.3f} min = {minute * minutes:.1f} s; "
        f"{items / minutes:,.0f} items/min; achieved {100 * share:.1f} % of the bound (target >= 90 %)"
    )
    print(
        f"full throttle bound (batches and single requests): {items / full:,.0f} items/min -> "
        f"{full:.3f} min = {minute * full:.1f} s; achieved {100 * full_share:.1f} % of it "
        f"(singles: {args.singles} in flight)"
    )
    rolling = rolling_bound(batches, args.batch_per_minute)
    print(
        f"rolling-window bound: batch k may leave at minute floor(k/{args.batch_per_minute}), "
        f"the last at {rolling:.0f} min = {minute * rolling:.1f} s; achieved "
        f"{100 * minute * rolling / elapsed:.1f} % of it (the sends alone, no answer waited for)"
    )
    print("  where the time went: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(watch.items())))
    print(
        f"naive: {naive_items} items {naive_mix} in {naive_s:.1f} s = {1000 * naive_per_item:.1f} ms "
        f"per item -> {naive_total:,.0f} s for {items:,}; the push is {naive_total / elapsed:.1f}x "
        f"faster (target >= 15x; bound against bound it would be "
        f"{(items / full) / naive_bound:.1f}x, {(items / minutes) / naive_bound:.1f}x batches "
        f"only: naive bound {naive_bound:,.0f} items/min)"
    )
    backend = "postgres" if "postgres" in os.environ["DATABASE_URL"] else "sqlite"
    data = f"{items:,} items, scale {args.time_scale}, latency {args.latency_ms} ms"
    common.write_results(
        NAME,
        [
            common.Result(
                NAME,
                f"push (4 batch threads, {args.singles} single threads)",
                backend,
                data,
                [elapsed],
                f"{100 * full_share:.1f}% of the full throttle bound ({minute * full:.1f} s), "
                f"{100 * share:.1f}% of the batch-only bound ({minute * minutes:.1f} s)",
            ),
            common.Result(
                NAME,
                f"naive push, extrapolated from {naive_items}",
                backend,
                data,
                [naive_total],
                f"push is {naive_total / elapsed:.1f}x faster",
            ),
        ],
        {
            f"{backend}_scale_{args.time_scale}_batch_{args.batch_per_minute}_singles_{args.singles}": {
                "elapsed_s": elapsed,
                "bound_s": minute * minutes,
                "percent_of_bound": 100 * share,
                "full_bound_s": minute * full,
                "percent_of_full_bound": 100 * full_share,
                "phases": watch,
                "naive_s_per_item": naive_per_item,
                "retries": result.retries,
                "confirmed": result.confirmed,
                "failed": result.failed,
            }
        },
    )


if __name__ == "__main__":
    main()
