"""`run_import`: read, check and (unless it is a dry run) write one CSV file.

    size ─► reading (encoding, header, rows) ─► schema (one row) ─► checks (all rows, DB)
                                                                        │
                               ImportResult ◄── writer (one transaction) ┘ if no errors

The whole file is checked before anything is written, and nothing is written
unless all of it is valid. The CLI and the page both call this and render the
`ImportResult` it returns.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import IO, Any, Protocol, TypeVar

from django.conf import settings

from memberbooks.imports import checks, plans, reading, schema
from memberbooks.imports.errors import ErrorList, RowError
from memberbooks.imports.schema import KINDS, Cells, DateLog, Kind
from memberbooks.imports.writer import WriteFailed, write
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

PREVIEW_ROWS = 10
NOUNS = {
    "gl_accounts": ("GL account", "GL accounts"),
    "members": ("member", "members"),
    "invoices": ("invoice", "invoices"),
    "invoice_lines": ("invoice line", "invoice lines"),
    "payments": ("payment", "payments"),
    "applications": ("application to an invoice", "applications to invoices"),
}

R_contra = TypeVar("R_contra", contravariant=True)


class Progress(Protocol):
    def __call__(self, done: int, total: int) -> None: ...


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    errors: ErrorList = field(default_factory=ErrorList)
    ignored_columns: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # in a dry run: would be; 0 on errors
    totals: dict[str, Decimal] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    preview: list[tuple[int, list[str]]] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted_errors(self) -> list[RowError]:
        """Errors by row; file-wide ones first."""
        return sorted(self.errors, key=lambda e: e.row or 0)

    def described(self) -> str:
        """What was (or would be) created, in words: "2 invoices, 3 invoice lines; invoiced 1,370.00"."""
        counts = ", ".join(
            f"{count:,} {NOUNS.get(name, (name, name))[count != 1]}"
            for name, count in self.created.items()
        )
        totals = ", ".join(f"{name} {value:,}" for name, value in self.totals.items())
        return f"{counts}; {totals}" if totals else counts

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "created": self.created,
            "totals": {key: str(value) for key, value in self.totals.items()},
            "errors": [error.as_dict() for error in self.sorted_errors()],
            "error_count": self.errors.count,
            "ignored_columns": self.ignored_columns,
        }


class RowChecker(Protocol[R_contra]):
    def add(self, row: R_contra, /) -> None: ...

    def add_failed(self, row: int, values: dict[str, str], /) -> None: ...

    def finish(self) -> plans.Plan: ...


@dataclass(frozen=True)
class Pipeline[R]:
    """How rows of one kind are parsed and checked."""

    parse: Callable[[Cells], R | None]
    checker: Callable[[Organisation, ErrorList], RowChecker[R]]


PIPELINES: dict[str, Pipeline[Any]] = {
    schema.GL_ACCOUNTS.name: Pipeline(schema.parse_gl_account, checks.GLAccountChecker),
    schema.MEMBERS.name: Pipeline(schema.parse_member, checks.MemberChecker),
    schema.INVOICES.name: Pipeline(schema.parse_invoice_line, checks.InvoiceChecker),
    schema.PAYMENTS.name: Pipeline(schema.parse_payment, checks.PaymentChecker),
}


def run_import(
    actor: Actor,
    kind: str,
    stream: IO[bytes],
    *,
    dry_run: bool = False,
    max_bytes: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check `stream` as a CSV file of `kind` and, if it is all valid and not a dry run, write it.

    `progress(rows_written, rows)` is called as the writing goes (the CLI shows a percentage).
    """
    actor.require(Role.BOOKKEEPER)
    result = ImportResult(kind=kind, dry_run=dry_run)
    refusal = reading.too_large(
        reading.size_of(stream), settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    )
    if refusal:
        result.errors.add(None, "", "", refusal)
        return result
    plan = _check(actor.organisation, KINDS[kind], stream, result)
    if plan is None:
        return result
    summary = plan.summary()
    result.created = dict.fromkeys(summary.created, 0)
    if result.errors:
        return result
    if not dry_run:
        try:
            write(actor, plan, partial(progress, total=result.rows) if progress else None)
        except WriteFailed as exc:
            result.errors.add(exc.row, exc.column, "", exc.message)
            return result
        result.written = True
    result.created, result.totals = summary.created, summary.totals
    return result


def _check(
    organisation: Organisation, kind: Kind, stream: IO[bytes], result: ImportResult
) -> plans.Plan | None:
    """Read and check every row; the plan to write, or None if the file could not be read."""
    pipeline = PIPELINES[kind.name]
    checker = pipeline.checker(organisation, result.errors)
    dates = DateLog()
    with reading.CsvFile(stream, result.errors) as csv_file:
        records = csv_file.records()
        header = _header(kind, csv_file, records, result)
        if header is None:
            return None
        for row, cells in records:
            if csv_file.take_bad_bytes():
                cells = reading.repair_cells(row, header.names, cells, result.errors)
            if not any(cell.strip() for cell in cells):
                continue
            result.rows += 1
            values = _values(row, cells, header, result.errors)
            if len(result.preview) < PREVIEW_ROWS:
                result.preview.append((row, [values.get(c, "") for c in result.columns]))
            parsed = pipeline.parse(Cells(row, values, result.errors, dates))
            if parsed is not None:
                checker.add(parsed)
            else:
                checker.add_failed(row, values)
    if result.rows == 0:
        result.errors.add(None, "", "", "The file has a header but no rows to import.")
    dates.report(result.errors)
    return checker.finish()


def _header(
    kind: Kind,
    csv_file: reading.CsvFile,
    records: Iterator[tuple[int, list[str]]],
    result: ImportResult,
) -> reading.Header | None:
    """Read row 1 as the header; None (with the reason in the errors) if it cannot be used."""
    errors, need = result.errors, ", ".join(kind.required)
    first = next(records, None)
    if first is None:
        if not errors:
            errors.add(
                None, "", "", f"The file is empty. Its first row must be the header: {need}."
            )
        return None
    row, cells = first
    if csv_file.take_bad_bytes():
        cells = reading.repair_cells(row, [], cells, errors)
    if not any(cell.strip() for cell in cells):
        errors.add(1, "", "", f"Row 1 is empty; the first row must be the header: {need}.")
        return None
    header = reading.read_header(cells, kind.columns, kind.required, errors, kind.one_of)
    if header is not None:
        result.ignored_columns = header.ignored
        result.columns = [c for c in kind.columns if c in header.positions]
    return header


def _values(
    row: int, cells: list[str], header: reading.Header, errors: ErrorList
) -> dict[str, str]:
    width = len(header.names)
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        errors.add(
            row,
            f"column {width + 1}",
            ",".join(cells[width:]),
            f"This row has {len(cells)} cells but the header has {width} columns. "
            "A cell with a comma in it must be quoted.",
        )
    return {
        name: cells[index] if index < len(cells) else "" for name, index in header.positions.items()
    }
