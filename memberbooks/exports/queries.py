"""Transaction Status: every ledger document with its export decision, a page at a time.

Each document table is read in page order with the decision columns from
correlated subqueries on ExportDecision's unique (organisation, doc_type, doc_id)
index, and the tables' pages are merged in Python (see `transaction_status`).
Deep pages are read through a `Cursor` (the last row of the page before), so
page 100 costs what page 1 does.
"""

import datetime as dt
import heapq
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat

from memberbooks.exports.models import Decision, DocType, ExportDecision, InSyncPoint
from memberbooks.ledger.models import CreditMemo, Invoice, Payment, Refund
from memberbooks.ledger.money import from_cents
from memberbooks.tenancy.models import Organisation

MODELS: dict[str, Any] = {
    DocType.INVOICE: Invoice,
    DocType.PAYMENT: Payment,
    DocType.CREDIT_MEMO: CreditMemo,
    DocType.REFUND: Refund,
}
AMOUNT: dict[str, str] = {DocType.INVOICE: "total", DocType.CREDIT_MEMO: "total"}
COLUMNS = [
    "r_type",
    "r_id",
    "r_number",
    "r_date",
    "r_member_id",
    "r_member_number",
    "r_amount",
    "r_voided_on",
    "r_source",
    "r_decision",
    "r_reason",
    "r_status",
    "r_qb_id",
]
UNDECIDED = "undecided"


@dataclass
class Filters:
    """Empty fields mean "any"; decision may be go, no_go or undecided."""

    types: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    decision: str = ""
    status: str = ""
    member_id: int | None = None
    source: str = ""


@dataclass(frozen=True)
class StatusRow:
    doc_type: str
    doc_id: int
    number: str
    date: dt.date
    member_id: int
    member_number: str
    amount: Decimal
    voided_on: dt.date | None
    source: str
    decision: str
    reason: str
    status: str
    qb_id: str

    def as_json(self) -> dict[str, object]:
        return {
            "type": self.doc_type,
            "id": self.doc_id,
            "number": self.number,
            "date": self.date.isoformat(),
            "member": self.member_number,
            "amount": str(self.amount),
            "voided_on": self.voided_on.isoformat() if self.voided_on else None,
            "source": self.source,
            "decision": self.decision,
            "reason": self.reason,
            "status": self.status,
            "qb_id": self.qb_id,
        }


def documents(organisation: Organisation, doc_type: str) -> QuerySet[Any]:
    """One document table, organisation-scoped, before any decision columns."""
    return MODELS[doc_type].objects.filter(organisation=organisation)  # type: ignore[no-any-return]


def _decisions_of(model: Any) -> QuerySet[ExportDecision]:
    """The decision rows of the outer document (for NOT EXISTS: undecided)."""
    doc_type = next(t for t, m in MODELS.items() if m is model)
    return ExportDecision.objects.filter(
        organisation=OuterRef("organisation"), doc_type=doc_type, doc_id=OuterRef("pk")
    )


def _decision(doc_type: str, column: str) -> Subquery:
    rows = ExportDecision.objects.filter(
        organisation=OuterRef("organisation"), doc_type=doc_type, doc_id=OuterRef("pk")
    )
    return Subquery(rows.values(column)[:1], output_field=CharField())


def _annotated(organisation: Organisation, doc_type: str, filters: Filters) -> QuerySet[Any]:
    text = CharField()
    number: Any = (
        Concat(Value("R"), Cast("pk", text), output_field=text)
        if doc_type == DocType.REFUND
        else F("number")
    )
    rows = documents(organisation, doc_type).annotate(
        r_type=ExpressionWrapper(Value(str(doc_type)), output_field=text),
        r_id=F("pk"),
        r_number=number,
        r_date=F("date"),
        r_member_id=F("member_id"),
        r_member_number=F("member__member_number"),
        r_amount=F(AMOUNT.get(doc_type, "amount")),
        r_voided_on=Value(None, output_field=Invoice._meta.get_field("voided_on"))
        if doc_type == DocType.REFUND
        else F("voided_on"),
        r_source=F("source") if doc_type == DocType.INVOICE else Value("", output_field=text),
        r_decision=_decision(doc_type, "decision"),
        r_reason=_decision(doc_type, "reason"),
        r_status=_decision(doc_type, "status"),
        r_qb_id=_decision(doc_type, "qb_id"),
    )
    return _filtered(rows, filters).order_by().values(*COLUMNS)


def with_decisions(organisation: Organisation, doc_type: str) -> QuerySet[Any]:
    """One document table with the report's `r_*` columns (decision, status, qb_id...), unfiltered."""
    return _annotated(organisation, doc_type, Filters())


def _filtered(rows: QuerySet[Any], filters: Filters) -> QuerySet[Any]:
    if filters.date_from:
        rows = rows.filter(date__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(date__lte=filters.date_to)
    if filters.member_id is not None:
        rows = rows.filter(member_id=filters.member_id)
    if filters.decision == UNDECIDED:
        rows = rows.filter(~Exists(_decisions_of(rows.model)))
    elif filters.decision:
        rows = rows.filter(r_decision=filters.decision)
    if filters.status:
        rows = rows.filter(r_status=filters.status)
    if filters.source:
        rows = rows.filter(r_source=filters.source)
    return rows


def _types(filters: Filters) -> list[str]:
    wanted = [str(t) for t in DocType if not filters.types or t in filters.types]
    if filters.source:  # only invoices have a source
        wanted = [t for t in wanted if t == DocType.INVOICE]
    return wanted


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's (date, type, id). The next page starts after it.

    Pages read through a cursor cost the same at any depth; numbered pages
    (`page=`) read `start + per_page` rows from each table and slow down with depth.
    """

    date: dt.date
    doc_type: str
    doc_id: int

    def __str__(self) -> str:
        return f"{self.date.isoformat()}.{self.doc_type}.{self.doc_id}"

    @classmethod
    def of(cls, row: "StatusRow") -> "Cursor":
        return cls(row.date, row.doc_type, row.doc_id)

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """The cursor of a `next` link; anything else is a ValueError naming the fix."""
        try:
            date, doc_type, doc_id = text.split(".")
            cursor = cls(dt.date.fromisoformat(date), doc_type, int(doc_id))
        except ValueError as exc:
            raise ValueError(
                f"'{text}' is not a page cursor. Follow the page's Next link, or start again."
            ) from exc
        if doc_type not in MODELS:
            raise ValueError(f"'{text}' names no document type. Follow the page's Next link.")
        return cursor


def _after(rows: QuerySet[Any], doc_type: str, cursor: Cursor | None) -> QuerySet[Any]:
    """Only the rows of one table that come after `cursor` in the page order."""
    if cursor is None:
        return rows
    if doc_type > cursor.doc_type:
        return rows.filter(date__lte=cursor.date)
    if doc_type < cursor.doc_type:
        return rows.filter(date__lt=cursor.date)
    return rows.filter(Q(date__lt=cursor.date) | Q(date=cursor.date, pk__lt=cursor.doc_id))


def transaction_status(
    organisation: Organisation,
    filters: Filters | None = None,
    page: int = 1,
    per_page: int = 100,
    after: Cursor | None = None,
) -> list[StatusRow]:
    """One page of documents, newest first, each with decision (or "undecided") and status.

    Each document table gives its own first `start + per_page` rows in that order
    (read through its `(organisation, date)` index, so the decision columns are
    looked up only for those rows), and the pages are merged here. A single
    UNION ALL ordered as a whole made PostgreSQL look up every document's
    decision before sorting: 9 s a page at 950,000 documents. With `after`, the
    page starts after that cursor and `page` is ignored.
    """
    wanted = filters or Filters()
    start = 0 if after is not None else (max(page, 1) - 1) * per_page
    parts = [
        _after(_annotated(organisation, doc_type, wanted), doc_type, after).order_by(
            "-r_date", "-r_id"
        )[: start + per_page]
        for doc_type in _types(wanted)
    ]
    merged = heapq.merge(*(list(part) for part in parts), key=_newest_first)
    return [_row(values) for values in itertools.islice(merged, start, start + per_page)]


def _newest_first(values: dict[str, Any]) -> tuple[int, str, int]:
    """The page order: date descending, then type, then id descending."""
    return (-values["r_date"].toordinal(), values["r_type"], -values["r_id"])


def _row(values: dict[str, Any]) -> StatusRow:
    return StatusRow(
        doc_type=values["r_type"],
        doc_id=values["r_id"],
        number=values["r_number"],
        date=values["r_date"],
        member_id=values["r_member_id"],
        member_number=values["r_member_number"],
        amount=values["r_amount"],
        voided_on=values["r_voided_on"],
        source=values["r_source"] or "",
        decision=values["r_decision"] or UNDECIDED,
        reason=values["r_reason"] or "",
        status=values["r_status"] or "",
        qb_id=values["r_qb_id"] or "",
    )


def summary(organisation: Organisation, filters: Filters | None = None) -> dict[str, Any]:
    """Counts and totals per type and decision ("undecided" for documents with no row).

    One grouped LEFT JOIN per document type: the per-row subqueries of the page
    made PostgreSQL look up a decision per document (2.2 s at 190,000 documents);
    the join reads both tables once (0.2 s).
    """
    filters = filters or Filters()
    result: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for doc_type in _types(filters):
            sql, params = _summary_sql(organisation, doc_type, filters)
            cursor.execute(sql, params)
            for decision, count, cents in cursor.fetchall():
                cell = {"count": count, "total": from_cents(cents or 0)}
                result.setdefault(doc_type, {})[decision or UNDECIDED] = cell
    return {doc_type: dict(sorted(cells.items())) for doc_type, cells in result.items()}


def _summary_sql(
    organisation: Organisation, doc_type: str, filters: Filters
) -> tuple[str, list[Any]]:
    """The grouped join for one table; every value is a parameter, names come from the models."""
    model = MODELS[doc_type]
    table = model._meta.db_table
    amount = model._meta.get_field(AMOUNT.get(doc_type, "amount")).column
    decisions = ExportDecision._meta.db_table
    where, params = ["x.organisation_id = %s"], [doc_type, organisation.pk]
    for clause, value in (
        ("x.date >= %s", filters.date_from),
        ("x.date <= %s", filters.date_to),
        ("x.member_id = %s", filters.member_id),
        ("x.source = %s", filters.source or None),
        ("d.status = %s", filters.status or None),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    if filters.decision == UNDECIDED:
        where.append("d.id IS NULL")
    elif filters.decision:
        where.append("d.decision = %s")
        params.append(filters.decision)
    sql = (
        f"SELECT d.decision, COUNT(*), SUM(x.{amount}) FROM {table} x "  # noqa: S608
        f"LEFT JOIN {decisions} d ON d.organisation_id = x.organisation_id "
        "AND d.doc_type = %s AND d.doc_id = x.id "
        f"WHERE {' AND '.join(where)} GROUP BY d.decision"
    )
    return sql, params


def members_with_go_documents(organisation: Organisation) -> set[int]:
    """Members with at least one document the sync would send.

    A document goes when it is marked go, or when it has no decision and is dated
    on or after the in-sync point (the sync's implicit go, see sync/docs.md).
    """
    point = InSyncPoint.objects.filter(organisation=organisation).first()
    ids: set[int] = set()
    for doc_type in DocType:
        go = ExportDecision.objects.filter(
            organisation=organisation, doc_type=doc_type, decision=Decision.GO
        ).values("doc_id")
        wanted = Q(pk__in=go)
        if point is not None:
            undecided = ~Exists(_decisions_of(MODELS[doc_type]))
            wanted |= Q(undecided, date__gte=point.date)
        rows = documents(organisation, doc_type).filter(wanted)
        ids.update(rows.values_list("member_id", flat=True).distinct())
    return ids
