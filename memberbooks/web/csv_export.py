"""CSV downloads that are safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return,
which some spreadsheets skip before reading a formula) is run as a formula by
Excel, LibreOffice and Google Sheets. A member who calls themselves
`=HYPERLINK("http://evil.example","Click")` would otherwise become a live link
in the bookkeeper's export. Such cells get a leading single quote, which the
spreadsheet shows as text.

The decision is made by type, not by content:

- `str` values are text typed by a person or an import. Every one is
  neutralised, including a string that merely looks like a negative number
  ("-5"): we cannot know where it came from.
- `Decimal` and `int` values are amounts and counts that memberbooks computed
  itself. They are written as plain numbers, so a negative net balance stays
  `-25.00` and sums in the spreadsheet. A number cannot carry a formula.
- `datetime.date` is written as ISO 8601 (`2026-06-30`), `None` as empty,
  `bool` as `yes`/`no`.

Amounts are written with two decimals and no thousands separators, which every
spreadsheet reads as a number.
"""

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | Decimal | int | dt.date | bool | None


def neutralise(text: str) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Cell) -> str:
    """One value as CSV text; see the module docstring for the rule per type."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


class _Line:
    """A file-like object whose `write` hands back the line instead of storing it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The CSV text line by line: a header, then each row with every cell made safe."""
    writer = csv.writer(_Line())
    yield writer.writerow([neutralise(name) for name in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> StreamingHttpResponse:
    """A streamed CSV download, so a 50,000-row export never sits in memory whole.

    A byte-order mark starts the file so that Excel reads it as UTF-8.
    """

    def body() -> Iterator[str]:
        yield "\ufeff"
        yield from csv_lines(header, rows)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
