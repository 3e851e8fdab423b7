"""The documents the check looks at, read from the database in a few set-based queries.

A document is a candidate when it should be in QuickBooks and is not (yet) as it
is now:
- decision `go`, not exported yet (pending or failed): a create;
- no decision, dated on or after the in-sync point: a create (after the point,
  new transactions go unless someone marks them otherwise);
- status `changed` (edited or voided after export): a correction.
No in-sync point and no decision means undecided: never sent, counted apart.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from memberbooks.exports.models import Decision, DocType, ExportStatus, InSyncPoint
from memberbooks.exports.queries import UNDECIDED, with_decisions
from memberbooks.ledger.models import Application, CreditMemoLine, InvoiceLine, Refund
from memberbooks.ledger.money import ZERO
from memberbooks.tenancy.models import Organisation

SENT = [ExportStatus.EXPORTED, ExportStatus.CHANGED]


@dataclass
class Doc:
    """One candidate document, with what validation and ordering need."""

    doc_type: str
    doc_id: int
    number: str
    date: dt.date
    member_id: int
    member_number: str
    amount: Decimal
    voided_on: dt.date | None
    status: str
    qb_id: str
    decision: str = ""
    gl_ids: set[int] = field(default_factory=set)
    lines_total: Decimal = ZERO
    applied_to: list[tuple[int, Decimal]] = field(default_factory=list)
    refunded_from: tuple[str, int] | None = None
    deposit_gl: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.doc_type, self.doc_id)

    @property
    def label(self) -> str:
        names: dict[str, str] = {DocType.CREDIT_MEMO: "credit memo"}
        return f"{names.get(self.doc_type, self.doc_type)} {self.number}"


def insync_date(organisation: Organisation) -> dt.date | None:
    point = InSyncPoint.objects.filter(organisation=organisation).first()
    return point.date if point else None


def _candidates(organisation: Organisation, doc_type: str, since: dt.date | None) -> QuerySet[Any]:
    rows = with_decisions(organisation, doc_type)
    wanted = Q(r_decision=Decision.GO) & ~Q(r_status__in=SENT) | Q(r_status=ExportStatus.CHANGED)
    if since is not None:
        wanted |= Q(r_decision__isnull=True, date__gte=since)
    return rows.filter(wanted)


def undecided_count(organisation: Organisation, since: dt.date | None) -> int:
    """Documents with no decision that the sync will not send (before the point, or no point)."""
    total = 0
    for doc_type in DocType:
        rows = with_decisions(organisation, doc_type).filter(r_decision__isnull=True)
        if since is not None:
            rows = rows.filter(date__lt=since)
        total += rows.count()
    return total


def _doc(doc_type: str, values: dict[str, Any]) -> Doc:
    return Doc(
        doc_type=doc_type,
        doc_id=values["r_id"],
        number=values["r_number"],
        date=values["r_date"],
        member_id=values["r_member_id"],
        member_number=values["r_member_number"],
        amount=values["r_amount"],
        voided_on=values["r_voided_on"],
        status=values["r_status"] or "",
        qb_id=values["r_qb_id"] or "",
        decision=values["r_decision"] or "",
    )


def candidates(organisation: Organisation, since: dt.date | None) -> dict[tuple[str, int], Doc]:
    """Every candidate document, keyed by (doc_type, id), with lines and applications."""
    docs: dict[tuple[str, int], Doc] = {}
    for doc_type in DocType:
        for values in _candidates(organisation, doc_type, since).iterator(chunk_size=5000):
            doc = _doc(doc_type, values)
            docs[doc.key] = doc
    _add_lines(organisation, docs, since)
    _add_applications(organisation, docs, since)
    _add_accounts(organisation, docs, since)
    return docs


def _ids(organisation: Organisation, doc_type: str, since: dt.date | None) -> QuerySet[Any]:
    return _candidates(organisation, doc_type, since).values("pk")


def _add_lines(
    organisation: Organisation, docs: dict[tuple[str, int], Doc], since: dt.date | None
) -> None:
    """GL accounts used and the sum of line amounts, per invoice and credit memo."""
    for doc_type, model, fk in (
        (DocType.INVOICE, InvoiceLine, "invoice_id"),
        (DocType.CREDIT_MEMO, CreditMemoLine, "credit_memo_id"),
    ):
        lines = model.objects.filter(**{f"{fk}__in": _ids(organisation, doc_type, since)})
        grouped = lines.values(fk, "gl_account_id").annotate(total=Sum("amount")).order_by()
        for row in grouped.iterator(chunk_size=5000):
            doc = docs.get((doc_type, row[fk]))
            if doc is not None:
                doc.gl_ids.add(row["gl_account_id"])
                doc.lines_total += row["total"]


def _add_applications(
    organisation: Organisation, docs: dict[tuple[str, int], Doc], since: dt.date | None
) -> None:
    """The live applications of each payment and credit memo (QuickBooks' LinkedTxn)."""
    for doc_type, fk in ((DocType.PAYMENT, "payment_id"), (DocType.CREDIT_MEMO, "credit_memo_id")):
        apps = Application.objects.filter(
            unapplied_on__isnull=True, **{f"{fk}__in": _ids(organisation, doc_type, since)}
        )
        by_source: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for source_id, invoice_id, amount in apps.values_list(fk, "invoice_id", "amount"):
            by_source[source_id].append((invoice_id, amount))
        for source_id, applied in by_source.items():
            doc = docs.get((doc_type, source_id))
            if doc is not None:
                doc.applied_to = applied


def _add_accounts(
    organisation: Organisation, docs: dict[tuple[str, int], Doc], since: dt.date | None
) -> None:
    """The deposit account of payments; the account and source of refunds."""
    payments = with_decisions(organisation, DocType.PAYMENT).filter(
        pk__in=_ids(organisation, DocType.PAYMENT, since)
    )
    for pk, gl_id in payments.values_list("pk", "deposit_account_id"):
        docs[(DocType.PAYMENT, pk)].deposit_gl = gl_id
    refunds = Refund.objects.filter(pk__in=_ids(organisation, DocType.REFUND, since))
    for pk, gl_id, payment_id, memo_id in refunds.values_list(
        "pk", "paid_from_id", "payment_id", "credit_memo_id"
    ):
        doc = docs[(DocType.REFUND, pk)]
        doc.deposit_gl = gl_id
        doc.refunded_from = (
            (DocType.PAYMENT, payment_id) if payment_id else (DocType.CREDIT_MEMO, memo_id)
        )


def states(organisation: Organisation, keys: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Decision/status of documents outside the candidates that candidates depend on.

    "sent" (exported or changed: in QuickBooks), or the decision (go, no_go), or
    "undecided".
    """
    found: dict[tuple[str, int], str] = {}
    by_type: dict[str, list[int]] = defaultdict(list)
    for doc_type, doc_id in keys:
        by_type[doc_type].append(doc_id)
    for doc_type, ids in by_type.items():
        for start in range(0, len(ids), 900):
            rows = with_decisions(organisation, doc_type).filter(pk__in=ids[start : start + 900])
            for values in rows:
                status, decision = values["r_status"], values["r_decision"]
                state = "sent" if status in SENT else decision or UNDECIDED
                found[(doc_type, values["r_id"])] = state
    return found
