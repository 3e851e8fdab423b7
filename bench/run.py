"""Run every benchmark in bench/ and print one table (`make bench`).

Each `bench/bench_*.py` runs as its own process, one after another (they share
the cached fixture databases, so they must not run at once). A benchmark that
writes `bench/results/<name>.json` (see bench/common.py) gets its rows in the
final table; any other script's own output is shown as it runs.

    python bench/run.py                       # all of them
    python bench/run.py aging member_list     # only these (names without bench_ and .py)
    python bench/run.py --markdown            # print the last results as docs/benchmarks.md tables
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

BENCH = Path(__file__).resolve().parent


def scripts(only: list[str]) -> list[Path]:
    found = sorted(BENCH.glob("bench_*.py"))
    if only:
        found = [path for path in found if path.stem.removeprefix("bench_") in only]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks in bench/.")
    parser.add_argument("only", nargs="*", help="benchmark names, e.g. aging member_list")
    parser.add_argument("--markdown", action="store_true", help="print the last results only")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(load_results()))
        return
    started, failed = time.time(), []
    for script in scripts(args.only):
        print(f"\n### {script.name}", flush=True)
        done = subprocess.run([sys.executable, str(script)], cwd=common.ROOT)  # noqa: S603
        if done.returncode != 0:
            failed.append(script.name)
    fresh = [r for r in load_results() if r["written"] >= started]
    print("\n### Summary (seconds are wall-clock; medians of the runs)")
    table(fresh)
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
        sys.exit(1)


def load_results() -> list[dict[str, Any]]:
    rows = []
    for path in sorted(common.RESULTS.glob("*.json")):
        payload = json.loads(path.read_text())
        for row in payload["results"]:
            rows.append({**row, "machine": payload["machine"], "written": path.stat().st_mtime})
    return rows


def table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        print("(no benchmark wrote results)")
        return
    width = max(len(f"{r['bench']}: {r['case']}") for r in rows)
    print(f"{'benchmark':<{width}}  {'backend':<8}  {'median':>9}  {'min':>9}  {'max':>9}  runs")
    for r in rows:
        name = f"{r['bench']}: {r['case']}"
        print(
            f"{name:<{width}}  {r['backend']:<8}  {common.ms(r['median']):>9}  "
            f"{common.ms(r['min']):>9}  {common.ms(r['max']):>9}  {r['runs']}"
        )


def markdown(rows: list[dict[str, Any]]) -> str:
    """One table per benchmark, in the shape docs/benchmarks.md uses."""
    out = []
    for bench in sorted({r["bench"] for r in rows}):
        mine = [r for r in rows if r["bench"] == bench]
        out.append(f"\n### {bench}\n")
        out.append("| case | backend | data | median | min | max | runs | note | load avg |")
        out.append("|---|---|---|---:|---:|---:|---:|---|---|")
        for r in mine:
            load = " / ".join(str(x) for x in r["machine"]["load_average"])
            out.append(
                f"| {r['case']} | {r['backend']} | {r['data']} | {common.ms(r['median'])} | "
                f"{common.ms(r['min'])} | {common.ms(r['max'])} | {r['runs']} | {r['note']} | {load} |"
            )
    return "\n".join(out)


if __name__ == "__main__":
    main()
