"""What the sync did, for the pages and the API: runs of an organisation and their items.

An outbox row names its document by type and id; the results page and the
API name it as a bookkeeper does (invoice INV-0001, member M0002). `lines()`
looks the names up for a page of rows in one query per document type, so a
results page of 100 rows costs a handful of queries whatever the run's size.

A failed row belongs to the run that failed it until a later run retries it:
that run takes the row over (`outbox.queue`), so "Retry failed" moves the row to
the new run's results, where its new outcome is shown.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse

from memberbooks.ledger.errors import NotFound
from memberbooks.ledger.models import CreditMemo, Invoice, Member, Payment, Refund
from memberbooks.sync.models import OutboxItem, OutboxState, SyncRun
from memberbooks.sync.plan import Problem
from memberbooks.sync.push import duration
from memberbooks.tenancy.models import Organisation

KIND_LABELS: dict[str, str] = {
    "customer": "Customer",
    "invoice": "Invoice",
    "credit_memo": "Credit memo",
    "payment": "Payment",
    "application": "Credit applied",
    "refund": "Refund",
    "void": "Void",
    "update": "Update",
}
DOC_NAMES: dict[str, str] = {
    "customer": "member",
    "credit_memo": "credit memo",
    "credit_application": "credit memo",
}


def kind_of(item: OutboxItem) -> str:
    """The plan's kind of the write (as in Plan.by_kind): a correction by its operation."""
    if item.operation in ("void", "update"):
        return item.operation
    return "application" if item.doc_type == "credit_application" else item.doc_type


@dataclass(frozen=True)
class ItemLine:
    """One outbox row with the document's number and member, as the results list shows it."""

    item: OutboxItem
    number: str
    member_number: str

    @property
    def kind(self) -> str:
        return kind_of(self.item)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def transaction(self) -> str:
        name = DOC_NAMES.get(self.item.doc_type, self.item.doc_type)
        return f"{name} {self.number}"

    @property
    def state_label(self) -> str:
        return str(OutboxState(self.item.state).label)

    @property
    def document_type(self) -> str:
        """The ledger document the row is about (a credit application is its credit memo's)."""
        return "credit_memo" if self.item.doc_type == "credit_application" else self.item.doc_type


def runs(organisation: Organisation) -> QuerySet[SyncRun]:
    """The organisation's runs, newest first."""
    return SyncRun.objects.filter(organisation=organisation).order_by("-created_at", "-id")


def run(organisation: Organisation, run_id: int | str) -> SyncRun:
    """One run of the organisation; another organisation's id is not found, like a missing one."""
    text = str(run_id)
    found = (
        SyncRun.objects.filter(organisation=organisation, pk=int(text)).first()
        if text.isdigit()
        else None
    )
    if found is None:
        raise NotFound(
            f"There is no sync run {text}.",
            field="run",
            fix="Pick a run from the sync history.",
        )
    return found


def items(sync_run: SyncRun, state: str = "") -> QuerySet[OutboxItem]:
    """The run's outbox rows in the order they were queued, optionally in one state."""
    rows = OutboxItem.objects.filter(organisation=sync_run.organisation, run=sync_run)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("pk")


def state_counts(sync_run: SyncRun) -> dict[str, int]:
    """Rows of the run per outbox state (every state present, zero when none)."""
    rows = OutboxItem.objects.filter(run=sync_run).values("state").annotate(n=Count("pk"))
    found = {row["state"]: row["n"] for row in rows.order_by()}
    return {state: int(found.get(state, 0)) for state in OutboxState.values}


def _names(organisation: Organisation, doc_type: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(number, member number) per id of one document type, inside the organisation."""
    if doc_type == "customer":
        rows = Member.objects.filter(organisation=organisation, pk__in=ids)
        return {pk: (number, number) for pk, number in rows.values_list("pk", "member_number")}
    if doc_type == "refund":
        refunds = Refund.objects.filter(organisation=organisation, pk__in=ids)
        return {
            pk: (f"R{pk}", member)
            for pk, member in refunds.values_list("pk", "member__member_number")
        }
    model = {"invoice": Invoice, "payment": Payment}.get(doc_type, CreditMemo)
    found = model.objects.filter(organisation=organisation, pk__in=ids)  # type: ignore[attr-defined]
    return {
        pk: (number, member)
        for pk, number, member in found.values_list("pk", "number", "member__member_number")
    }


def lines(organisation: Organisation, rows: Sequence[OutboxItem]) -> list[ItemLine]:
    """The rows with their documents' numbers and members: one query per document type."""
    wanted: dict[str, list[int]] = {}
    for row in rows:
        wanted.setdefault(row.doc_type, []).append(row.doc_id)
    names = {
        (doc_type, pk): name
        for doc_type, ids in wanted.items()
        for pk, name in _names(organisation, doc_type, ids).items()
    }
    return [
        ItemLine(row, *names.get((row.doc_type, row.doc_id), (f"id {row.doc_id}", "")))
        for row in rows
    ]


def duration_s(sync_run: SyncRun) -> float | None:
    """Seconds from start to finish; None while it has not finished."""
    if sync_run.finished_at is None:
        return None
    return round(duration(sync_run).total_seconds(), 3)


def finished(sync_run: SyncRun) -> bool:
    return sync_run.state in ("done", "failed")


def fix_url(org: str, problem: Problem) -> str:
    """The page that fixes a check's problem, narrowed to it where the page can be.

    `fix_args` become the query string (?member=M0002); Member Status searches
    by `q`, and Transaction Status is filtered to the document's type.
    """
    if not problem.fix_page:
        return ""
    args = dict(problem.fix_args)
    if problem.fix_page == "qb-members" and "member" in args:
        args["q"] = args["member"]
    if problem.fix_page == "qb-transactions":
        args.setdefault("type", problem.doc_type)
    target = reverse(problem.fix_page, args=[org])
    return f"{target}?{urlencode(args)}" if args else target
