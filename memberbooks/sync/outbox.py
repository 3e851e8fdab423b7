"""The outbox: one row per write to QuickBooks, committed before the write is sent.

States: pending -> sent (outcome unknown) -> confirmed | failed; held when
something it depends on failed. The request id is deterministic:
sha256(organisation, document, operation, version, generation). QuickBooks
answers a repeated request id with its first answer, so resending a `sent` row
with its own id can never write twice. `generation` moves on only when a row
that *failed* (QuickBooks refused it and wrote nothing) is tried again after a
fix: the old id would replay the old refusal.
"""

import hashlib
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from memberbooks.sync.models import OutboxItem, OutboxState, SyncRun
from memberbooks.sync.plan import ENTITY, Item
from memberbooks.tenancy.models import Organisation

RETRYABLE = (OutboxState.FAILED, OutboxState.HELD)


def request_id(
    organisation: Organisation,
    doc_type: str,
    doc_id: int,
    operation: str,
    version: int,
    generation: int,
) -> str:
    text = f"memberbooks|{organisation.pk}|{doc_type}|{doc_id}|{operation}|{version}|{generation}"
    return hashlib.sha256(text.encode()).hexdigest()[:36]


def entity_of(item: Item) -> str:
    if item.kind == "application" or (item.kind == "update" and item.doc.doc_type == "credit_memo"):
        return "Payment"
    return ENTITY[item.doc.doc_type]


def _doc_type_of(item: Item) -> str:
    return "credit_application" if item.kind == "application" else item.doc.doc_type


def key_of(item: Item) -> tuple[str, int, str]:
    """The outbox key (doc_type, doc_id, operation) of a planned write."""
    doc_type = _doc_type_of(item)
    if item.kind == "update" and item.doc.doc_type == "credit_memo":
        doc_type = "credit_application"  # QuickBooks keeps the applications on a zero payment
    return (doc_type, item.doc.doc_id, "create" if item.operation == "adopt" else item.operation)


def _latest(
    organisation: Organisation, keys: set[tuple[str, int, str]]
) -> dict[tuple[str, int, str], OutboxItem]:
    """The newest row (highest version) of each key, locked; read in chunks of 900 ids."""
    ids = sorted({k[1] for k in keys})
    found: dict[tuple[str, int, str], OutboxItem] = {}
    for start in range(0, len(ids), 900):
        rows = OutboxItem.objects.select_for_update().filter(
            organisation=organisation, doc_id__in=ids[start : start + 900]
        )
        for row in rows.order_by("version", "pk"):
            if (row.doc_type, row.doc_id, row.operation) in keys:
                found[(row.doc_type, row.doc_id, row.operation)] = row
    return found


@transaction.atomic
def queue(run: SyncRun, items: Iterable[Item]) -> list[tuple[OutboxItem, Item]]:
    """The outbox rows of `items`, created or taken over by `run`.

    A create or void already confirmed is skipped (it happened); an update
    already confirmed gets a new version (this is a later change). A row
    pending or sent (a crashed run's) keeps its request id; a failed or held one
    starts a new generation.
    """
    org = run.organisation
    wanted = {key_of(i): i for i in items}
    applications = _latest(
        org,
        {("credit_application", k[1], "create") for k in wanted if k[0] == "credit_application"},
    )
    for key in [k for k in wanted if k[0] == "credit_application" and k[2] == "update"]:
        made = applications.get(("credit_application", key[1], "create"))
        if made is None or made.state != OutboxState.CONFIRMED:  # never applied before: create it
            wanted[("credit_application", key[1], "create")] = wanted.pop(key)
    latest = _latest(org, set(wanted))
    rows: list[tuple[OutboxItem, Item]] = []
    fresh: list[OutboxItem] = []
    for key, item in wanted.items():
        row = latest.get(key)
        if row is not None and row.state != OutboxState.CONFIRMED:
            _take_over(row, run)
            rows.append((row, item))
            continue
        if row is not None and key[2] != "update":
            continue  # created or voided already
        version = (row.version + 1) if row is not None else (1 if key[2] == "update" else 0)
        new = OutboxItem(
            organisation=org,
            run=run,
            doc_type=key[0],
            doc_id=key[1],
            operation=key[2],
            version=version,
            request_id=request_id(org, key[0], key[1], key[2], version, 0),
            qb_entity=entity_of(item),
        )
        fresh.append(new)
        rows.append((new, item))
    OutboxItem.objects.bulk_create(fresh, batch_size=500)
    return rows


def _take_over(row: OutboxItem, run: SyncRun) -> None:
    fields = ["run"]
    row.run = run
    if row.state in RETRYABLE:
        row.generation += 1
        row.request_id = request_id(
            row.organisation, row.doc_type, row.doc_id, row.operation, row.version, row.generation
        )
        row.state, row.error_code, row.message, row.fix = OutboxState.PENDING, "", "", ""
        fields += ["generation", "request_id", "state", "error_code", "message", "fix"]
    row.save(update_fields=fields)


def retake(row: OutboxItem) -> None:
    """A refused row goes back to pending under a new generation (a new request id)."""
    _take_over(row, row.run)


class KeyConflict(RuntimeError):
    """A row already sent under one key was about to be sent under another (a bug: refused)."""


@transaction.atomic  # all the rows, or none (a refusal rolls back the ones already marked)
def mark_sent(rows: list[OutboxItem], batch_key: str) -> None:
    """Committed before the request leaves: from here on the outcome is unknown until resolved.

    A row goes out first while pending, and again only under the key it first went
    with: QuickBooks replays a requestid, so the same key can never write twice, but
    another key could. Anything else raises KeyConflict and sends nothing.
    """
    now = timezone.now()
    sendable = Q(state=OutboxState.PENDING) | Q(state=OutboxState.SENT, batch_key=batch_key)
    marked = (
        OutboxItem.objects.filter(pk__in=[r.pk for r in rows])
        .filter(sendable)
        .update(
            state=OutboxState.SENT, batch_key=batch_key, sent_at=now, attempts=F("attempts") + 1
        )
    )
    if marked != len(rows):
        raise KeyConflict(
            f"{len(rows) - marked} of {len(rows)} outbox rows are not pending, or were sent "
            f"under another key than {batch_key}; nothing was sent."
        )
    for row in rows:
        row.state, row.batch_key, row.sent_at = OutboxState.SENT, batch_key, now
