"""Reading a CSV file: size, encoding, header and rows, streamed.

- The size is checked first; a file over `IMPORT_MAX_BYTES` is refused unread.
- The bytes must be UTF-8. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is
  dropped silently. Any other byte sequence is reported on the row and column
  where it sits, with the text as Windows-1252 would read it, since that is
  what Excel's plain "CSV" writes on Windows.
- Rows are numbered as a spreadsheet numbers them: the header is row 1, a
  blank line still counts as a row, and a quoted cell spanning several lines
  is one row. Blank rows are skipped.
- Header names are matched without regard to case, spaces or hyphens
  ("Member Number" is `member_number`). Columns the kind does not know are
  ignored and listed; a missing required column stops the import.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import TextIOWrapper
from typing import IO

from memberbooks.imports.errors import ErrorList

_ESCAPED = re.compile("[\udc80-\udcff]+")  # bytes that were not UTF-8, kept by surrogateescape
SAVE_AS_UTF8 = (
    'Save the file as UTF-8: in Excel choose Save As > "CSV UTF-8 (Comma delimited)"; '
    'in LibreOffice tick "Edit filter settings" and pick Unicode (UTF-8).'
)


def size_of(stream: IO[bytes]) -> int:
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def too_large(size: int, max_bytes: int) -> str | None:
    """The refusal for a file over the limit, or None."""
    if size <= max_bytes:
        return None
    return (
        f"The file is {_megabytes(size)}; the import takes at most {_megabytes(max_bytes)} "
        "(IMPORT_MAX_BYTES). Split it into smaller files and import them one after another."
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 104_858 else f"{size:,} bytes"


def normalise_header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass
class Header:
    """Where each known column sits, and what was ignored."""

    positions: dict[str, int]
    names: list[str]  # every column's normalised name, for reporting a cell by its column
    ignored: list[str] = field(default_factory=list)


class CsvFile:
    """A UTF-8 CSV file read row by row; errors go to `errors` as they are found.

    Use it as a context manager: leaving it lets go of the byte stream without closing it.
    """

    def __init__(self, stream: IO[bytes], errors: ErrorList) -> None:
        self.errors = errors
        self._text = TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
        self._bad_bytes = False
        self._reader = csv.reader(self._lines(), strict=True)
        self._row = 0  # spreadsheet row of the last record read

    def __enter__(self) -> "CsvFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self._text.detach()

    def _lines(self) -> Iterator[str]:
        first = True
        for line in self._text:
            if first:
                first = False
                if line.startswith("\ufeff"):
                    line = line[1:]
            if _ESCAPED.search(line):
                self._bad_bytes = True
            yield line

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) for every record, blank rows included; stops at unreadable CSV."""
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                row = self._row + 1
                hint = (
                    'A quote (") opened on this row is never closed.'
                    if "end of data" in str(exc)
                    else 'A cell that contains a quote (") must be quoted as a whole, with the quote doubled ("").'
                )
                self.errors.add(row, "", "", f"The CSV cannot be read from here on ({exc}). {hint}")
                return
            self._row += 1
            yield self._row, cells

    def take_bad_bytes(self) -> bool:
        """Whether the record just read held bytes that are not UTF-8 (and forget it)."""
        bad, self._bad_bytes = self._bad_bytes, False
        return bad


def repair_cells(row: int, names: list[str], cells: list[str], errors: ErrorList) -> list[str]:
    """Report each cell holding non-UTF-8 bytes; return the cells with those bytes replaced."""
    repaired = []
    for index, cell in enumerate(cells):
        if _ESCAPED.search(cell):
            raw = cell.encode("utf-8", "surrogateescape")
            as_cp1252 = raw.decode("cp1252", errors="replace")
            escaped = "".join(match.group() for match in _ESCAPED.finditer(cell))
            bad = " ".join(f"0x{ord(c) - 0xDC00:02X}" for c in dict.fromkeys(escaped))
            column = (
                names[index] if index < len(names) else f"column {index + 1}"
            )  # header: by number
            cell = _ESCAPED.sub("\ufffd", cell)
            errors.add(
                row,
                column,
                cell,
                f'This text is not UTF-8 (byte {bad}); it reads "{as_cp1252}" as Windows-1252. '
                + SAVE_AS_UTF8,
            )
        repaired.append(cell)
    return repaired


def read_header(
    cells: list[str],
    known: tuple[str, ...],
    required: tuple[str, ...],
    errors: ErrorList,
    one_of: tuple[str, ...] = (),
) -> Header | None:
    """Map the header row onto the kind's columns; None (with errors) if it cannot be used."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    usable = True
    for index, cell in enumerate(cells):
        name = normalise_header(cell)
        if name in known:
            if name in positions:
                usable = False
                errors.add(
                    1,
                    name,
                    cell,
                    f"Column {name} appears twice (columns {positions[name] + 1} and {index + 1}). "
                    "Keep one of them.",
                )
            else:
                positions[name] = index
        elif name:
            ignored.append(cell.strip())
        elif any(c.strip() for c in cells[index + 1 :]):
            ignored.append(f"(column {index + 1}, no header)")
    missing = [name for name in required if name not in positions]
    for name in missing:
        errors.add(
            1,
            name,
            "",
            f"The required column {name} is missing. The header row needs: {', '.join(required)}"
            f" (optional: {', '.join(c for c in known if c not in required) or 'none'}).",
        )
    if one_of and not any(name in positions for name in one_of):
        usable = False
        errors.add(
            1,
            ", ".join(one_of),
            "",
            f"The header row needs at least one of the columns {', '.join(one_of)}.",
        )
    if missing or not usable:
        return None
    names = [normalise_header(cell) or f"column {i + 1}" for i, cell in enumerate(cells)]
    return Header(positions, names, ignored)
