"""Runtime lookups that keep writes O(1) on big companies: names, DocNumbers, a customer's transactions.

Kept beside the company (never in it, so `save()` does not persist them), built
from the tables on first use and maintained by `entities.write` afterwards. Every
hit is re-checked against the stored entity, so a stale entry can only cost a
lookup, never a wrong answer for data that went through the API.
"""

import weakref
from dataclasses import dataclass, field
from typing import Any

from qbemulator.online.state import Company

NAME_GROUPS = {
    "Customer": "names",
    "Vendor": "names",
    "Employee": "names",
    "Item": "Item",
    "Account": "Account",
}
NAME_KEYS = {"Customer": "DisplayName", "Vendor": "DisplayName", "Employee": "DisplayName"}
DOC_ENTITIES = ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt")
AR_ENTITIES = ("Invoice", "CreditMemo", "Payment")


@dataclass
class Index:
    names: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)
    docs: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    by_customer: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def remember(self, entity: str, data: dict[str, Any] | None) -> None:
        for bucket, key, value in _keys(entity, data):
            getattr(self, bucket).setdefault(key, set()).add(value)

    def forget(self, entity: str, data: dict[str, Any] | None) -> None:
        for bucket, key, value in _keys(entity, data):
            getattr(self, bucket).get(key, set()).discard(value)


def _keys(entity: str, data: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    if data is None:
        return []
    found: list[tuple[str, Any, Any]] = []
    if entity in NAME_GROUPS:
        name = str(data.get(NAME_KEYS.get(entity, "Name"), ""))
        found.append(("names", (NAME_GROUPS[entity], name.casefold()), (entity, data["Id"])))
    if entity in DOC_ENTITIES and data.get("DocNumber"):
        found.append(("docs", (entity, str(data["DocNumber"])), data["Id"]))
    customer = (data.get("CustomerRef") or {}).get("value")
    if entity in AR_ENTITIES and customer is not None:
        found.append(("by_customer", str(customer), (entity, data["Id"])))
    if entity == "Purchase":
        for named in sorted(purchase_customers(data)):
            found.append(("by_customer", named, (entity, data["Id"])))
    return found


def purchase_customers(purchase: dict[str, Any] | None) -> set[str]:
    """Every customer a Purchase names (payee or line CustomerRef): a superset of its A/R customer."""
    if not purchase:
        return set()
    found = set()
    payee = purchase.get("EntityRef") or {}
    if payee.get("type") == "Customer" and payee.get("value") is not None:
        found.add(str(payee["value"]))
    for line in purchase.get("Line") or []:
        ref = (line.get("AccountBasedExpenseLineDetail") or {}).get("CustomerRef") or {}
        if ref.get("value") is not None:
            found.add(str(ref["value"]))
    return found


_INDEXES: dict[int, tuple["weakref.ref[Company]", Index]] = {}


def index(company: Company) -> Index:
    key = id(company)
    cached = _INDEXES.get(key)
    if cached is not None and cached[0]() is company:
        return cached[1]
    built = Index()
    for entity, table in company.entities.items():
        for data in table.values():
            built.remember(entity, data)
    _INDEXES[key] = (weakref.ref(company, lambda _: _INDEXES.pop(key, None)), built)
    return built
