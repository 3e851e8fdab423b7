"""The sync's API: check, start (or join) a push, follow its progress, list runs and items.

Registered on the same route table as `views.py` (imported by `urls.py`). Every
path is under `orgs/<org>/sync/`. The check and starting a sync need the
bookkeeper role (the check asks QuickBooks; starting sends); reading runs and
items needs the viewer role. A run id of another organisation is a 404, like a
missing one. An organisation that is not connected gets 409 `not_connected`.

POST sync/runs/ answers 202 with the run: it works in the background (a
`django.tasks` job), and `url` is what to poll until `state` is done or failed.
A second POST while a run works joins it (the same run comes back); `seen_run`
makes a repeated POST safe even after that run finished.
"""

from decimal import Decimal
from typing import Any

from django.urls import reverse

from memberbooks.api import sync_shapes as shapes
from memberbooks.api.interface import refusals
from memberbooks.api.routing import ORG, Call, Page, paginate
from memberbooks.api.schema import Money
from memberbooks.api.shapes import Paging
from memberbooks.api.views import api
from memberbooks.ledger.money import ZERO
from memberbooks.sync import history, runs
from memberbooks.sync.check import check
from memberbooks.sync.models import OutboxItem, SyncRun
from memberbooks.sync.plan import KINDS, Item, Plan, Problem
from memberbooks.tenancy.models import Role

__all__ = ["api"]

SYNC = ORG + "sync/"
WRITE = Role.BOOKKEEPER
API_ROOT = "/api/v1/"


# --- presenting -------------------------------------------------------------------------------


def by_kind(cells: dict[str, Any]) -> shapes.ByKind:
    """Every kind, zero where there is none (cells: kind -> {count, total})."""

    def cell(kind: str) -> shapes.KindTotal:
        found = cells.get(kind) or {"count": 0, "total": ZERO}
        return shapes.KindTotal(
            count=int(found["count"]), total=Money(Decimal(str(found["total"])))
        )

    return shapes.ByKind(**{kind: cell(kind) for kind in KINDS})


def _problem(org: str, problem: Problem) -> shapes.CheckProblem:
    return shapes.CheckProblem(
        transaction=problem.transaction,
        type=problem.doc_type,
        id=problem.doc_id,
        code=problem.code,
        message=problem.message,
        fix=problem.fix,
        fix_url=history.fix_url(org, problem),
    )


def _review(item: Item) -> shapes.ReviewItem:
    doc = item.doc
    return shapes.ReviewItem(
        kind=item.kind,
        transaction=doc.label,
        type=doc.doc_type,
        id=doc.doc_id,
        date=doc.date,
        member_number=doc.member_number,
        amount=Money(doc.amount),
        qb_id=(item.qb_id or doc.qb_id) or None,
    )


def plan_shape(org: str, plan: Plan) -> shapes.SyncCheck:
    cells = plan.by_kind
    return shapes.SyncCheck(
        items=len(plan.items),
        total=Money(sum((cell["total"] for cell in cells.values()), ZERO)),
        by_kind=by_kind(cells),
        errors=[_problem(org, p) for p in plan.errors],
        error_counts=[
            shapes.ErrorCount(code=code, count=len(found))
            for code, found in plan.errors_by_code.items()
        ],
        held=[_problem(org, p) for p in plan.held],
        review=[_review(item) for item in plan.review],
        undecided=plan.undecided,
        insync_date=plan.insync_date,
    )


def _progress(run: SyncRun) -> shapes.RunProgress:
    progress = runs.progress(run)
    return shapes.RunProgress(
        done=progress.done,
        total=progress.total,
        failed=progress.failed,
        held=run.held,
        percent=progress.percent,
        rate_per_s=f"{Decimal(str(progress.rate)).quantize(Decimal('0.01'))}",
        eta_s=round(progress.eta.total_seconds()) if progress.eta is not None else None,
    )


def run_shape(run: SyncRun) -> shapes.SyncRun:
    progress = _progress(run)  # refreshes the run first
    slug = run.organisation.slug
    url = f"{API_ROOT}orgs/{slug}/sync/runs/{run.pk}/"
    seconds = history.duration_s(run)
    return shapes.SyncRun(
        id=run.pk,
        state=run.state,  # type: ignore[arg-type]
        phase=run.phase,
        started_by=run.started_by,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        planned=run.planned,
        confirmed=run.confirmed,
        failed=run.failed,
        held=run.held,
        by_kind=by_kind(run.by_kind or {}),
        duration_ms=round(seconds * 1000) if seconds is not None else None,
        retries=[
            shapes.RetryCount(code=str(code), count=int(count))
            for code, count in sorted((run.retries or {}).items())
        ],
        note=run.note,
        progress=progress,
        url=url,
        items_url=url + "items/",
        page_url=reverse("qb-sync-run", args=[slug, run.pk]),
    )


def _item_shape(line: history.ItemLine) -> shapes.SyncRunItem:
    item = line.item
    return shapes.SyncRunItem(
        id=item.pk,
        kind=line.kind,
        operation=item.operation,
        type=line.document_type if item.doc_type != "customer" else "customer",
        doc_id=item.doc_id,
        number=line.number,
        member_number=line.member_number,
        state=item.state,  # type: ignore[arg-type]
        qb_entity=item.qb_entity,
        qb_id=item.qb_id or None,
        error_code=item.error_code,
        message=item.message,
        fix=item.fix,
        attempts=item.attempts,
    )


def _as_is(item: OutboxItem) -> OutboxItem:
    return item


# --- routes -----------------------------------------------------------------------------------


@api.get(SYNC + "check", role=WRITE, response=shapes.SyncCheck)
def check_sync(call: Call) -> shapes.SyncCheck:
    """What a sync would send now, and what is wrong (asks QuickBooks; sends and writes nothing)."""
    with refusals(call.org):
        plan = check(call.actor)
    return plan_shape(call.org.slug, plan)


@api.post(
    SYNC + "runs/",
    role=WRITE,
    body=shapes.StartSync,
    response=shapes.SyncRun,
    status=202,
    atomic=False,  # runs.start commits the queued run before a worker may pick it up
)
def start_sync(call: Call, body: shapes.StartSync) -> shapes.SyncRun:
    """Start a sync in the background, or join the one running; poll the run's `url`."""
    latest = history.runs(call.org).first()
    if body.seen_run is not None and latest is not None and latest.pk > body.seen_run:
        return run_shape(latest)
    with refusals(call.org):
        run = runs.start(call.actor)
    return run_shape(run)


@api.get(SYNC + "runs/", query=Paging, page_of=shapes.SyncRun)
def list_sync_runs(call: Call, query: Paging) -> Page:
    """Every sync of the organisation, newest first."""
    return paginate(call.request, history.runs(call.org), query, run_shape)


@api.get(SYNC + "runs/<str:run_id>/", response=shapes.SyncRun)
def get_sync_run(call: Call, run_id: str) -> shapes.SyncRun:
    """One sync: progress while it works (phase, done / total, rate, ETA), then its outcome."""
    return run_shape(history.run(call.org, run_id))


@api.get(SYNC + "runs/<str:run_id>/items/", query=shapes.RunItemQuery, page_of=shapes.SyncRunItem)
def list_sync_run_items(call: Call, run_id: str, query: shapes.RunItemQuery) -> Page:
    """The run's items: the QuickBooks id of each, or its error and fix; filter by `state`."""
    run = history.run(call.org, run_id)
    page = paginate(call.request, history.items(run, query.state or ""), query, _as_is)
    lines = history.lines(call.org, page.results)  # the page's numbers in one query per type
    return Page(
        results=[_item_shape(line) for line in lines],
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        next=page.next,
        previous=page.previous,
    )
