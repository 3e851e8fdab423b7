"""Shapes: one dataclass is the parser, the serialiser and the OpenAPI schema of a JSON object.

A shape is a frozen dataclass whose annotations say what each field holds.
`parse()` turns a JSON body (or `parse_query()` a query string) into an
instance, refusing anything else with an `ApiError` that names the field;
`dump()` turns a response shape into JSON; `SchemaBuilder` writes the same
annotations into the OpenAPI document. Because all three read the same
annotations, the document cannot drift from what the API accepts and returns.

Annotations understood:
    str, int, bool, dt.date, dt.datetime
    Money        a decimal string, at most two places ("125.00"); JSON numbers are refused
    Quantity     a decimal string (at most three places) or an integer
    TextChoices  one of its values; Literal["a", "b"] likewise
    X | None     may be null; a field defaulting to None may also be left out
    list[X]      an array;  a shape: a nested object
    Annotated[X, Column(Model, "field")]  max length (and help text) from the model field
    Annotated[X, Range(1, 200)]           bounds of an integer
    Annotated[X, Alias("from")]           the JSON name, where the Python name is a keyword
    Annotated[X, "text"]                  a description
"""

import dataclasses
import datetime as dt
import functools
import json
import re
import types
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType, Union, get_args, get_origin, get_type_hints

from django.db import models
from django.http import QueryDict

from memberbooks.api.errors import ApiError

Money = NewType("Money", Decimal)
Quantity = NewType("Quantity", Decimal)

MONEY_IN = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
QUANTITY_IN = re.compile(r"[0-9]{1,9}(\.[0-9]{1,3})?")
DATE_IN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONEY_FIX = 'Write it as a string of digits with at most two decimals, like "125.00" (no currency sign, no thousands separator).'


@dataclasses.dataclass(frozen=True)
class Column:
    """Take a string's maximum length (and help text) from a model field, so they agree."""

    model: type[models.Model]
    name: str

    @property
    def max_length(self) -> int | None:
        return getattr(self.model._meta.get_field(self.name), "max_length", None)

    @property
    def help_text(self) -> str:
        return str(getattr(self.model._meta.get_field(self.name), "help_text", ""))


@dataclasses.dataclass(frozen=True)
class Range:
    low: int
    high: int


@dataclasses.dataclass(frozen=True)
class Alias:
    name: str


@dataclasses.dataclass(frozen=True)
class Type:
    """An annotation taken apart: the base type, whether null is allowed, and its metadata."""

    base: Any
    nullable: bool = False
    meta: tuple[object, ...] = ()

    def find[M](self, kind: type[M]) -> M | None:
        return next((m for m in self.meta if isinstance(m, kind)), None)

    @property
    def description(self) -> str:
        column = self.find(Column)
        texts = [m for m in self.meta if isinstance(m, str)]
        return " ".join(texts) or (column.help_text if column else "")


def unwrap(annotation: Any) -> Type:
    """Peel `Annotated[...]` and `X | None` (in either order) off an annotation."""
    meta: tuple[object, ...] = ()
    nullable = False
    while True:
        if get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            meta += tuple(extra)
        elif get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(
            annotation
        ):
            (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
            nullable = True
        else:
            return Type(annotation, nullable, meta)


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    key: str
    type: Type
    required: bool


def fields_of(shape: type) -> tuple[Field, ...]:
    """The shape's fields with their JSON names and parsed annotations (worked out once per shape)."""
    return _fields_of(shape)


@functools.cache
def _fields_of(shape: type) -> tuple[Field, ...]:
    hints = get_type_hints(shape, include_extras=True)
    result = []
    for f in dataclasses.fields(shape):
        kind = unwrap(hints[f.name])
        alias = kind.find(Alias)
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        result.append(Field(f.name, alias.name if alias else f.name, kind, required))
    return tuple(result)


# --- parsing ----------------------------------------------------------------------------------


def parse[S](shape: type[S], data: object) -> S:
    """A request body as `shape`; unknown fields are refused, so a typo is not silently ignored."""
    return _object(shape, data, "", query=False)


def parse_query[S](shape: type[S], query: QueryDict) -> S:
    """Query parameters as `shape`; empty values count as absent and unknown ones are ignored."""
    data = {key: value for key, value in query.items() if value != ""}
    known = {f.key for f in fields_of(shape)}
    return _object(shape, {k: v for k, v in data.items() if k in known}, "", query=True)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _json_type(value: object) -> str:
    for kind, name in ((bool, "true/false"), (str, "a string"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    if isinstance(value, list):
        return "an array"
    return "null" if value is None else "a number"


def _shown(value: object) -> str:
    """A value as it appeared in the JSON (or query string), for messages."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value, ensure_ascii=False)


def _object[S](shape: type[S], data: object, where: str, query: bool) -> S:
    if not isinstance(data, dict):
        raise ApiError.invalid(
            where or None,
            f"{where or 'The body'} must be a JSON object, not {_json_type(data)}.",
            fix="Send an object of named fields; /api/v1/openapi.json lists them.",
        )
    fields = fields_of(shape)
    unknown = sorted(set(data) - {f.key for f in fields})
    if unknown:
        raise ApiError.invalid(
            _join(where, unknown[0]),
            f"{_join(where, unknown[0])} is not a field of this request.",
            fix=f"Known fields: {', '.join(f.key for f in fields)}.",
        )
    values = {}
    for f in fields:
        if f.key in data:
            values[f.name] = _value(f.type, data[f.key], _join(where, f.key), query)
        elif f.required:
            raise ApiError.invalid(
                _join(where, f.key),
                f"{_join(where, f.key)} is missing.",
                fix=f"Add {f.key}; it is required.",
            )
    return shape(**values)


def _value(kind: Type, value: object, where: str, query: bool) -> Any:
    if value is None:
        if kind.nullable:
            return None
        raise ApiError.invalid(
            where, f"{where} must not be null.", fix="Give it a value, or leave it out."
        )
    base = kind.base
    if base is Money:
        return _money(value, where)
    if base is Quantity:
        return _quantity(value, where)
    if base is dt.date:
        return _date(value, where)
    if base is str:
        return _text(kind, value, where)
    if base is int:
        return _integer(kind, value, where, query)
    if isinstance(base, type) and issubclass(base, models.Choices):
        return base(_choice(value, where, [str(v) for v in base.values]))
    if get_origin(base) is Literal:
        return _choice(value, where, [str(a) for a in get_args(base)])
    if get_origin(base) is list:
        return _list(unwrap(get_args(base)[0]), value, where)
    if dataclasses.is_dataclass(base):
        return _object(base, value, where, query)  # type: ignore[arg-type]
    raise TypeError(f"{where}: shapes cannot take {base!r}")


def _money(value: object, where: str) -> Money:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        raise ApiError.invalid(
            where,
            f"{where} is the JSON number {value}; amounts must be strings.",
            fix=f'Send it in quotes, "{value}", so no client rounds it through a float.',
        )
    if not isinstance(value, str) or not MONEY_IN.fullmatch(value):
        raise ApiError.invalid(where, f"{_shown(value)} is not an amount.", fix=MONEY_FIX)
    return Money(Decimal(value))


def _quantity(value: object, where: str) -> Quantity:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not QUANTITY_IN.fullmatch(text) or Decimal(text) <= 0:
        raise ApiError.invalid(
            where,
            f"{_shown(value)} is not a quantity.",
            fix='Write a positive number as a string, like "1" or "2.5" (at most three decimals). '
            "For a discount or reversal, post a credit memo.",
        )
    return Quantity(Decimal(text))


def _date(value: object, where: str) -> dt.date:
    try:
        if isinstance(value, str) and DATE_IN.fullmatch(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ApiError.invalid(
        where, f"{_shown(value)} is not a date.", fix="Write it as YYYY-MM-DD, like 2025-01-31."
    )


def _text(kind: Type, value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ApiError.invalid(
            where, f"{where} must be a string, not {_json_type(value)}.", fix="Put it in quotes."
        )
    column = kind.find(Column)
    limit = column.max_length if column else None
    if limit is not None and len(value.strip()) > limit:
        raise ApiError.invalid(
            where,
            f"{where} is {len(value.strip())} characters long; at most {limit} fit.",
            fix="Shorten it.",
        )
    return value


def _integer(kind: Type, value: object, where: str, query: bool) -> int:
    if query and isinstance(value, str) and value.isdigit():
        value = int(value)
    bounds = kind.find(Range)
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (bounds is None or bounds.low <= value <= bounds.high)
    ):
        return value
    span = f" from {bounds.low} to {bounds.high}" if bounds else ""
    raise ApiError.invalid(
        where, f"{_shown(value)} is not allowed here.", fix=f"Give a whole number{span}."
    )


def _choice(value: object, where: str, allowed: list[str]) -> str:
    if isinstance(value, str) and value in allowed:
        return value
    raise ApiError.invalid(
        where, f"{_shown(value)} is not allowed.", fix=f"Use one of: {', '.join(allowed)}."
    )


def _list(item: Type, value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ApiError.invalid(
            where, f"{where} must be an array, not {_json_type(value)}.", fix="Send a JSON array."
        )
    return [_value(item, entry, f"{where}[{index}]", False) for index, entry in enumerate(value)]


# --- serialising ------------------------------------------------------------------------------


def dump(value: object) -> object:
    """A response shape as JSON-ready data: amounts as decimal strings, dates as ISO strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.key: dump(getattr(value, f.name)) for f in fields_of(type(value))}
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [dump(entry) for entry in value]
    if isinstance(value, dict):
        return {str(key): dump(entry) for key, entry in value.items()}
    if isinstance(value, str):
        return str(value)  # TextChoices members become their plain value
    if value is None or isinstance(value, (bool, int)):
        return value
    raise TypeError(f"cannot put {type(value).__name__} into JSON: {value!r}")


# --- OpenAPI schemas --------------------------------------------------------------------------

MONEY_SCHEMA = {
    "type": "string",
    "pattern": r"^-?[0-9]+(\.[0-9]{1,2})?$",
    "examples": ["125.00"],
    "description": "An amount as a decimal string. Requests: a string of digits with at most "
    "two decimals, never a JSON number. Responses: always two decimals; balances and credits "
    "may be negative.",
}
QUANTITY_SCHEMA = {
    "type": ["string", "integer"],
    "pattern": r"^[0-9]+(\.[0-9]{1,3})?$",
    "examples": ["1", "2.5"],
    "description": "A positive quantity: a decimal string (at most three decimals) or an integer.",
}


class SchemaBuilder:
    """Writes shapes into OpenAPI 3.1 schemas, collecting each shape once under `components`."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {
            "Money": MONEY_SCHEMA,
            "Quantity": QUANTITY_SCHEMA,
        }

    def ref(self, shape: type, *, closed: bool) -> dict[str, Any]:
        """A `$ref` to the shape; `closed` (request bodies) forbids other properties."""
        name = shape.__name__
        if name not in self.components:
            self.components[name] = {}  # reserve first, in case a shape refers to itself
            self.components[name] = self.object_schema(shape, closed=closed)
        return {"$ref": f"#/components/schemas/{name}"}

    def parameters(self, shape: type) -> list[dict[str, Any]]:
        """Query parameters, one per field of the shape."""
        params = []
        for f in fields_of(shape):
            param: dict[str, Any] = {
                "name": f.key,
                "in": "query",
                "required": f.required,
                "schema": self.of(Type(f.type.base, False, f.type.meta), closed=False),
            }
            param["schema"].pop("description", None)
            if f.type.description:
                param["description"] = f.type.description
            params.append(param)
        return params

    def object_schema(self, shape: type, *, closed: bool) -> dict[str, Any]:
        fields = fields_of(shape)
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {f.key: self.of(f.type, closed=closed) for f in fields},
            "required": [f.key for f in fields if f.required],
        }
        if closed:
            schema["additionalProperties"] = False
        if shape.__doc__ and not shape.__doc__.startswith(f"{shape.__name__}("):
            schema["description"] = " ".join(shape.__doc__.split())
        return schema

    def of(self, kind: Type, *, closed: bool) -> dict[str, Any]:
        schema = self._base(kind, closed)
        if kind.description and "$ref" not in schema:
            schema["description"] = kind.description
        if kind.nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        return schema

    def _base(self, kind: Type, closed: bool) -> dict[str, Any]:
        base = kind.base
        if base is Any:
            return {}
        simple = {str: "string", int: "integer", bool: "boolean"}
        if base is Money or base is Quantity:
            return {"$ref": f"#/components/schemas/{base.__name__}"}
        if base is dt.date or base is dt.datetime:
            return {"type": "string", "format": "date" if base is dt.date else "date-time"}
        if base in simple:
            return self._bounded({"type": simple[base]}, kind)
        if isinstance(base, type) and issubclass(base, models.Choices):
            return {"type": "string", "enum": [str(v) for v in base.values]}
        if get_origin(base) is Literal:
            return {"type": "string", "enum": list(get_args(base))}
        if get_origin(base) is list:
            return {"type": "array", "items": self.of(unwrap(get_args(base)[0]), closed=closed)}
        if dataclasses.is_dataclass(base) and isinstance(base, type):
            return self.ref(base, closed=closed)
        raise TypeError(f"no schema for {base!r}")

    @staticmethod
    def _bounded(schema: dict[str, Any], kind: Type) -> dict[str, Any]:
        column, bounds = kind.find(Column), kind.find(Range)
        if column and column.max_length:
            schema["maxLength"] = column.max_length
        if bounds:
            schema.update(minimum=bounds.low, maximum=bounds.high)
        return schema
