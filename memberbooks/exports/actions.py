"""Export decisions: mark, mass-mark (previewed, undoable), AR comparison and the in-sync point.

Every write is atomic and audit-logged. Single marks log one entry per document; a
mass mark logs one entry for the batch, and the batch's entries keep every document's
previous decision, which is what undo restores.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone

from memberbooks.audit.log import record
from memberbooks.audit.models import AuditEntry
from memberbooks.connections.actions import connection_for
from memberbooks.connections.clients import client_for
from memberbooks.exports.bulk import set_fields
from memberbooks.exports.models import (
    Decision,
    DocType,
    ExportDecision,
    ExportStatus,
    InSyncPoint,
    MarkBatch,
    MarkBatchEntry,
)
from memberbooks.exports.queries import AMOUNT, documents
from memberbooks.ledger.aging import aging
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.models import CreditMemo, Invoice, Payment, Refund
from memberbooks.ledger.money import quantize
from memberbooks.mapping.models import CustomerLink, QbKind
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

ZERO = Decimal("0.00")
CHUNK = 500
BEFORE_POINT = "before in-sync point"
ON_OR_AFTER_POINT = "on or after in-sync point"

Document = Invoice | Payment | CreditMemo | Refund
DocRef = tuple[str, int]


class ExportError(LedgerError):
    """Bad input for an export action: names the field and the fix; nothing was written.

    A LedgerError, so pages, API and CLI render it like every other refusal.
    """

    code = "export_refused"

    def __init__(self, message: str, field: str = "", fix: str = "") -> None:
        super().__init__(message, field=field or None, fix=fix or None)

    def __str__(self) -> str:
        return f"{self.message} {self.fix or ''}".strip()


def doc_type_of(doc: Document) -> str:
    kinds: dict[type, str] = {
        Invoice: DocType.INVOICE,
        Payment: DocType.PAYMENT,
        CreditMemo: DocType.CREDIT_MEMO,
        Refund: DocType.REFUND,
    }
    return str(kinds[type(doc)])


def _decision_json(row: ExportDecision | None) -> dict[str, Any]:
    if row is None:
        return {"decision": "undecided"}
    return {"decision": row.decision, "reason": row.reason, "status": row.status}


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ExportError(
            "A reason is required.", "reason", "Say why, e.g. --reason 'opening balance'."
        )
    return reason[:300]


def _check_types(types: Iterable[str]) -> list[str]:
    wanted = list(types) or [str(t) for t in DocType]
    unknown = [t for t in wanted if t not in DocType.values]
    if unknown:
        raise ExportError(
            f"Unknown document type {unknown[0]!r}.", "type", f"Use {', '.join(DocType.values)}."
        )
    return wanted


# --------------------------------------------------------------------------- single marks


@transaction.atomic
def mark(actor: Actor, docs: Sequence[DocRef], go: bool, reason: str) -> int:
    """Set go / no-go with a reason on one or many documents of the actor's organisation."""
    actor.require(Role.BOOKKEEPER)
    reason = _check_reason(reason)
    org = actor.organisation
    for doc_type, doc_id in docs:
        _check_types([doc_type])
        if not documents(org, doc_type).filter(pk=doc_id).exists():
            raise ExportError(f"No {doc_type} with id {doc_id}.", "doc_id", "Check the id.")
    decision = Decision.GO if go else Decision.NO_GO
    now = timezone.now()
    for doc_type, doc_id in docs:
        row = (
            ExportDecision.objects.select_for_update()
            .filter(organisation=org, doc_type=doc_type, doc_id=doc_id)
            .first()
        )
        before = _decision_json(row)
        if row is None:
            row = ExportDecision(organisation=org, doc_type=doc_type, doc_id=doc_id)
        row.decision, row.reason, row.decided_by, row.decided_at = (
            decision,
            reason,
            actor.username,
            now,
        )
        row.save()
        record(actor, "export.mark", doc_type, doc_id, before=before, after=_decision_json(row))
    return len(docs)


# --------------------------------------------------------------------------- mass marks


@dataclass
class Preview:
    """What a mass mark would touch: count and total per document type."""

    counts: dict[str, int] = field(default_factory=dict)
    totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    def as_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "total": str(self.total),
            "per_type": {
                t: {"count": self.counts[t], "total": str(self.totals[t])} for t in self.counts
            },
        }


def _in_range(
    org: Organisation, doc_type: str, date_from: dt.date | None, date_to: dt.date | None
) -> list[tuple[int, Decimal]]:
    rows = documents(org, doc_type)
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    return list(rows.order_by("pk").values_list("pk", AMOUNT.get(doc_type, "amount")))


def preview_mass_mark(
    actor: Actor,
    date_from: dt.date | None,
    date_to: dt.date | None,
    types: Iterable[str] = (),
    go: bool = False,
) -> Preview:
    """Counts and totals of the documents dated in [date_from, date_to]; writes nothing."""
    actor.require(Role.BOOKKEEPER)
    preview = Preview()
    for doc_type in _check_types(types):
        found = _in_range(actor.organisation, doc_type, date_from, date_to)
        preview.counts[doc_type] = len(found)
        preview.totals[doc_type] = sum((amount for _, amount in found), ZERO)
    return preview


def _describe(date_from: dt.date | None, date_to: dt.date | None, types: list[str]) -> str:
    since = date_from.isoformat() if date_from else "the start"
    until = date_to.isoformat() if date_to else "today"
    return f"{', '.join(types)} dated {since} to {until}"


def _apply(batch: MarkBatch, doc_type: str, ids: list[int], decision: str, reason: str) -> None:
    """Record the previous decisions of `ids` in the batch, then set the new one."""
    org = batch.organisation
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        existing = {
            row.doc_id: row
            for row in ExportDecision.objects.filter(
                organisation=org, doc_type=doc_type, doc_id__in=chunk
            )
        }
        MarkBatchEntry.objects.bulk_create(
            MarkBatchEntry(
                batch=batch,
                doc_type=doc_type,
                doc_id=doc_id,
                previous_decision=existing[doc_id].decision if doc_id in existing else "",
                previous_reason=existing[doc_id].reason if doc_id in existing else "",
                previous_by=existing[doc_id].decided_by if doc_id in existing else "",
                previous_at=existing[doc_id].decided_at if doc_id in existing else None,
            )
            for doc_id in chunk
        )
        ExportDecision.objects.filter(
            organisation=org, doc_type=doc_type, doc_id__in=list(existing)
        ).update(
            decision=decision, reason=reason, decided_by=batch.marked_by, decided_at=batch.marked_at
        )
        ExportDecision.objects.bulk_create(
            ExportDecision(
                organisation=org,
                doc_type=doc_type,
                doc_id=doc_id,
                decision=decision,
                reason=reason,
                decided_by=batch.marked_by,
                decided_at=batch.marked_at,
            )
            for doc_id in chunk
            if doc_id not in existing
        )


@transaction.atomic
def mass_mark(
    actor: Actor,
    date_from: dt.date | None,
    date_to: dt.date | None,
    types: Iterable[str],
    go: bool,
    reason: str,
) -> MarkBatch:
    """Mark every document dated in the range, as one batch that undo_mass_mark can reverse."""
    actor.require(Role.BOOKKEEPER)
    reason = _check_reason(reason)
    wanted = _check_types(types)
    decision = Decision.GO if go else Decision.NO_GO
    batch = MarkBatch.objects.create(
        organisation=actor.organisation,
        marked_by=actor.username,
        marked_at=timezone.now(),
        description=_describe(date_from, date_to, wanted),
        decision=decision,
        reason=reason,
    )
    for doc_type in wanted:
        found = _in_range(actor.organisation, doc_type, date_from, date_to)
        _apply(batch, doc_type, [pk for pk, _ in found], decision, reason)
        batch.count += len(found)
        batch.total += sum((amount for _, amount in found), ZERO)
    batch.save(update_fields=["count", "total"])
    record(actor, "export.mass_mark", "batch", batch.pk, after=_batch_json(batch))
    return batch


def _batch_json(batch: MarkBatch) -> dict[str, Any]:
    return {
        "description": batch.description,
        "decision": batch.decision,
        "reason": batch.reason,
        "count": batch.count,
        "total": str(batch.total),
    }


@transaction.atomic
def undo_mass_mark(actor: Actor, batch_id: int) -> MarkBatch:
    """Put back every document's decision from before the batch (no row if it was undecided)."""
    actor.require(Role.BOOKKEEPER)
    org = actor.organisation
    batch = MarkBatch.objects.select_for_update().filter(organisation=org, pk=batch_id).first()
    if batch is None:
        raise ExportError(f"No mark batch {batch_id}.", "batch", "List batches with status --json.")
    if batch.undone_at is not None:
        raise ExportError(f"Batch {batch_id} was already undone.", "batch")
    later = MarkBatch.objects.filter(organisation=org, pk__gt=batch.pk, undone_at__isnull=True)
    if later.exists():
        raise ExportError(
            f"Batch {later.order_by('-pk')[0].pk} came after batch {batch_id}.",
            "batch",
            "Undo the later batches first.",
        )
    entries = batch.entries.order_by("pk")
    for start in range(0, batch.entries.count(), CHUNK):
        _restore(org, list(entries[start : start + CHUNK]))
    batch.undone_at, batch.undone_by = timezone.now(), actor.username
    batch.save(update_fields=["undone_at", "undone_by"])
    record(actor, "export.undo_mass_mark", "batch", batch.pk, before=_batch_json(batch))
    return batch


def _restore(org: Organisation, entries: list[MarkBatchEntry]) -> None:
    """Delete rows that were undecided before the batch; put the others' fields back."""
    for doc_type in {entry.doc_type for entry in entries}:
        mine = [entry for entry in entries if entry.doc_type == doc_type]
        rows = ExportDecision.objects.filter(organisation=org, doc_type=doc_type)
        rows.filter(doc_id__in=[e.doc_id for e in mine if not e.previous_decision]).delete()
        previous = {e.doc_id: e for e in mine if e.previous_decision}
        restored = list(rows.filter(doc_id__in=list(previous)))
        for row in restored:
            entry = previous[row.doc_id]
            row.decision, row.reason = entry.previous_decision, entry.previous_reason
            row.decided_by, row.decided_at = entry.previous_by, entry.previous_at  # type: ignore[assignment]
        ExportDecision.objects.bulk_update(
            restored, ["decision", "reason", "decided_by", "decided_at"]
        )


# --------------------------------------------------------------------------- sync outcomes


def _outcome(doc: Document, note: str, **values: Any) -> ExportDecision:
    org = doc.organisation
    row = ExportDecision.objects.select_for_update().get(
        organisation=org, doc_type=doc_type_of(doc), doc_id=doc.pk
    )
    before = _decision_json(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    sync = Actor(org, Role.ADMIN, "sync")
    record(
        sync,
        f"export.{row.status}",
        row.doc_type,
        row.doc_id,
        before=before,
        after=_decision_json(row),
        note=note,
    )
    return row


@transaction.atomic
def mark_exported(doc: Document, qb_id: str, at: dt.datetime) -> ExportDecision:
    """The sync pushed `doc` to QuickBooks as `qb_id`."""
    return _outcome(
        doc,
        f"QuickBooks id {qb_id}",
        status=ExportStatus.EXPORTED,
        qb_id=qb_id,
        exported_at=at,
        last_error="",
    )


@transaction.atomic
def mark_failed(doc: Document, message: str) -> ExportDecision:
    """The sync could not push `doc`; `message` is the plain error shown on the report."""
    return _outcome(doc, message, status=ExportStatus.FAILED, last_error=message)


@transaction.atomic
def mark_changed(doc: Document) -> ExportDecision | None:
    """`doc` was edited or voided after export: QuickBooks no longer matches it."""
    row = ExportDecision.objects.filter(
        organisation=doc.organisation, doc_type=doc_type_of(doc), doc_id=doc.pk
    ).first()
    if row is None or row.status != ExportStatus.EXPORTED:
        return row
    return _outcome(doc, "changed after export", status=ExportStatus.CHANGED)


# --------------------------------------------------------------------------- AR and in-sync point


@dataclass(frozen=True)
class CustomerDifference:
    member_id: int
    member_number: str
    qb_customer_id: str
    mms: Decimal
    quickbooks: Decimal

    @property
    def difference(self) -> Decimal:
        return self.mms - self.quickbooks

    def as_json(self) -> dict[str, object]:
        return {
            "member_id": self.member_id,
            "member": self.member_number,
            "qb_customer_id": self.qb_customer_id,
            "mms": str(self.mms),
            "quickbooks": str(self.quickbooks),
            "difference": str(self.difference),
        }


@dataclass(frozen=True)
class ArComparison:
    date: dt.date
    mms_total: Decimal
    mms_net: Decimal
    qb_total: Decimal
    customers: list[CustomerDifference]
    links_available: bool

    @property
    def difference(self) -> Decimal:
        """MMS AR net of unapplied credits against QuickBooks' AR (which nets credits too)."""
        return self.mms_net - self.qb_total

    def as_json(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "mms_ar_total": str(self.mms_total),
            "mms_ar_net": str(self.mms_net),
            "quickbooks_ar": str(self.qb_total),
            "difference": str(self.difference),
            "links_available": self.links_available,
            "customers": [c.as_json() for c in self.customers],
        }


def customer_links(org: Organisation) -> dict[int, str]:
    """Member id -> linked QuickBooks Online customer id (memberbooks.mapping's links)."""
    rows = CustomerLink.objects.filter(organisation=org, qb_kind=QbKind.ONLINE)
    return {member_id: qb_id for member_id, qb_id in rows.values_list("member_id", "qb_id")}


def _money_text(value: str) -> Decimal:
    return quantize(value.replace(",", "")) if value.strip() else ZERO


def quickbooks_ar(report: dict[str, Any]) -> tuple[Decimal, dict[str, Decimal]]:
    """AgedReceivables JSON -> (grand total, total per customer id)."""
    total, per_customer = ZERO, {}
    for row in report.get("Rows", {}).get("Row", []):
        if row.get("group") == "GrandTotal":
            total = _money_text(row["Summary"]["ColData"][-1].get("value", ""))
        elif "ColData" in row:
            customer = str(row["ColData"][0].get("id", ""))
            per_customer[customer] = _money_text(row["ColData"][-1].get("value", ""))
    return total, per_customer


def _check_date(date: dt.date) -> None:
    if date > timezone.localdate():
        raise ExportError(
            f"{date.isoformat()} is in the future.", "date", "Pick today or an earlier date."
        )


def compare_ar(actor: Actor, date: dt.date) -> ArComparison:
    """MMS aging beside QuickBooks' AgedReceivables, both as of `date`."""
    actor.require(Role.VIEWER)
    _check_date(date)
    org = actor.organisation
    connection = connection_for(org)
    if connection is None:
        raise ExportError(
            f"{org.slug} is not connected to QuickBooks.",
            "connection",
            f"Connect it first: memberbooks qbo connect {org.slug}.",
        )
    report = aging(org, date)
    with httpx.Client(timeout=60) as http:  # closed here, not left to the garbage collector
        body = client_for(connection, http).report("AgedReceivables", report_date=date)
    qb_total, qb_customers = quickbooks_ar(body)
    links = customer_links(org)
    customers: list[CustomerDifference] = []
    if links:
        mms = {row.member_id: (row.member_number, row.net) for row in report.rows}
        numbers = dict(org.members.filter(pk__in=list(links)).values_list("pk", "member_number"))
        for member_id, qb_id in sorted(links.items()):
            number, amount = mms.get(member_id, (numbers.get(member_id, ""), ZERO))
            theirs = qb_customers.get(qb_id, ZERO)
            if amount != theirs:
                customers.append(CustomerDifference(member_id, number, qb_id, amount, theirs))
    return ArComparison(date, report.total, report.net, qb_total, customers, bool(links))


@transaction.atomic
def set_insync_point(actor: Actor, date: dt.date) -> InSyncPoint:
    """Before `date` no-go, on or after go (one undoable batch), with both AR figures recorded."""
    actor.require(Role.ADMIN)
    _check_date(date)
    comparison = compare_ar(actor, date)
    now = timezone.now()
    batch = MarkBatch.objects.create(
        organisation=actor.organisation,
        marked_by=actor.username,
        marked_at=now,
        description=f"in-sync point {date.isoformat()}",
        reason=f"{BEFORE_POINT} / {ON_OR_AFTER_POINT}",
    )
    for doc_type in DocType.values:
        for decision, reason, rows in (
            (
                Decision.NO_GO,
                BEFORE_POINT,
                documents(actor.organisation, doc_type).filter(date__lt=date),
            ),
            (
                Decision.GO,
                ON_OR_AFTER_POINT,
                documents(actor.organisation, doc_type).filter(date__gte=date),
            ),
        ):
            found = list(rows.order_by("pk").values_list("pk", AMOUNT.get(doc_type, "amount")))
            _apply(batch, doc_type, [pk for pk, _ in found], decision, reason)
            batch.count += len(found)
            batch.total += sum((amount for _, amount in found), ZERO)
    batch.save(update_fields=["count", "total"])
    point = InSyncPoint.objects.create(
        organisation=actor.organisation,
        date=date,
        mms_ar_total=comparison.mms_total,
        mms_ar_net=comparison.mms_net,
        qb_ar_total=comparison.qb_total,
        customer_differences=[c.as_json() for c in comparison.customers],
        batch=batch,
        set_by=actor.username,
        set_at=now,
    )
    record(
        actor,
        "export.set_insync_point",
        "insync_point",
        point.pk,
        after={**comparison.as_json(), "batch": batch.pk, "count": batch.count},
    )
    return point


# --------------------------------------------------------------------------- the sync's bulk forms


@transaction.atomic
def decide_after_point(org: Organisation, docs: Sequence[DocRef]) -> int:
    """Give undecided documents dated on or after the in-sync point their implicit `go` row.

    The sync calls this before it queues them, so every exported document has a
    decision row like any other. Existing rows are left as they are.
    """
    now = timezone.now()
    rows = [
        ExportDecision(
            organisation=org,
            doc_type=doc_type,
            doc_id=doc_id,
            decision=Decision.GO,
            reason=ON_OR_AFTER_POINT,
            decided_by="sync",
            decided_at=now,
        )
        for doc_type, doc_id in docs
    ]
    made = ExportDecision.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(made)


@transaction.atomic
def record_outcomes(
    org: Organisation,
    exported: Sequence[tuple[str, int, str]],
    failed: Sequence[tuple[str, int, str]],
    at: dt.datetime,
) -> None:
    """Many sync outcomes at once: (doc_type, doc_id, QuickBooks id) and (doc_type, doc_id, error).

    One audit entry per document, as `mark_exported` / `mark_failed` write, in a
    few statements rather than a few per document.
    """
    sync = Actor(org, Role.ADMIN, "sync")
    entries: list[AuditEntry] = []
    for outcomes, status in ((exported, ExportStatus.EXPORTED), (failed, ExportStatus.FAILED)):
        by_key = {(t, i): value for t, i, value in outcomes}
        for doc_type in {t for t, _, _ in outcomes}:
            ids = [i for t, i, _ in outcomes if t == doc_type]
            rows = list(
                ExportDecision.objects.select_for_update().filter(
                    organisation=org, doc_type=doc_type, doc_id__in=ids
                )
            )
            for row in rows:
                value = by_key[(row.doc_type, row.doc_id)]
                if status == ExportStatus.EXPORTED:
                    row.qb_id, row.exported_at, row.last_error = value, at, ""
                else:
                    row.last_error = value
                row.status = status
            set_fields(ExportDecision, rows, ["status", "qb_id", "exported_at", "last_error"])
            entries.extend(
                AuditEntry(
                    organisation=org,
                    actor=sync.username,
                    action=f"export.{status}",
                    subject_type=row.doc_type,
                    subject_id=str(row.doc_id),
                    after=_decision_json(row),
                    note=(
                        f"QuickBooks id {row.qb_id}"
                        if row.qb_id and status == "exported"
                        else row.last_error
                    )[:300],
                )
                for row in rows
            )
    AuditEntry.objects.bulk_create(entries, batch_size=500)


def await_correction(org: Organisation, docs: Sequence[DocRef]) -> None:
    """Exported documents QuickBooks does not match yet (created there after their void in
    the MMS): `changed`, so a sync that stops before the void still sends it next time."""
    for doc_type in {t for t, _ in docs}:
        ids = [i for t, i in docs if t == doc_type]
        ExportDecision.objects.filter(
            organisation=org, doc_type=doc_type, doc_id__in=ids, status=ExportStatus.EXPORTED
        ).update(status=ExportStatus.CHANGED)
