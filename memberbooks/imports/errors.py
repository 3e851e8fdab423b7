"""What the importer says about a file: error records, as data.

Every check, from the encoding of the bytes to an over-applied invoice, reports
the same record: the spreadsheet row (the header is row 1; `None` for the file
as a whole), the column, the value found there and what was expected. The CLI
prints them, `--json` dumps them and the page puts them in a table.
"""

from collections.abc import Iterator
from dataclasses import dataclass

MAX_KEPT = 1000  # errors kept for display; all are counted
MAX_VALUE = 80  # characters of a value quoted back in an error


def shown(value: str) -> str:
    """A cell value as quoted back to the user: shortened, invisible characters made visible."""
    text = value.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


@dataclass(frozen=True, slots=True)
class RowError:
    row: int | None
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = "File" if self.row is None else f"Row {self.row}"
        if self.column:
            where += f", column {self.column}"
        if self.value:
            where += f' ("{self.value}")'
        return f"{where}: {self.message}"


class ErrorList:
    """Collects errors in the order found; keeps the first `limit`, counts them all."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        self.limit = limit
        self.kept: list[RowError] = []
        self.count = 0

    def add(self, row: int | None, column: str, value: str, message: str) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(RowError(row, column, shown(value), message))

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[RowError]:
        return iter(self.kept)

    @property
    def truncated(self) -> int:
        """How many errors were counted but not kept."""
        return self.count - len(self.kept)
