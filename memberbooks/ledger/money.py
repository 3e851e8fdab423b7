"""Money rules, in one place.

Amounts are `Decimal` at two places, rounded half-up by `quantize()` and nowhere
else. A float is refused outright: it cannot represent cents exactly, so letting
one in would make totals drift. In the database an amount is stored as a whole
number of cents (`MoneyField`), so SQLite and PostgreSQL add it up the same
exact way; Python never sees the cents, only `Decimal`.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import Combinable

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyTypeError(TypeError):
    """Raised when a float (or anything not exact) is offered as money."""


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Exact conversion to Decimal; floats are refused, strings are parsed as written."""
    if isinstance(value, (bool, float)):
        raise MoneyTypeError(f"money must not be a {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    raise MoneyTypeError(f"money must be Decimal, int or str, not {type(value).__name__}")


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to cents, half-up (0.005 -> 0.01, -0.005 -> -0.01). The only rounding in the project."""
    number = to_decimal(value)
    if not number.is_finite():
        raise ValueError(f"money must be finite: {value!r}")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Amount of an invoice line: quantity x unit price, rounded once."""
    return quantize(to_decimal(quantity) * to_decimal(unit_price))


def to_cents(value: Decimal | int | str) -> int:
    return int(quantize(value).scaleb(2))


def from_cents(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)  # an integer scaled by -2 has exactly two places


def money_sum(values: Any) -> Decimal:
    total = ZERO
    for value in values:
        total += quantize(value)
    return total


class MoneyFormField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)


if TYPE_CHECKING:
    _MoneyBase = models.BigIntegerField[Decimal | int | str | Combinable, Decimal]
else:
    _MoneyBase = models.BigIntegerField


class MoneyField(_MoneyBase):
    """A Decimal amount stored as integer cents.

    Integer storage keeps SQLite's SUM exact (its NUMERIC affinity would turn
    decimals into binary floats) and makes check constraints compare exactly.
    """

    description = "Money amount (Decimal, stored as cents)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return from_cents(value)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return quantize(value)
        except (ValueError, MoneyTypeError) as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        return to_cents(value)

    def formfield(self, **kwargs: Any) -> Any:
        kwargs.setdefault("form_class", MoneyFormField)
        return models.Field.formfield(self, **kwargs)

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)


def money_value(value: Decimal) -> models.Value:
    """An amount inside an F() expression, so it is sent as cents like the column it meets."""
    return models.Value(quantize(value), output_field=MoneyField())
