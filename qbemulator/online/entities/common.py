"""What every entity shares: time, money, references, SyncToken, the known-field lists.

Entities are stored exactly as the API returns them (QBO JSON dicts). Two hidden
tables hold state QBO keeps but never shows: `_Deleted` (tombstones, for 610 and
CDC) and `_Voided` (voided transactions stay zeroed on later edits).
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from qbemulator.online import faults
from qbemulator.online.state import Company

TZ = dt.timezone(dt.timedelta(hours=-8))  # the company's local time, as qbo_time() writes it
CENT = Decimal("0.01")
USD = {"value": "USD", "name": "United States Dollar"}
Entity = dict[str, Any]


def now() -> dt.datetime:
    return dt.datetime.now(TZ)


def meta_time(at: dt.datetime | None = None) -> str:
    """MetaData times: company-local, whole seconds, with offset (no millis), as recorded."""
    return (at or now()).isoformat(timespec="seconds")


def today() -> str:
    return now().date().isoformat()


def metadata() -> dict[str, str]:
    stamp = meta_time()
    return {"CreateTime": stamp, "LastUpdatedTime": stamp}


def touch(entity: Entity) -> None:
    entity.setdefault("MetaData", metadata())["LastUpdatedTime"] = meta_time()


def decimal(value: Any, field: str) -> Decimal:
    """A JSON number as Decimal; never through float."""
    if isinstance(value, bool) or value is None:
        raise faults.illegal_number(field, value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise faults.illegal_number(field, value) from None
    if not number.is_finite():
        raise faults.illegal_number(field, value)
    return number


def money(value: Any, field: str = "Amount") -> Decimal:
    return decimal(value, field).quantize(CENT, rounding=ROUND_HALF_UP)


def check_id(value: Any) -> str:
    """Ids are decimal strings; anything else is 2030 Invalid ID."""
    text = str(value) if value is not None else ""
    if not text.isdigit():
        raise faults.invalid_id(text)
    return text


def ref_id(data: Entity, key: str) -> str | None:
    ref = data.get(key)
    if ref is None:
        return None
    if not isinstance(ref, dict) or ref.get("value") in (None, ""):
        raise faults.invalid_reference(key)
    return str(ref["value"])


def deleted_key(entity: str, entity_id: str) -> str:
    return f"{entity}/{entity_id}"


def is_deleted(company: Company, entity: str, entity_id: str) -> bool:
    return deleted_key(entity, entity_id) in company.entities.get("_Deleted", {})


def is_voided(company: Company, entity: str, entity_id: str) -> bool:
    return deleted_key(entity, entity_id) in company.entities.get("_Voided", {})


def find(company: Company, entity: str, entity_id: str) -> Entity:
    """The stored entity, or the 610 QBO sends for a missing or deleted one."""
    found = company.entities.get(entity, {}).get(check_id(entity_id))
    if found is None:
        raise faults.object_not_found()
    return found


def referenced(
    company: Company,
    entity: str,
    data: Entity,
    key: str,
    *,
    required: bool,
    stored: Entity | None = None,
) -> Entity | None:
    """Resolve `data[key]` to an active stored entity: 2020 if missing, 2500 unknown, 610 inactive.

    A reference the stored entity already had may stay even if its target became inactive.
    """
    ident = ref_id(data, key)
    if ident is None:
        if required:
            raise faults.required_param(key)
        return None
    found = company.entities.get(entity, {}).get(ident)
    if found is None:
        raise faults.invalid_reference(key)
    kept = stored is not None and str((stored.get(key) or {}).get("value")) == ident
    if found.get("Active") is False and not kept:
        raise faults.made_inactive()
    return found


def named_ref(entity: Entity, name_field: str = "Name") -> dict[str, str]:
    return {"value": entity["Id"], "name": entity[name_field]}


def check_sync_token(stored: Entity, data: Entity) -> None:
    token = data.get("SyncToken")
    if token is None:
        raise faults.required_param("SyncToken")
    if str(token) != stored["SyncToken"]:
        raise faults.stale_object()


def bump(stored: Entity) -> None:
    stored["SyncToken"] = str(int(stored["SyncToken"]) + 1)
    touch(stored)


def check_known(entity: str, data: Entity, known: frozenset[str]) -> None:
    for name in data:
        if name not in known:
            raise faults.invalid_property(name, entity, sorted(known))


def fields(text: str) -> frozenset[str]:
    return frozenset(text.split())


BASE = "Id SyncToken MetaData domain status sparse CustomField AttachableRef"
