"""Cell parsers: text, dates, amounts, quantities and choices.

Each parser takes the cell as written and returns the value, or raises
`Invalid` with a message saying what was expected. Numbers are parsed from the
text with `Decimal`, never through `float`.

Accepted formats (docs/import.md repeats them for users):
- Dates: `YYYY-MM-DD`, or `MM/DD/YYYY` (US order, one- or two-digit month and
  day). A two-digit year, a day/month/year date, a time part or a year outside
  1900-2100 is refused. A slash date that could be read both ways (03/04/2026)
  is read as US order unless the same file has a day-first date (25/04/2026),
  in which case the cross-row check refuses every such date as ambiguous.
- Amounts: `1250`, `1250.5`, `1250.00`, `$1,250.00`: an optional dollar sign,
  commas only between groups of three digits, a dot for cents, at most two
  decimal places (trailing zeros beyond are fine). Other currency signs,
  decimal commas and negative or parenthesised amounts are refused.
- Quantities: a positive number with at most three decimal places.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import models

from memberbooks.ledger.actions import MAX_AMOUNT
from memberbooks.ledger.money import CENT

MAX_QUANTITY = Decimal("999999999.999")
QUANTITY_STEP = Decimal("0.001")
DATE_FORMATS = "YYYY-MM-DD (2026-03-31) or MM/DD/YYYY (03/31/2026)"
AMOUNT_FORMATS = "1250.00 or $1,250.00 (a dot before the cents, commas only between thousands)"


class Invalid(ValueError):
    """A cell that cannot be used, with the message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DayFirst(Invalid):
    """A slash date that can only be day/month/year: evidence that the file is written day-first."""


def text(value: str, max_length: int, *, empty: str = "") -> str:
    """Stripped text of at most `max_length` characters; if `empty` is given, a blank is refused with it."""
    clean = value.strip()
    if empty and not clean:
        raise Invalid(empty)
    if len(clean) > max_length:
        raise Invalid(f"{len(clean)} characters is too long; at most {max_length} fit here.")
    return clean


def email(value: str, max_length: int) -> str:
    clean = text(value, max_length)
    if clean and ("@" not in clean or " " in clean or clean.startswith("@") or clean.endswith("@")):
        raise Invalid("This is not an email address; write it as name@example.org.")
    return clean


# --- dates ------------------------------------------------------------------------------------

_ISO = re.compile(r"\d{4}-\d{1,2}-\d{1,2}", re.ASCII)
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_SHORT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", re.ASCII)
_WITH_TIME = re.compile(
    r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})[ T]\d{1,2}:\d{2}.*", re.ASCII
)


class DateValue:
    """A parsed date, remembering whether it was a slash date that reads both ways."""

    __slots__ = ("ambiguous", "date")

    def __init__(self, date: dt.date, *, ambiguous: bool = False) -> None:
        self.date = date
        self.ambiguous = ambiguous  # 03/04/2026: March 4 in US order, 3 April day-first


def date(value: str) -> DateValue:
    clean = value.strip()
    if not clean:
        raise Invalid(f"The date is empty; write it as {DATE_FORMATS}.")
    if _WITH_TIME.fullmatch(clean):
        raise Invalid(f"This date has a time part; keep only the date, as {DATE_FORMATS}.")
    if _ISO.fullmatch(clean):
        year, month, day = (int(part) for part in clean.split("-"))
        return DateValue(_real_date(year, month, day))
    us = _US.fullmatch(clean)
    if us:
        month, day, year = (int(part) for part in us.groups())
        if month > 12 and day <= 12 and _exists(year, day, month):
            raise DayFirst(
                f"This looks like day/month/year. Slash dates are read as month/day/year (US); "
                f"write it as {year:04d}-{day:02d}-{month:02d}, or fix the order in the whole column."
            )
        return DateValue(
            _real_date(year, month, day), ambiguous=month <= 12 and day <= 12 and month != day
        )
    if _SHORT_YEAR.fullmatch(clean):
        raise Invalid(f"A two-digit year is ambiguous; write the full year, as {DATE_FORMATS}.")
    raise Invalid(f"This is not a date; write it as {DATE_FORMATS}.")


def _exists(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _real_date(year: int, month: int, day: int) -> dt.date:
    if not 1900 <= year <= 2100:
        raise Invalid(f"The year {year} is out of range (1900-2100); check the year.")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Invalid(
            f"There is no such day ({year:04d}-{month:02d}-{day:02d}); write a real date as {DATE_FORMATS}."
        ) from None


# --- amounts and quantities -------------------------------------------------------------------

_NUMBER = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d+))?", re.ASCII)


def _number(clean: str) -> Decimal | None:
    """The exact Decimal a plain or comma-grouped number stands for, or None."""
    match = _NUMBER.fullmatch(clean)
    if not match or not (match["int"] or match["frac"]):
        return None
    try:
        return Decimal(f"{(match['int'] or '0').replace(',', '')}.{match['frac'] or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None


def amount(value: str, *, allow_zero: bool = False) -> Decimal:
    """A dollar amount, more than zero (or zero when `allow_zero`), exact to the cent."""
    clean = "".join(value.split())
    if not clean:
        raise Invalid(f"The amount is empty; write it like {AMOUNT_FORMATS}.")
    negative, body = False, clean
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    for sign in ("-", "$", "-"):
        if body.startswith(sign):
            negative, body = negative or sign == "-", body[1:]
    number = _number(body)
    if number is None:
        raise Invalid(_amount_hint(clean))
    if negative and number:
        raise Invalid(
            "Negative amounts are not taken here; for a discount, refund or reversal "
            "record a credit memo or refund after the import."
        )
    if number != number.quantize(CENT):
        raise Invalid(
            "Amounts have at most two decimal places (cents); round it in the source file."
        )
    if number == 0 and not allow_zero:
        raise Invalid("The amount must be more than zero.")
    if number > MAX_AMOUNT:
        raise Invalid(f"The amount is too large; amounts stop at {MAX_AMOUNT:,}.")
    return number.quantize(CENT)


def _amount_hint(clean: str) -> str:
    if any(sign in clean for sign in "€£¥") or clean[:3].isalpha():
        return f"Only dollar amounts are taken; write it like {AMOUNT_FORMATS}."
    if re.fullmatch(r"\$?\d{1,3}(\.\d{3})+(,\d+)?|\$?\d+,\d{1,2}", clean, re.ASCII):
        return f"This looks like a decimal comma; write it like {AMOUNT_FORMATS}."
    return f"This is not an amount; write it like {AMOUNT_FORMATS}."


def quantity(value: str) -> Decimal:
    """A quantity more than zero with at most three decimal places; empty means 1."""
    clean = "".join(value.split())
    if not clean:
        return Decimal("1")
    if clean.startswith("-") and _number(clean[1:]) is not None:
        raise Invalid(
            "The quantity must be more than zero; for a discount or reversal record a credit memo."
        )
    number = _number(clean)
    if number is None:
        raise Invalid("This is not a quantity; write a number like 1, 2 or 1.5.")
    if number == 0:
        raise Invalid("The quantity must be more than zero; leave out a line with nothing charged.")
    if number != number.quantize(QUANTITY_STEP):
        raise Invalid("Quantities have at most three decimal places.")
    if number > MAX_QUANTITY:
        raise Invalid(f"The quantity is too large; quantities stop at {MAX_QUANTITY:,}.")
    return number


# --- choices ----------------------------------------------------------------------------------


def _say(value: str) -> str:
    return " ".join(value.lower().split())


class Choice:
    """A choice column: takes the stored value or the label, any case, and label parts."""

    def __init__(
        self,
        choices: type[models.TextChoices],
        default: str | None = None,
        synonyms: dict[str, str] | None = None,
    ) -> None:
        self.values = [str(v) for v in choices.values]
        self.default = default
        self.words: dict[str, str] = {}
        for stored, label in zip(choices.values, choices.labels, strict=True):
            self.words[_say(str(label))] = str(stored)
            for part in str(label).split("/"):
                self.words.setdefault(_say(part), str(stored))
            self.words[str(stored)] = str(stored)
        self.words.update({_say(word): stored for word, stored in (synonyms or {}).items()})

    def __call__(self, value: str) -> str:
        said = _say(value)
        if not said and self.default is not None:
            return self.default
        found = self.words.get(said)
        if found is None:
            what = "empty" if not said else "not one of the choices"
            raise Invalid(f"This is {what}; use one of: {', '.join(self.values)}.")
        return found
