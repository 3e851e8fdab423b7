"""The QBO query language: parse `SELECT ... FROM Entity WHERE ... ORDERBY ... STARTPOSITION ...
MAXRESULTS ...` and evaluate it over a company's entities.

    run(company, text) -> {"QueryResponse": {...}, "time": ...}   (raises Fault 4000/4001)

lexer.py turns text into tokens (and writes QBO's parser-error text), parser.py checks the
grammar, compile.py resolves names against schema.py and builds one predicate. Evaluation
is a single pass over the entity table: no sort unless ORDERBY asks, a page stops as
soon as it is full, and only the entities returned are copied.

Choices where Intuit's behaviour is not recorded (api.md "Unknown" 4): entity and
property names and text values compare without regard to case; OR parses (QBO's
grammar lists it) and is then refused with a 4001; MAXRESULTS above 1000 is a 4001
worded like the recorded STARTPOSITION 0 fault; `totalCount` only in COUNT(*) answers.
"""

from collections.abc import Iterable
from itertools import islice
from typing import Any

from qbemulator.online.faults import Fault, qbo_time
from qbemulator.online.query.compile import Entity, Plan, compile_statement, ordered
from qbemulator.online.query.parser import parse
from qbemulator.online.state import Company

__all__ = ["Fault", "run"]


def run(company: Company, text: str) -> dict[str, Any]:
    """The body of a query response: `{"QueryResponse": {...}, "time": ...}`. Raises Fault (4000/4001)."""
    statement = parse(text)
    stored = _table_name(company, statement.entity)
    table = company.entities.get(stored, {}) if stored else {}
    plan = compile_statement(statement, table, stored)
    return {
        "QueryResponse": _answer(plan, company.entities.get(plan.entity, {})),
        "time": qbo_time(),
    }


def _table_name(company: Company, written: str) -> str | None:
    """The company's table for the entity name as written (any case), if it has one."""
    lower = written.lower()
    return next((name for name in company.entities if name.lower() == lower), None)


def _answer(plan: Plan, table: dict[str, Entity]) -> dict[str, Any]:
    rows = table.values()
    matches: Iterable[Entity] = rows if plan.predicate is None else filter(plan.predicate, rows)
    if plan.count:
        total = len(table) if plan.predicate is None else sum(1 for _ in matches)
        return {"totalCount": total}
    if plan.order:
        matches = ordered(matches, plan.order)
    page = list(islice(matches, plan.start - 1, plan.start - 1 + plan.max_results))
    if not page:
        return {}
    return {
        plan.entity: [_copy(entity, plan.columns) for entity in page],
        "startPosition": plan.start,
        "maxResults": len(page),
    }


def _copy(entity: Entity, columns: list[str] | None) -> Entity:
    """A copy the caller may keep or change; with a column list, only those properties."""
    if columns is not None:
        wanted = {name.lower() for name in columns}
        entity = {key: value for key, value in entity.items() if key.lower() in wanted}
    return {key: _clone(value) for key, value in entity.items()}


def _clone(value: Any) -> Any:
    """A deep copy of JSON-shaped data (much faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value
