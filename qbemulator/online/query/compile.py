"""Turn a parsed `Statement` into a `Plan`: the canonical entity, one predicate over stored
entity dicts, and sort keys. Unknown entities and properties, OR, bad values and paging
out of range become QBO's 4001 "Invalid query" faults here.

Comparisons follow the property's type, never the literal's: amounts as Decimal,
dates as ISO dates, timestamps as aware datetimes, references by their `value`, and
text without regard to case (QBO: "attribute values are also not case sensitive").
"""

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from qbemulator.online.faults import Fault
from qbemulator.online.query import schema
from qbemulator.online.query.parser import Condition, Literal, Statement

Entity = dict[str, Any]
Predicate = Callable[[Entity], bool]
SortKey = Callable[[Entity], Any]

DEFAULT_MAX, MAX_RESULTS = 100, 1000
# A timestamp literal without an offset is read in the company's zone (QBO writes Pacific).
COMPANY_ZONE = dt.timezone(dt.timedelta(hours=-8))
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def invalid(detail: str) -> Fault:
    return Fault("4001", "Invalid query", f"QueryValidationError: {detail}")


@dataclass
class Plan:
    entity: str
    count: bool
    columns: list[str] | None
    predicate: Predicate | None  # None: every entity matches
    order: list[tuple[SortKey, bool]]
    start: int
    max_results: int


def compile_statement(
    statement: Statement, table: dict[str, Entity], stored: str | None = None
) -> Plan:
    """`table` holds the entities named in the FROM; `stored` is its name if the company has
    such a table, which makes an entity the schema does not list queryable by Id and MetaData."""
    entity = schema.ENTITIES.get(statement.entity.lower())
    if entity is None and stored is not None and not stored.startswith("_"):
        entity = stored
    if entity is None:
        raise invalid(f"invalid context declaration: {statement.entity}")
    if statement.uses_or:
        raise invalid("OR operation is not supported")
    fields = [_field(entity, c.name, table) for c in statement.conditions]
    tests = [_test(f, c) for f, c in zip(fields, statement.conditions, strict=True)]
    if entity in schema.NAME_LISTS and not any(f.name == "Active" for f in fields):
        tests.append(_active)
    order = [(_sort_key(_field(entity, name, table)), desc) for name, desc in statement.order]
    return Plan(
        entity=entity,
        count=statement.count,
        columns=statement.columns,
        predicate=_all(tests),
        order=order,
        start=_bounded(statement.start, 1, None),
        max_results=_bounded(statement.max_results, DEFAULT_MAX, MAX_RESULTS),
    )


def _bounded(value: int | None, default: int, most: int | None) -> int:
    if value is None:
        return default
    if value < 1:
        raise invalid(f"value {value} is too small. Min allowed value is 1")
    if most is not None and value > most:
        raise invalid(f"value {value} is too large. Max allowed value is {most}")
    return value


def _field(entity: str, name: str, table: dict[str, Entity]) -> schema.Field:
    """The filterable property `name` (any case), or the fault QBO gives for it."""
    found = schema.FILTERABLE.get(entity, schema.COMMON).get(name.lower())
    if found is not None:
        return found
    top = name.split(".")[0]
    known = schema.KNOWN.get(entity, frozenset())
    if any(top.lower() == k.lower() for k in known) or any(top in e for e in table.values()):
        raise invalid(f"property '{name}' is not queryable")
    raise invalid(f"Property {name} not found for Entity {entity}")


def _all(tests: list[Predicate]) -> Predicate | None:
    if not tests:
        return None
    predicate = tests[-1]
    for test in reversed(tests[:-1]):
        predicate = _both(test, predicate)
    return predicate


def _both(first: Predicate, then: Predicate) -> Predicate:
    # Chained `and`s: faster than all() over a generator, which costs a frame per entity.
    return lambda entity: first(entity) and then(entity)


def _active(entity: Entity) -> bool:
    return entity.get("Active", True) is True


def _getter(path: tuple[str, ...]) -> Callable[[Entity], Any]:
    if len(path) == 1:
        key = path[0]
        return lambda entity: entity.get(key)
    outer, inner = path

    def nested(entity: Entity) -> Any:
        holder = entity.get(outer)
        return holder.get(inner) if isinstance(holder, dict) else None

    return nested


def _test(field: schema.Field, condition: Condition) -> Predicate:
    """A predicate over one entity for `field <op> literal(s)`."""
    read = _stored(field)
    if condition.operator == "like":
        if len(condition.values) != 1 or condition.values[0].kind != "string":
            raise _bad_value(field, condition.values[0])
        pattern = _like(condition.values[0].text)
        return lambda entity: isinstance(v := read(entity), str) and bool(pattern.fullmatch(v))
    wanted = [_literal(field, value) for value in condition.values]
    if condition.operator == "in":
        choices = frozenset(wanted)
        return lambda entity: read(entity) in choices
    compare, target = _COMPARE[condition.operator], wanted[0]
    if condition.operator != "=":
        return lambda entity: (v := read(entity)) is not None and compare(v, target)
    if field.kind == schema.REF:  # the common sync lookup (`CustomerRef = '42'`), inlined
        key = field.path[0]
        return lambda e: isinstance(r := e.get(key), dict) and r.get("value") == target
    return lambda entity: read(entity) == target


def _like(text: str) -> re.Pattern[str]:
    """LIKE's only wildcard is `%`; everything else matches itself, in any case."""
    body = ".*".join(re.escape(part) for part in text.split("%"))
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def _stored(field: schema.Field) -> Callable[[Entity], Any]:
    """Reads the property from an entity as a value comparable with `_literal`'s, or None."""
    get = _getter(field.path)
    kind = field.kind
    if kind == schema.REF:
        key = field.path[0]
        return lambda e: r.get("value") if isinstance(r := e.get(key), dict) else None
    if kind == schema.TEXT:
        return lambda e: v.casefold() if isinstance(v := get(e), str) else None
    if kind == schema.ID:
        return lambda e: _id_number(get(e))
    if kind == schema.MONEY:
        return lambda e: _decimal(get(e))
    if kind == schema.DATE:
        return lambda e: v[:10] if isinstance(v := get(e), str) else None
    if kind == schema.DATETIME:
        return lambda e: _stored_timestamp(get(e))
    if field.name == "Active":
        return lambda e: e.get("Active", True)
    return get


def _literal(field: schema.Field, value: Literal) -> Any:
    """The literal as the property's type; a value that cannot be one is a 4001 fault."""
    text, kind = value.text, field.kind
    if value.kind == "today":  # `TxnDate <= CURRENT_DATE`: the company's today
        text = dt.datetime.now(COMPANY_ZONE).date().isoformat()
    try:
        if kind == schema.TEXT:
            return text.casefold()
        if kind == schema.REF:
            return text
        if kind == schema.ID:
            number = _id_number(text)
            if number is None:
                raise ValueError(text)
            return number
        if kind == schema.BOOL:
            return {"true": True, "false": False}[text.lower()]
        if kind == schema.MONEY:
            amount = Decimal(text)
            if not amount.is_finite():  # NaN would make every comparison raise
                raise ValueError(text)
            return amount
        if kind == schema.DATE:
            return dt.date.fromisoformat(text[:10]).isoformat()
        return _timestamp(text)
    except (ValueError, KeyError, InvalidOperation):
        raise _bad_value(field, value) from None


def _bad_value(field: schema.Field, value: Literal) -> Fault:
    return invalid(f"value {value.text} is not valid for property '{field.name}'")


def _id_number(value: Any) -> int | None:
    """Ids are strings of digits; compared as numbers so `Id < '10'` and sorting work."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _timestamp(text: str) -> dt.datetime:
    """`2026-01-31`, `2026-01-31T10:20:30` or with an offset; a missing offset is the company's."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=COMPANY_ZONE)


def _stored_timestamp(value: Any) -> dt.datetime | None:
    try:
        return _timestamp(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _sort_key(field: schema.Field) -> SortKey:
    """Missing values sort lowest: first ascending, last descending."""
    read = _stored(field)

    def key(entity: Entity) -> tuple[bool, Any]:
        value = read(entity)
        return (value is not None, value)

    return key


def ordered(entities: Iterable[Entity], order: list[tuple[SortKey, bool]]) -> list[Entity]:
    """Sorted by each key in turn (stable sorts from the last key to the first)."""
    rows = list(entities)
    for key, descending in reversed(order):
        rows.sort(key=key, reverse=descending)
    return rows
