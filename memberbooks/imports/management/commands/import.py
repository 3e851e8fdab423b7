"""`memberbooks import ORG KIND FILE [--dry-run] [--json]`: import a CSV file from another MMS.

KIND is gl-accounts, members, invoices or payments. The whole file is checked
first; it is written (as the organisation's admin) only if every row is valid.
The exit status is 1 when there are errors, and then nothing was written.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.imports.importer import ImportResult, run_import
from memberbooks.imports.schema import KINDS
from memberbooks.tenancy.access import system_actor
from memberbooks.tenancy.models import Organisation


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = "Import GL accounts, members, invoices or payments from a CSV file (see docs/import.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org", help="Organisation slug")
        parser.add_argument("kind", choices=list(KINDS), help="What the file holds")
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8)")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, write nothing"
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = system_actor(options["org"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        path: Path = options["file"]
        try:
            with path.open("rb") as stream:
                result = run_import(
                    actor,
                    options["kind"],
                    stream,
                    dry_run=options["dry_run"],
                    progress=self._progress,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), indent=2))
        else:
            self._print(path, result)
        if not result.ok:
            raise CommandError(
                f"{plural(result.errors.count, 'error')} in {path.name}; nothing was written.",
                returncode=1,
            )

    def _progress(self, done: int, total: int) -> None:
        """A percentage on stderr while writing (stdout stays clean for --json)."""
        percent = 100 * min(done, total) // max(total, 1)
        self.stderr.write(f"\rWriting: {percent:3d}%", ending="\n" if done >= total else "")
        self.stderr.flush()

    def _print(self, path: Path, result: ImportResult) -> None:
        self.stdout.write(f"{path.name}: {result.rows:,} rows of {result.kind}.")
        if result.ignored_columns:
            self.stdout.write(f"Ignored columns: {', '.join(result.ignored_columns)}.")
        if result.written:
            self.stdout.write(self.style.SUCCESS(f"Created {result.described()}."))
        elif result.ok:
            self.stdout.write(f"Dry run, nothing written: would create {result.described()}.")
        for error in result.sorted_errors():
            self.stdout.write(self.style.ERROR(str(error)))
        if result.errors.truncated:
            self.stdout.write(f"... and {result.errors.truncated:,} more errors.")
