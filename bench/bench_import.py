"""Benchmark the CSV import: 100,000 invoice lines into a fresh organisation.

    python bench/bench_import.py                       # SQLite, in a temporary directory
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mb_importbench python bench/bench_import.py

It writes GL accounts, members, invoices (one row per line) and payments CSV
files into a temporary directory, migrates the database (a temporary SQLite
file unless DATABASE_URL is set; a PostgreSQL database must exist: `createdb
-h 127.0.0.1 -U postgres mb_importbench`), creates an organisation `bench-<time>`
and runs `memberbooks import` for each file in its own process, exactly as a
user would. For each run it prints the wall time and the peak RSS of that
process (from the kernel's rusage of the child, the same figure as
`resource.getrusage`).
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

GL_ACCOUNTS = [
    ("4000", "Membership dues", "income"),
    ("4100", "Event revenue", "income"),
    ("4200", "Sponsorships", "income"),
    ("2400", "Deferred dues", "Deferred revenue / liability"),
    ("1000", "Operating checking", "Deposit / cash"),
]
LINE_ACCOUNTS = ["4000", "4100", "4200", "2400"]
DESCRIPTIONS = ["Annual dues", "Conference registration", "Gala table", "Newsletter ad"]
PRICES = ["125.00", "$1,250.00", "49.5", "300"]


@dataclass
class Run:
    label: str
    rows: int
    seconds: float
    peak_mb: float
    report: dict[str, object]


def generate(folder: Path, lines: int, members: int, payments: int) -> dict[str, Path]:
    """Write the four CSV files; invoices have 1, 2 or 3 lines in turn."""
    paths = {
        kind: folder / f"{kind}.csv" for kind in ("gl-accounts", "members", "invoices", "payments")
    }
    with paths["gl-accounts"].open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["number", "name", "kind"])
        writer.writerows(GL_ACCOUNTS)
    with paths["members"].open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "member_number",
                "first_name",
                "last_name",
                "company",
                "email",
                "phone",
                "address",
                "city",
                "state",
                "postal_code",
            ]
        )
        for n in range(1, members + 1):
            writer.writerow(
                [
                    f"M{n:06d}",
                    "Pat",
                    f"Member{n}",
                    f"Company {n % 97}",
                    f"m{n}@example.org",
                    "555-0100",
                    f"{n} Main St",
                    "Springfield",
                    "IL",
                    "62701",
                ]
            )
    totals: list[tuple[str, str, Decimal]] = []  # invoice number, member, total
    with paths["invoices"].open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "invoice_number",
                "member_number",
                "date",
                "due_date",
                "source",
                "gl_account",
                "description",
                "quantity",
                "unit_price",
                "legacy_id",
            ]
        )
        written, invoice = 0, 0
        while written < lines:
            invoice += 1
            number, member = f"INV-{invoice:07d}", f"M{invoice % members + 1:06d}"
            date = f"2025-{invoice % 12 + 1:02d}-{invoice % 28 + 1:02d}"
            us_date = f"{invoice % 12 + 1:02d}/{invoice % 28 + 1:02d}/2025"
            total = Decimal("0")
            for line in range(min(invoice % 3 + 1, lines - written)):
                k = (invoice + line) % 4
                price = PRICES[k]
                writer.writerow(
                    [
                        number,
                        member,
                        us_date if invoice % 2 else date,
                        "",
                        "dues",
                        LINE_ACCOUNTS[k],
                        DESCRIPTIONS[k],
                        line + 1,
                        price,
                        invoice,
                    ]
                )
                total += (line + 1) * Decimal(price.replace("$", "").replace(",", ""))
                written += 1
            totals.append((number, member, total))
    with paths["payments"].open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "payment_ref",
                "member_number",
                "date",
                "amount",
                "method",
                "reference",
                "deposit_account",
                "invoice_number",
                "applied_amount",
            ]
        )
        for n, (number, member, total) in enumerate(totals[:payments], start=1):
            applied = (total / 2).quantize(Decimal("0.01"))
            if applied <= 0:
                continue
            writer.writerow(
                [
                    f"PMT-{n:07d}",
                    member,
                    "2026-01-15",
                    applied + 10,
                    "check",
                    f"{n}",
                    "1000",
                    number,
                    applied,
                ]
            )
    return paths


def child(args: list[str], env: dict[str, str], out: Path) -> tuple[int, float, float]:
    """Run `python -m memberbooks ARGS`; exit code, wall seconds and the child's peak RSS in MB."""
    started = time.perf_counter()
    with out.open("wb") as stdout:
        command = [sys.executable, "-m", "memberbooks", *args]
        process = subprocess.Popen(command, env=env, stdout=stdout)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, seconds, usage.ru_maxrss / 1024  # Linux reports kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--lines", type=int, default=100_000, help="invoice lines (default 100,000)"
    )
    parser.add_argument("--members", type=int, default=10_000, help="members (default 10,000)")
    parser.add_argument("--payments", type=int, default=20_000, help="payments (default 20,000)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mb-importbench-") as tmp:
        folder = Path(tmp)
        env = dict(os.environ)
        # four slashes: an absolute path
        env.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
        env["MEMBERBOOKS_VAR_DIR"] = str(folder)
        env["MEMBERBOOKS_LOG_LEVEL"] = "WARNING"
        database = env["DATABASE_URL"].split("@")[-1]
        print(f"Database: {database}")
        started = time.perf_counter()
        paths = generate(folder, options.lines, options.members, options.payments)
        sizes = ", ".join(
            f"{kind} {path.stat().st_size / 1_048_576:.1f} MB" for kind, path in paths.items()
        )
        print(f"Generated in {time.perf_counter() - started:.1f} s: {sizes}")
        code, seconds, _ = child(["migrate", "--no-input", "-v0"], env, folder / "migrate.out")
        if code:
            sys.exit(
                f"migrate failed ({code}); is the database there? createdb -h 127.0.0.1 -U postgres mb_importbench"
            )
        slug = f"bench-{int(time.time())}"
        child(["org", "create", slug, "--name", "Import benchmark"], env, folder / "org.out")
        print(f"Organisation: {slug} (migrate took {seconds:.1f} s)\n")

        runs = []
        plan = [
            ("gl-accounts", "gl-accounts", []),
            ("members", "members", []),
            ("invoices --dry-run", "invoices", ["--dry-run"]),
            ("invoices", "invoices", []),
            ("payments", "payments", []),
        ]
        for label, kind, extra in plan:
            out = folder / f"{kind}.json"
            code, seconds, peak = child(
                ["import", slug, kind, str(paths[kind]), "--json", *extra], env, out
            )
            report = json.loads(out.read_text())
            if code or not report["ok"]:
                sys.exit(f"{label} failed: {json.dumps(report['errors'][:5], indent=2)}")
            runs.append(Run(label, int(report["rows"]), seconds, peak, report))

        print(f"{'import':<20}{'rows':>10}{'wall s':>10}{'peak RSS MB':>14}   created")
        for run in runs:
            created = ", ".join(f"{v:,} {k}" for k, v in run.report["created"].items())  # type: ignore[attr-defined]
            print(
                f"{run.label:<20}{run.rows:>10,}{run.seconds:>10.1f}{run.peak_mb:>14.0f}   {created}"
            )


if __name__ == "__main__":
    main()
