"""The documents the check looks at, read from the database in a few set-based queries.

A document is a candidate when it should be in QuickBooks and is not (yet) as it
is now:
- decision `go`, not exported yet (pending or failed): a create;
- no decision, dated on or after the in-sync point: a create (after the point,
  new transactions go unless someone marks them otherwise);
- status `changed` (edited or voided after export): a correction.
No in-sync point and no decision means undecided: never sent, counted apart.

Each read is one LEFT JOIN of a document table with the decision table (see
`_Join`), and the lines, applications and accounts are read by joining the same
condition again. The per-row decision subqueries of Transaction Status made
PostgreSQL look up a decision per document (7.5 s of a 10.6 s check at 100,000
documents); a semi-join rewrite was slower still (docs/benchmarks.md, "Sync").
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from memberbooks.exports.models import Decision, DocType, ExportDecision, ExportStatus, InSyncPoint
from memberbooks.exports.queries import MODELS, UNDECIDED, with_decisions
from memberbooks.ledger.models import Application, CreditMemoLine, InvoiceLine, Member
from memberbooks.ledger.money import ZERO, from_cents
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


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def _column(model: Any, name: str) -> str:
    return str(model._meta.get_field(name).column)


def _date(value: Any) -> dt.date | None:
    """A date column as the driver gave it (SQLite may give text for computed columns)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class _Join:
    """One document table LEFT JOINed with its decisions, restricted to the candidates.

    `sql()` gives "FROM ... WHERE ..." with its parameters; the queries below put
    their own SELECT (and joins) in front. Table and column names come from the
    models; every value is a parameter.
    """

    organisation: Organisation
    doc_type: str
    since: dt.date | None

    @property
    def model(self) -> Any:
        return MODELS[self.doc_type]

    def sql(self, joins: str = "") -> tuple[str, list[Any]]:
        decisions = _table(ExportDecision)
        params: list[Any] = [self.doc_type, self.organisation.pk, Decision.GO, *SENT]
        params.append(ExportStatus.CHANGED)
        wanted = "(d.decision = %s AND d.status NOT IN (%s, %s)) OR d.status = %s"
        if self.since is not None:
            wanted += " OR (d.id IS NULL AND x.date >= %s)"
            params.append(self.since)
        sql = (
            f"FROM {_table(self.model)} x {joins} "
            f"LEFT JOIN {decisions} d ON d.organisation_id = x.organisation_id "
            "AND d.doc_type = %s AND d.doc_id = x.id "
            f"WHERE x.organisation_id = %s AND ({wanted})"
        )
        return sql, params


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


# The columns every document table gives, in `_doc` order; refunds have no number
# and cannot be voided, payments and refunds carry their accounts.
_AMOUNT: dict[str, str] = {DocType.INVOICE: "total", DocType.CREDIT_MEMO: "total"}
_EXTRA: dict[str, list[str]] = {
    DocType.PAYMENT: ["deposit_account"],
    DocType.REFUND: ["paid_from", "payment", "credit_memo"],
}


def _select(doc_type: str) -> str:
    model = MODELS[doc_type]
    refund = doc_type == DocType.REFUND
    columns = [
        "x.id",
        "NULL" if refund else "x.number",
        "x.date",
        "x.member_id",
        f"m.{_column(Member, 'member_number')}",
        f"x.{_column(model, _AMOUNT.get(doc_type, 'amount'))}",
        "NULL" if refund else "x.voided_on",
        "d.status",
        "d.qb_id",
        "d.decision",
        *(f"x.{_column(model, name)}" for name in _EXTRA.get(doc_type, [])),
    ]
    return ", ".join(columns)


def _doc(doc_type: str, row: tuple[Any, ...]) -> Doc:
    doc_id, number, date, member_id, member_number, cents, voided_on = row[:7]
    status, qb_id, decision = row[7:10]
    doc = Doc(
        doc_type=doc_type,
        doc_id=doc_id,
        number=f"R{doc_id}" if doc_type == DocType.REFUND else number,
        date=_date(date) or dt.date.min,
        member_id=member_id,
        member_number=member_number,
        amount=from_cents(cents),
        voided_on=_date(voided_on),
        status=status or "",
        qb_id=qb_id or "",
        decision=decision or "",
    )
    extra = row[10:]
    if doc_type == DocType.PAYMENT:
        doc.deposit_gl = extra[0]
    elif doc_type == DocType.REFUND:
        doc.deposit_gl, payment_id, memo_id = extra
        doc.refunded_from = (
            (DocType.PAYMENT, payment_id) if payment_id else (DocType.CREDIT_MEMO, memo_id)
        )
    return doc


def candidates(organisation: Organisation, since: dt.date | None) -> dict[tuple[str, int], Doc]:
    """Every candidate document, keyed by (doc_type, id), with lines and applications."""
    docs: dict[tuple[str, int], Doc] = {}
    for doc_type in DocType:
        join = _Join(organisation, doc_type, since)
        member = f"JOIN {_table(Member)} m ON m.id = x.member_id"
        body, params = join.sql(member)
        sql = f"SELECT {_select(doc_type)} {body} ORDER BY x.id"
        for row in _rows(sql, params):
            doc = _doc(doc_type, row)
            docs[doc.key] = doc
    _add_lines(organisation, docs, since)
    _add_applications(organisation, docs, since)
    return docs


def _add_lines(
    organisation: Organisation, docs: dict[tuple[str, int], Doc], since: dt.date | None
) -> None:
    """GL accounts used and the sum of line amounts, per invoice and credit memo."""
    for doc_type, model, fk in (
        (DocType.INVOICE, InvoiceLine, "invoice"),
        (DocType.CREDIT_MEMO, CreditMemoLine, "credit_memo"),
    ):
        owner, gl = _column(model, fk), _column(model, "gl_account")
        lines = f"JOIN {_table(model)} l ON l.{owner} = x.id"
        body, params = _Join(organisation, doc_type, since).sql(lines)
        sql = (
            f"SELECT l.{owner}, l.{gl}, SUM(l.{_column(model, 'amount')}) "
            f"{body} GROUP BY l.{owner}, l.{gl}"
        )
        for doc_id, gl_id, cents in _rows(sql, params):
            doc = docs.get((doc_type, doc_id))
            if doc is not None:
                doc.gl_ids.add(gl_id)
                doc.lines_total += from_cents(cents)


def _add_applications(
    organisation: Organisation, docs: dict[tuple[str, int], Doc], since: dt.date | None
) -> None:
    """The live applications of each payment and credit memo (QuickBooks' LinkedTxn)."""
    for doc_type, fk in ((DocType.PAYMENT, "payment"), (DocType.CREDIT_MEMO, "credit_memo")):
        source = _column(Application, fk)
        invoice, amount = _column(Application, "invoice"), _column(Application, "amount")
        apps = f"JOIN {_table(Application)} a ON a.{source} = x.id AND a.unapplied_on IS NULL"
        body, params = _Join(organisation, doc_type, since).sql(apps)
        sql = f"SELECT a.{source}, a.{invoice}, a.{amount} {body} ORDER BY a.id"
        for source_id, invoice_id, cents in _rows(sql, params):
            doc = docs.get((doc_type, source_id))
            if doc is not None:
                doc.applied_to.append((invoice_id, from_cents(cents)))


def undecided_count(organisation: Organisation, since: dt.date | None) -> int:
    """Documents with no decision that the sync will not send (before the point, or no point)."""
    total = 0
    for doc_type, model in MODELS.items():
        params: list[Any] = [doc_type, organisation.pk]
        sql = (
            f"SELECT COUNT(*) FROM {_table(model)} x "  # noqa: S608
            f"LEFT JOIN {_table(ExportDecision)} d ON d.organisation_id = x.organisation_id "
            "AND d.doc_type = %s AND d.doc_id = x.id WHERE x.organisation_id = %s AND d.id IS NULL"
        )
        if since is not None:
            sql += " AND x.date < %s"
            params.append(since)
        total += _rows(sql, params)[0][0]
    return total


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
