"""Per-entity rules behind the API: read, create, full/sparse update, delete, void.

`write()` validates everything before it changes anything, then commits and
reports every entity it changed (the main one, plus linked invoices, credit
memos, purchases and customers whose balances moved) so the API can log CDC
changes and send webhooks.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from qbemulator.online import faults
from qbemulator.online.entities import names, payments, purchases, txns
from qbemulator.online.entities.common import (
    Entity,
    bump,
    check_id,
    check_known,
    check_sync_token,
    deleted_key,
    find,
    is_voided,
    meta_time,
    touch,
)
from qbemulator.online.entities.index import index, purchase_customers
from qbemulator.online.state import Company

Builder = Callable[[Company, Entity, Entity, Entity | None, str, set[str]], Entity]


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str  # "name", "txn" or "single"
    known: frozenset[str]
    build: Builder


def _names(build: Callable[[Company, Entity, Entity, Entity | None, str], Entity]) -> Builder:
    return lambda company, data, body, stored, new_id, include: build(
        company, data, body, stored, new_id
    )


def _sales(entity: str) -> Builder:
    return lambda company, data, body, stored, new_id, include: txns.build_sales(
        company, entity, data, stored, new_id, include
    )


SPECS: dict[str, Spec] = {
    "CompanyInfo": Spec(
        "CompanyInfo", "single", names.COMPANY_INFO_FIELDS, _names(names.build_single)
    ),
    "Preferences": Spec(
        "Preferences", "single", names.PREFERENCES_FIELDS, _names(names.build_single)
    ),
    "Account": Spec("Account", "name", names.ACCOUNT_FIELDS, _names(names.build_account)),
    "Item": Spec("Item", "name", names.ITEM_FIELDS, _names(names.build_item)),
    "Customer": Spec("Customer", "name", names.CUSTOMER_FIELDS, _names(names.build_customer)),
    **{
        e: Spec(e, "txn", txns.KNOWN[e], _sales(e))
        for e in ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt")
    },
    "Payment": Spec(
        "Payment",
        "txn",
        txns.KNOWN["Payment"],
        lambda company, data, body, stored, new_id, include: payments.build_payment(
            company, data, stored, new_id
        ),
    ),
    "Purchase": Spec(
        "Purchase",
        "txn",
        purchases.KNOWN,
        lambda company, data, body, stored, new_id, include: purchases.build_purchase(
            company, data, stored, new_id
        ),
    ),
    "Deposit": Spec(
        "Deposit",
        "txn",
        txns.KNOWN["Deposit"],
        lambda company, data, body, stored, new_id, include: payments.build_deposit(
            company, data, stored, new_id
        ),
    ),
}
RESOURCES = {name.lower(): name for name in SPECS}
VOID_BY_UPDATE = ("Payment", "SalesReceipt")  # voided with ?operation=update&include=void


@dataclass
class Outcome:
    """What a write returns: the envelope's entity body and every (entity, id, operation) it changed."""

    entity: str
    body: Entity
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def read(company: Company, entity: str, entity_id: str) -> Entity:
    return find(company, entity, entity_id)


def write(
    company: Company, entity: str, body: Any, operation: str | None, include: set[str]
) -> Outcome:
    """One create / update / delete / void, all-or-nothing."""
    spec = SPECS[entity]
    if not isinstance(body, dict):
        raise faults.Fault(
            "2010",
            "Request has invalid or unsupported property",
            "Request body is not a JSON object",
        )
    check_known(entity, body, spec.known)
    operation = (operation or "").lower() or ("update" if body.get("Id") is not None else "create")
    if operation == "delete":
        return delete(company, spec, body)
    if operation == "void" or (operation == "update" and "void" in include):
        return void(company, spec, body, by_update=operation == "update")
    if operation == "update" or body.get("Id") is not None:
        return update(company, spec, body, include)
    if operation == "create":
        return create(company, spec, body, include)
    raise faults.unsupported_operation(operation)


def create(company: Company, spec: Spec, body: Entity, include: set[str]) -> Outcome:
    if spec.kind == "single":
        raise faults.unsupported_operation(f"create {spec.name}")
    new_id = company.peek_id(spec.name)
    built = spec.build(company, dict(body), body, None, new_id, include)
    company.new_id(spec.name)
    company.table(spec.name)[new_id] = built
    doc = str(built.get("DocNumber") or "")
    if doc.isdigit() and int(doc) > company.doc_numbers.get(spec.name, 1000):
        company.doc_numbers[spec.name] = int(doc)
    outcome = Outcome(spec.name, built, [(spec.name, new_id, "Create")])
    _after(company, spec.name, None, built, outcome)
    return outcome


def update(company: Company, spec: Spec, body: Entity, include: set[str]) -> Outcome:
    if body.get("Id") is None:
        raise faults.required_param("Id")
    stored = find(company, spec.name, str(body["Id"]))
    check_sync_token(stored, body)
    if spec.name == "Payment" and payments.deposited(company, stored["Id"]):
        raise faults.deposited()
    if body.get("sparse") is True:
        data = names.merge_deep(stored, body) if spec.kind == "single" else {**stored, **body}
    elif spec.kind == "txn":
        kept = (
            "DocNumber",
            "TxnDate",
            "DepositToAccountRef",
        )  # recorded: these survive a full update
        data = {**{k: stored[k] for k in kept if k in stored}, **body}
    else:
        data = dict(body)
    built = spec.build(company, data, body, stored, stored["Id"], include)
    if _same(built, stored):
        return Outcome(spec.name, stored)
    bump(built)
    before = dict(stored)
    company.table(spec.name)[stored["Id"]] = built
    outcome = Outcome(spec.name, built, [(spec.name, stored["Id"], "Update")])
    _after(company, spec.name, before, built, outcome)
    return outcome


def delete(company: Company, spec: Spec, body: Entity) -> Outcome:
    if spec.kind != "txn":
        raise faults.unsupported_operation(f"delete {spec.name}")
    if body.get("Id") is None:
        raise faults.required_param("Id")
    stored = find(company, spec.name, check_id(body["Id"]))
    check_sync_token(stored, body)
    txns.check_open_period(company, stored.get("TxnDate"))
    _check_unlinked(company, spec.name, stored)
    del company.table(spec.name)[stored["Id"]]
    company.table("_Deleted")[deleted_key(spec.name, stored["Id"])] = {"at": meta_time()}
    outcome = Outcome(
        spec.name,
        {"domain": "QBO", "status": "Deleted", "Id": stored["Id"]},
        [(spec.name, stored["Id"], "Delete")],
    )
    _after(company, spec.name, stored, None, outcome)
    return outcome


def void(company: Company, spec: Spec, body: Entity, *, by_update: bool) -> Outcome:
    allowed = VOID_BY_UPDATE if by_update else ("Invoice",)
    if spec.name not in allowed:
        raise faults.unsupported_operation(f"void {spec.name}")
    if body.get("Id") is None:
        raise faults.required_param("Id")
    stored = find(company, spec.name, check_id(body["Id"]))
    check_sync_token(stored, body)
    txns.check_open_period(company, stored.get("TxnDate"))
    _check_unlinked(company, spec.name, stored)
    if is_voided(company, spec.name, stored["Id"]):
        return Outcome(spec.name, stored)
    key = deleted_key(spec.name, stored["Id"])
    company.table("_Voided")[key] = {"at": meta_time()}
    note = stored.get("PrivateNote")
    data = {**stored, "PrivateNote": f"Voided - {note}" if note else "Voided"}
    try:
        built = spec.build(company, data, data, stored, stored["Id"], set())
    except faults.Fault:
        del company.table("_Voided")[key]
        raise
    bump(built)
    company.table(spec.name)[stored["Id"]] = built
    outcome = Outcome(spec.name, built, [(spec.name, stored["Id"], "Void")])
    _after(company, spec.name, stored, built, outcome)
    return outcome


def _check_unlinked(company: Company, entity: str, stored: Entity) -> None:
    """Invoices, credit memos and purchases with payments linked must be unlinked first; deposited payments too."""
    linkable = (*txns.AR_TARGETS, "Purchase")
    if entity in linkable and txns.applied(company, stored, entity) != 0:
        raise faults.business(
            f"This {entity} has payments or credits applied to it. Remove the linked transactions first."
        )
    if entity == "Payment" and payments.deposited(company, stored["Id"]):
        raise faults.deposited()


def _same(built: Entity, stored: Entity) -> bool:
    skip = ("SyncToken", "MetaData")
    return {k: v for k, v in built.items() if k not in skip} == {
        k: v for k, v in stored.items() if k not in skip
    }


def _after(
    company: Company, entity: str, before: Entity | None, after: Entity | None, outcome: Outcome
) -> None:
    """Side effects of a committed change: linked balances, A/R account and customer balances."""
    lookups = index(company)
    lookups.forget(entity, before)
    lookups.remember(entity, after)
    deltas: dict[str, Decimal] = {}
    payments.ar_share(company, entity, before, deltas, -1)
    payments.ar_share(company, entity, after, deltas, 1)
    if entity == "Payment":
        payment_id = (after or before or {})["Id"]
        for kind, target_id in payments.sync_links(company, payment_id, before, after, deltas):
            outcome.changes.append((kind, target_id, "Update"))
    if entity == "Purchase":
        purchases.sync_open(company, (after or before or {})["Id"], deltas)
    payments.move_ar(company, deltas)
    customers = {
        str(x.get("CustomerRef", {}).get("value"))
        for x in (before, after)
        if x and x.get("CustomerRef")
    }
    if entity == "Purchase":
        customers |= purchase_customers(before) | purchase_customers(after)
    if entity in ("Invoice", "CreditMemo", "Payment", "Purchase"):
        for customer_id in sorted(customers):
            if payments.sync_customer(company, customer_id):
                outcome.changes.append(("Customer", customer_id, "Update"))


__all__ = ["RESOURCES", "SPECS", "Outcome", "read", "touch", "write"]
