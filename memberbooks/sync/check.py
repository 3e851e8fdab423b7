"""`check(actor)`: build the Plan (see plan.py) from the books, the mappings and QuickBooks."""

from collections.abc import Iterable

from django.utils import timezone

from memberbooks.exports.models import DocType
from memberbooks.ledger.money import ZERO
from memberbooks.mapping.actions import qb_client
from memberbooks.sync import documents, facts, rules, statistics
from memberbooks.sync.documents import Doc
from memberbooks.sync.models import CorrectionMode
from memberbooks.sync.plan import (
    ENTITY,
    KINDS,
    Context,
    Item,
    Plan,
    Problem,
    gl_names,
    load_links,
    load_mappings,
    settings_of,
)
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role

CREATE_KIND: dict[str, str] = {
    DocType.INVOICE: "invoice",
    DocType.CREDIT_MEMO: "credit_memo",
    DocType.PAYMENT: "payment",
    DocType.REFUND: "refund",
}


def _numbers(docs: Iterable[Doc]) -> dict[str, set[str]]:
    """Document numbers to look up in QuickBooks, per entity (creates only)."""
    wanted: dict[str, set[str]] = {entity: set() for entity in facts.NUMBER_FIELDS}
    for doc in docs:
        entity = ENTITY[doc.doc_type]
        if doc.status not in documents.SENT and entity in wanted:
            wanted[entity].add(doc.number)
    return wanted


def check(actor: Actor, quickbooks: facts.QuickBooksFacts | None = None) -> Plan:
    """What a sync would send now, and what is wrong; writes nothing.

    `quickbooks` replaces the questions to QuickBooks (for tests of the rules alone).
    """
    actor.require(Role.BOOKKEEPER)
    org = actor.organisation
    statistics.freshen()
    since = documents.insync_date(org)
    docs = documents.candidates(org, since)
    links = load_links(org)
    if quickbooks is None:
        linked = {links[d.member_id] for d in docs.values() if d.member_id in links}
        with qb_client(org) as client:
            quickbooks = facts.gather(client, linked, _numbers(docs.values()))
    outside = documents.states(org, _dependencies(docs) - set(docs))
    ctx = Context(
        org, settings_of(org), quickbooks, links, load_mappings(org), gl_names(org), outside
    )
    plan = Plan(undecided=documents.undecided_count(org, since), insync_date=since)
    _fill(plan, ctx, docs)
    return plan


def _dependencies(docs: dict[tuple[str, int], Doc]) -> set[tuple[str, int]]:
    keys: set[tuple[str, int]] = set()
    for doc in docs.values():
        keys.update((str(DocType.INVOICE), invoice_id) for invoice_id, _ in doc.applied_to)
        if doc.refunded_from is not None:
            keys.add(doc.refunded_from)
    return keys


def _items_of(doc: Doc, ctx: Context) -> tuple[list[Item], list[Item]]:
    """The writes for one document: (to send, to list for review)."""
    if doc.status in documents.SENT:  # exported, then changed in the MMS
        kind, mode = (
            ("void", ctx.settings.voids) if doc.voided_on else ("update", ctx.settings.edits)
        )
        item = Item(kind, kind, doc, qb_id=doc.qb_id)
        return ([item], []) if mode == CorrectionMode.AUTOMATIC else ([], [item])
    entity = ENTITY[doc.doc_type]
    taken = ctx.facts.taken_number(entity, doc.number)
    mine = taken is not None and taken.mine == (ctx.organisation.slug, doc.doc_type, doc.doc_id)
    create = Item(CREATE_KIND[doc.doc_type], "adopt" if mine else "create", doc)
    if mine and taken is not None:
        create.qb_id = taken.qb_id
    if doc.member_id not in ctx.links and ctx.settings.create_customers:
        create.depends_on.append(("customer", doc.member_id))
    if doc.doc_type == DocType.PAYMENT:
        create.depends_on.extend((DocType.INVOICE, i) for i, _ in doc.applied_to)
    if doc.refunded_from is not None:
        create.depends_on.append(doc.refunded_from)
    items = [create]
    if doc.doc_type == DocType.REFUND and doc.refunded_from is not None:
        items.append(_relink(doc))
    if doc.doc_type == DocType.CREDIT_MEMO and doc.applied_to:
        applies = [doc.key, *((str(DocType.INVOICE), i) for i, _ in doc.applied_to)]
        items.append(Item("application", "create", doc, depends_on=applies))
    if doc.voided_on is not None:
        items.append(Item("void", "void", doc, depends_on=[doc.key]))
    return items, []


def _relink(refund: Doc) -> Item:
    """After the cheque, the refunded payment (or credit memo) is linked to it in QuickBooks."""
    assert refund.refunded_from is not None
    source_type, source_id = refund.refunded_from
    source = Doc(
        source_type,
        source_id,
        f"refunded by {refund.number}",
        refund.date,
        refund.member_id,
        refund.member_number,
        ZERO,
        None,
        "exported",
        "",
    )
    return Item("update", "update", source, depends_on=[refund.key])


def _problems(doc: Doc, ctx: Context) -> list[Problem]:
    if doc.status in documents.SENT:  # a correction: the rest was checked when it was sent
        return [*rules.date_problems(doc, ctx), *_dependency_problems(doc, ctx)]
    taken = ctx.facts.taken_number(ENTITY[doc.doc_type], doc.number)
    return [
        *rules.customer_problems(doc, ctx),
        *rules.account_problems(doc, ctx),
        *rules.date_problems(doc, ctx),
        *rules.amount_problems(doc, ctx),
        *rules.number_problems(doc, taken, ctx.organisation.slug),
        *_dependency_problems(doc, ctx),
    ]


def _dependency_problems(doc: Doc, ctx: Context) -> list[Problem]:
    """What a payment, credit memo or refund needs in QuickBooks that will not be there."""
    needed: list[tuple[str, int]] = [
        (DocType.INVOICE, invoice_id) for invoice_id, _ in doc.applied_to
    ]
    if doc.refunded_from is not None:
        needed.append(doc.refunded_from)
    found = []
    for key in needed:
        state = ctx.outside.get(key)
        if state is None or state == "sent":
            continue  # a candidate itself, or already in QuickBooks
        words = "marked do-not-export" if state == "no_go" else "undecided"
        found.append(
            rules.problem(
                doc,
                "depends_on_unexported",
                f"It applies to {key[0].replace('_', ' ')} id {key[1]}, which is {words} "
                "and so will not be in QuickBooks.",
                "Mark both export, or both do-not-export, on Transaction Status.",
                "qb-transactions",
            )
        )
    return found


def _customer_item(doc: Doc) -> Item:
    member = Doc(
        "customer",
        doc.member_id,
        doc.member_number,
        timezone.localdate(),
        doc.member_id,
        doc.member_number,
        ZERO,
        None,
        "",
        "",
    )
    return Item("customer", "create", member)


def _fill(plan: Plan, ctx: Context, docs: dict[tuple[str, int], Doc]) -> None:
    """Validate every document, then order the items and hold what depends on a bad one."""
    bad: set[tuple[str, int]] = set()
    wanted: list[Item] = []
    customers: dict[int, Item] = {}
    for doc in docs.values():
        problems = _problems(doc, ctx)
        if problems:
            plan.errors.extend(problems)
            bad.add(doc.key)
            continue
        send, review = _items_of(doc, ctx)
        plan.review.extend(review)
        wanted.extend(send)
        if doc.member_id not in ctx.links and ctx.settings.create_customers:
            customers.setdefault(doc.member_id, _customer_item(doc))
    ordered = list(customers.values()) + sorted(
        _merged_updates(wanted), key=lambda i: (KINDS.index(i.kind), i.doc.date, i.doc.doc_id)
    )
    for item in ordered:
        blocker = next((key for key in item.depends_on if key in bad), None)
        if blocker is None:
            plan.items.append(item)
            continue
        bad.add(item.doc.key)
        plan.held.append(_held(item, blocker, docs))


def _merged_updates(items: list[Item]) -> list[Item]:
    """One update per document, whatever asked for it (an edit, one or more refunds)."""
    merged: list[Item] = []
    updates: dict[tuple[str, int], Item] = {}
    for item in items:
        if item.kind != "update":
            merged.append(item)
            continue
        first = updates.get(item.doc.key)
        if first is None:
            updates[item.doc.key] = item
            merged.append(item)
        else:
            first.depends_on.extend(k for k in item.depends_on if k not in first.depends_on)
    return merged


def _held(item: Item, blocker: tuple[str, int], docs: dict[tuple[str, int], Doc]) -> Problem:
    other = docs.get(blocker)
    name = other.label if other else f"{blocker[0]} id {blocker[1]}"
    return rules.problem(
        item.doc,
        "held",
        f"Held because {name}, which it depends on, cannot be sent.",
        f"Fix {name} first; this one follows in the same sync.",
    )
