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
from django.db.models import F
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
    if item.kind == "application":
        return "Payment"
    return ENTITY[item.doc.doc_type]


def _doc_type_of(item: Item) -> str:
    return "credit_application" if item.kind == "application" else item.doc.doc_type


@transaction.atomic
def queue(run: SyncRun, items: Iterable[Item]) -> list[OutboxItem]:
    """The outbox rows of `items`, created or taken over by `run`; confirmed rows are skipped.

    A row already pending or sent (a crashed run's) keeps its request id; a
    failed or held one starts a new generation.
    """
    org = run.organisation
    wanted = {
        (_doc_type_of(i), i.doc.doc_id, i.operation if i.operation != "adopt" else "create"): i
        for i in items
    }
    existing = {
        (row.doc_type, row.doc_id, row.operation): row
        for row in OutboxItem.objects.select_for_update().filter(
            organisation=org, version=0, doc_id__in=[k[1] for k in wanted]
        )
        if (row.doc_type, row.doc_id, row.operation) in wanted
    }
    rows: list[OutboxItem] = []
    fresh: list[OutboxItem] = []
    for key, item in wanted.items():
        row = existing.get(key)
        if row is None:
            row = OutboxItem(
                organisation=org,
                run=run,
                doc_type=key[0],
                doc_id=key[1],
                operation=key[2],
                version=0,
                request_id=request_id(org, key[0], key[1], key[2], 0, 0),
                qb_entity=entity_of(item),
            )
            fresh.append(row)
        elif row.state == OutboxState.CONFIRMED:
            continue
        else:
            _take_over(row, run)
        rows.append(row)
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


def mark_sent(rows: list[OutboxItem], batch_key: str) -> None:
    """Committed before the request leaves: from here on the outcome is unknown until resolved."""
    now = timezone.now()
    OutboxItem.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=OutboxState.SENT, batch_key=batch_key, sent_at=now, attempts=F("attempts") + 1
    )
    for row in rows:
        row.state, row.batch_key, row.sent_at = OutboxState.SENT, batch_key, now
