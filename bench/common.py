"""What the benchmark scripts share: which database, timing, the machine, the results file.

Each benchmark is a plain script. It points Django at its own database
(`use_database()` must run before anything imports Django models), measures,
prints a small table and writes `bench/results/<name>.json`, which `bench/run.py`
gathers into one table. Results are measurements only: nothing here asserts a
time.
"""

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/mb_bench")


def sqlite_url(name: str) -> str:
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{BENCH_VAR / name}.sqlite3"  # four slashes: an absolute path


def database_url(backend: str, sqlite_name: str) -> str:
    return PG_URL if backend == "postgres" else sqlite_url(sqlite_name)


def ensure_pg_database(url: str = PG_URL) -> None:
    """Create the PostgreSQL benchmark database if it is missing (`createdb`)."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    host, user = parsed.hostname or "127.0.0.1", parsed.username or "postgres"
    listing = subprocess.run(  # noqa: S603
        ["psql", "-h", host, "-U", user, "-Atc", "SELECT datname FROM pg_database"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    if name not in listing.stdout.split():
        subprocess.run(["createdb", "-h", host, "-U", user, name], check=True)  # noqa: S603, S607


def use_database(url: str) -> None:
    """Point settings at `url`, without query logging, and start Django."""
    os.environ["DATABASE_URL"] = url
    os.environ["MEMBERBOOKS_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "memberbooks.config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@dataclass
class Result:
    """One measured case: seconds per run."""

    bench: str
    case: str
    backend: str
    data: str
    samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "median": self.median,
            "min": min(self.samples),
            "max": max(self.samples),
            "runs": len(self.samples),
        }


def measure(
    fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> list[float]:
    """Wall-clock seconds of `runs` calls of `fn`; `before` runs untimed ahead of each call."""
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def print_results(results: list[Result]) -> None:
    width = max(len(r.case) for r in results)
    print(f"{'case':<{width}}  {'backend':<8}  {'median':>10}  {'min':>10}  {'max':>10}  runs")
    for r in results:
        print(
            f"{r.case:<{width}}  {r.backend:<8}  {ms(r.median):>10}  {ms(min(r.samples)):>10}  "
            f"{ms(max(r.samples)):>10}  {len(r.samples)}"
        )


def write_results(name: str, results: list[Result], extra: dict[str, Any] | None = None) -> Path:
    """Merge `results` into bench/results/<name>.json (one backend's run replaces its own rows)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    previous = json.loads(path.read_text()) if path.exists() else {"results": []}
    replaced = {(r.case, r.backend) for r in results}
    rows = [row for row in previous["results"] if (row["case"], row["backend"]) not in replaced]
    rows += [r.as_dict() for r in results]
    payload: dict[str, Any] = {"machine": machine(), "results": rows}
    payload["extra"] = {**previous.get("extra", {}), **(extra or {})}
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def machine() -> dict[str, Any]:
    """The facts docs/benchmarks.md reports next to every number."""
    import sqlite3

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": _postgres_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def _postgres_version() -> str:
    if shutil.which("psql") is None:
        return "not installed"
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],  # noqa: S607
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "not reachable"
