"""The Sync pages: check (what will be sent, what is wrong), live progress, results, history.

The check page calls `sync.check.check`, which asks QuickBooks a few large
questions and writes nothing; Continue calls `sync.runs.start`, which queues
the push for a worker (or joins the run already going) and the browser goes to
the run's page. That page polls a small fragment every second (htmx) while the
run is queued or pushing, and reloads itself into the results once it is
finished, so one URL is both the progress page and the results page.

A double click must never start two syncs. `runs.start` joins a running one;
a run that already finished (a fast run, or the ImmediateBackend in tests) is
caught by `seen`: the Continue form carries the newest run id the page was
built with, and a POST that finds a newer run goes to it instead of starting
another.
"""

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from memberbooks.connections.actions import connection_for
from memberbooks.connections.models import Environment, QboConnection
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.money import ZERO
from memberbooks.quickbooks.online.errors import QboError
from memberbooks.sync import history, runs
from memberbooks.sync.check import check
from memberbooks.sync.models import CorrectionMode, OutboxItem, OutboxState, SyncRun
from memberbooks.sync.plan import Plan, Problem, settings_of
from memberbooks.sync.settings_actions import update_sync_settings
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role
from memberbooks.web.access import org_page
from memberbooks.web.csv_export import Cell, csv_response
from memberbooks.web.forms import PageForm, ledger_error_text
from memberbooks.web.views.common import actor, or_404, page, paginate
from memberbooks.web.views.qb_transactions import INTUIT_HOSTS, quickbooks_url

SECTION = "quickbooks"
PER_PAGE = 100
HISTORY_PER_PAGE = 25
SHOWN = 100  # errors per cause, held and review rows shown on the check page
CSV_BATCH = 2000
CODE_LABELS: dict[str, str] = {
    "member_not_linked": "Members not linked to a QuickBooks customer",
    "customer_inactive": "QuickBooks customers inactive or deleted",
    "gl_not_mapped": "GL accounts not mapped",
    "books_closed": "Dated in QuickBooks' closed books",
    "amounts_disagree": "Amounts that do not add up",
    "doc_number_too_long": "Numbers too long for QuickBooks",
    "doc_number_taken": "Numbers QuickBooks already has",
    "depends_on_unexported": "Applied to transactions that will not be sent",
}
FIX_LABELS: dict[str, str] = {
    "qb-members": "Link the member",
    "qb-gl": "Map the account",
    "qb-transactions": "Mark on Transaction Status",
}
DETAIL_PAGES: dict[str, str] = {
    "invoice": "invoice-detail",
    "payment": "payment-detail",
    "credit_memo": "creditmemo-detail",
    "customer": "member-detail",
}
ITEM_CSV_HEADER = (
    "run",
    "kind",
    "operation",
    "type",
    "id",
    "transaction",
    "member_number",
    "state",
    "quickbooks_entity",
    "quickbooks_id",
    "error_code",
    "message",
    "fix",
    "attempts",
)
RUN_CSV_HEADER = (
    "run",
    "started_by",
    "created_at",
    "started_at",
    "finished_at",
    "state",
    "planned",
    "confirmed",
    "failed",
    "held",
    "duration_s",
    "note",
)


class SyncSettingsForm(PageForm):
    """QuickBooks Config for the sync: customers, and how corrections are sent (admins)."""

    create_customers = forms.BooleanField(
        label="Create a QuickBooks customer for an unlinked member",
        required=False,
        help_text="Otherwise their transactions wait until the member is linked.",
    )
    voids = forms.ChoiceField(
        label="Voids of exported transactions",
        choices=CorrectionMode.choices,
        widget=forms.RadioSelect,
    )
    edits = forms.ChoiceField(
        label="Edits of exported transactions",
        choices=CorrectionMode.choices,
        widget=forms.RadioSelect,
    )


# --- the check page ---------------------------------------------------------------------------


def mark_url(org: str, problem: Problem) -> str:
    """Transaction Status narrowed to the document, to mark it do-not-export instead."""
    if problem.fix_page == "qb-transactions" or problem.code == "held":
        return ""
    args = {"type": problem.doc_type}
    if "member" in problem.fix_args:
        args["member_number"] = problem.fix_args["member"]
    return f"{reverse('qb-transactions', args=[org])}?{urlencode(args)}"


def _problem_rows(org: str, problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [
        {
            "problem": p,
            "fix_url": history.fix_url(org, p),
            "fix_label": FIX_LABELS.get(p.fix_page, "Fix it"),
            "mark_url": mark_url(org, p),
        }
        for p in problems[:SHOWN]
    ]


def _kind_rows(plan: Plan) -> list[dict[str, Any]]:
    """Count and total per kind, with the count as a bar width in percent of the largest."""
    cells = plan.by_kind
    largest = max((cell["count"] for cell in cells.values()), default=0)
    return [
        {
            "kind": kind,
            "label": history.KIND_LABELS.get(kind, kind),
            "count": cell["count"],
            "total": cell["total"],
            "percent": cell["count"] * 100 // largest if largest else 0,
        }
        for kind, cell in cells.items()
    ]


def _plan_context(org: str, plan: Plan) -> dict[str, Any]:
    return {
        "plan": plan,
        "kinds": _kind_rows(plan),
        "total": sum((cell["total"] for cell in plan.by_kind.values()), ZERO),
        "error_groups": [
            {
                "code": code,
                "label": CODE_LABELS.get(code, code),
                "count": len(problems),
                "more": max(0, len(problems) - SHOWN),
                "rows": _problem_rows(org, problems),
            }
            for code, problems in plan.errors_by_code.items()
        ],
        "held_rows": _problem_rows(org, plan.held),
        "held_more": len(plan.held) > SHOWN,
        "stay_behind": len(plan.errors) + len(plan.held),
        "review_rows": [
            {"item": item, "label": history.KIND_LABELS.get(item.kind, item.kind)}
            for item in plan.review[:SHOWN]
        ],
        "shown": SHOWN,
    }


def _check(who: Actor) -> dict[str, Any]:
    """The plan, or why there is none: a viewer, not connected, or QuickBooks refusing."""
    if not who.can(Role.BOOKKEEPER):
        return {"plan": None, "read_only": True}
    try:
        plan = check(who)
    except LedgerError as exc:
        return {"plan": None, "check_error": ledger_error_text(exc)}
    except QboError as exc:
        text = f"QuickBooks did not answer: {exc.message_for_bookkeeper} {exc.fix}".strip()
        return {"plan": None, "check_error": text}
    return _plan_context(who.organisation.slug, plan)


def _settings_form(organisation: Organisation) -> SyncSettingsForm:
    current = settings_of(organisation)
    return SyncSettingsForm(
        initial={
            "create_customers": current.create_customers,
            "voids": current.voids,
            "edits": current.edits,
        }
    )


def _latest_pk(organisation: Organisation) -> int:
    latest = history.runs(organisation).first()
    return latest.pk if latest else 0


@org_page()
@require_GET
def index(request: HttpRequest, org: str) -> HttpResponse:
    """Stage 1: counts and totals per kind, errors by cause with their fixes, held, review."""
    who = actor(request)
    organisation = who.organisation
    context: dict[str, Any] = {
        **_check(who),
        "can_start": who.can(Role.BOOKKEEPER),
        "can_configure": who.can(Role.ADMIN),
        "settings_form": _settings_form(organisation),
        "sync_settings": settings_of(organisation),
        "active": runs.active(organisation),
        "latest": history.runs(organisation).first(),
        "seen": _latest_pk(organisation),
    }
    return page(request, "qb/sync.html", SECTION, context)


def _run_url(org: str, run: SyncRun) -> str:
    return reverse("qb-sync-run", args=[org, run.pk])


def _start_or_join(request: HttpRequest, org: str) -> HttpResponse:
    """Start a sync, or go to the one a second click (or another person) already started."""
    who = actor(request)
    seen = request.POST.get("seen", "")
    latest = history.runs(who.organisation).first()
    if seen.isdigit() and latest is not None and latest.pk > int(seen):
        messages.info(
            request, f"Sync {latest.pk} was already started by {latest.started_by}; here it is."
        )
        return redirect(_run_url(org, latest))
    try:
        run = runs.start(who)
    except LedgerError as exc:
        messages.error(request, ledger_error_text(exc))
        return redirect("qb-sync", org)
    return redirect(_run_url(org, run))


@org_page(Role.BOOKKEEPER)
@require_POST
def start(request: HttpRequest, org: str) -> HttpResponse:
    """Continue: push what the check found valid (a background job); go to its progress."""
    return _start_or_join(request, org)


@org_page(Role.BOOKKEEPER)
@require_POST
def retry(request: HttpRequest, org: str, run_id: int) -> HttpResponse:
    """Retry failed: a new sync, which sends the failed rows again (new request ids) and
    anything new; confirmed rows are never sent twice."""
    or_404(history.run, actor(request).organisation, run_id)
    return _start_or_join(request, org)


@org_page(Role.ADMIN)
@require_POST
def save_settings(request: HttpRequest, org: str) -> HttpResponse:
    """Save the sync settings (admins) through `update_sync_settings`, then check again."""
    form = SyncSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how voids and edits are sent.")
        return redirect("qb-sync", org)
    data = form.cleaned_data
    try:
        update_sync_settings(
            actor(request),
            create_customers=data["create_customers"],
            voids=data["voids"],
            edits=data["edits"],
        )
    except (LedgerError, PermissionDenied) as exc:
        messages.error(
            request, ledger_error_text(exc) if isinstance(exc, LedgerError) else str(exc)
        )
    else:
        messages.success(request, "Sync settings saved; the check below uses them.")
    return redirect("qb-sync", org)


# --- a run: progress, then results ------------------------------------------------------------


def item_url(connection: QboConnection | None, line: history.ItemLine) -> str:
    """The QuickBooks page of a confirmed row (a customer's own page outside the emulator)."""
    qb_id = line.item.qb_id
    if line.item.doc_type != "customer" or connection is None:
        return quickbooks_url(connection, line.document_type, qb_id)
    if not qb_id or not connection.connected:
        return ""
    if connection.environment == Environment.EMULATOR:
        return quickbooks_url(connection, "invoice", qb_id)
    host = INTUIT_HOSTS.get(connection.environment, INTUIT_HOSTS[Environment.PRODUCTION])
    return f"{host}/app/customerdetail?nameId={qb_id}"


def _detail_url(org: str, line: history.ItemLine) -> str:
    name = DETAIL_PAGES.get(line.document_type)
    return reverse(name, args=[org, line.item.doc_id]) if name else ""


def _rows(organisation: Organisation, items: Sequence[OutboxItem]) -> list[dict[str, Any]]:
    connection = connection_for(organisation)
    return [
        {
            "line": line,
            "qb_url": item_url(connection, line),
            "detail_url": _detail_url(organisation.slug, line),
        }
        for line in history.lines(organisation, items)
    ]


def _progress_context(run: SyncRun) -> dict[str, Any]:
    progress = runs.progress(run)
    return {
        "run": run,
        "progress": progress,
        "finished": history.finished(run),
        "duration_s": history.duration_s(run),
    }


STATE_FILTERS = [("", "All"), *OutboxState.choices]


@org_page()
@require_GET
def run_page(request: HttpRequest, org: str, run_id: int) -> HttpResponse:
    """The run: live progress while it works, then every item with its outcome."""
    who = actor(request)
    run = or_404(history.run, who.organisation, run_id)
    state = request.GET.get("state", "")
    if state not in OutboxState.values:
        state = ""
    items_page = paginate(request, history.items(run, state), PER_PAGE)
    counts = history.state_counts(run)
    context: dict[str, Any] = {
        **_progress_context(run),
        "state": state,
        "states": [
            {"key": key, "label": label, "count": counts.get(key, sum(counts.values()))}
            for key, label in STATE_FILTERS
        ],
        "items_page": items_page,
        "rows": _rows(who.organisation, list(items_page.object_list)),
        "can_start": who.can(Role.BOOKKEEPER),
        "seen": _latest_pk(who.organisation),
        "has_failed": counts[OutboxState.FAILED] > 0 or counts[OutboxState.HELD] > 0,
    }
    return page(request, "qb/sync_run.html", SECTION, context)


@org_page()
@require_GET
def progress_part(request: HttpRequest, org: str, run_id: int) -> HttpResponse:
    """The progress card alone, polled every second; once the run is finished the page reloads
    (HX-Refresh) and shows the results."""
    run = or_404(history.run, actor(request).organisation, run_id)
    response = page(request, "qb/_sync_progress.html", SECTION, _progress_context(run))
    if history.finished(run) and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def _item_csv_rows(organisation: Organisation, run: SyncRun, state: str) -> Iterator[list[Cell]]:
    """Every row of the run, read in batches so a run of 10,000 items never sits in memory."""
    after = 0
    while True:
        batch = list(history.items(run, state).filter(pk__gt=after)[:CSV_BATCH])
        for line in history.lines(organisation, batch):
            item = line.item
            yield [
                run.pk,
                line.kind,
                item.operation,
                line.document_type,
                item.doc_id,
                line.number,
                line.member_number,
                item.state,
                item.qb_entity,
                item.qb_id,
                item.error_code,
                item.message,
                item.fix,
                item.attempts,
            ]
        if len(batch) < CSV_BATCH:
            return
        after = batch[-1].pk


@org_page()
@require_GET
def items_csv(request: HttpRequest, org: str, run_id: int) -> HttpResponseBase:
    """The run's items as CSV (the state filter applies)."""
    organisation = actor(request).organisation
    run = or_404(history.run, organisation, run_id)
    state = request.GET.get("state", "")
    state = state if state in OutboxState.values else ""
    return csv_response(
        f"sync-{org}-{run.pk}.csv", ITEM_CSV_HEADER, _item_csv_rows(organisation, run, state)
    )


# --- history ----------------------------------------------------------------------------------


@org_page()
@require_GET
def history_page(request: HttpRequest, org: str) -> HttpResponse:
    """Every run, newest first: who, when, state, counts and duration, each to its results."""
    organisation = actor(request).organisation
    runs_page = paginate(request, history.runs(organisation), HISTORY_PER_PAGE)
    rows = [{"run": run, "duration_s": history.duration_s(run)} for run in runs_page.object_list]
    return page(request, "qb/sync_history.html", SECTION, {"runs_page": runs_page, "rows": rows})


def _run_csv_row(run: SyncRun) -> list[Cell]:
    return [
        run.pk,
        run.started_by,
        run.created_at.isoformat(),
        run.started_at.isoformat() if run.started_at else None,
        run.finished_at.isoformat() if run.finished_at else None,
        run.state,
        run.planned,
        run.confirmed,
        run.failed,
        run.held,
        str(history.duration_s(run) or ""),
        run.note,
    ]


@org_page()
@require_GET
def history_csv(request: HttpRequest, org: str) -> HttpResponseBase:
    """Every run as CSV, newest first."""
    found = history.runs(actor(request).organisation).iterator(chunk_size=CSV_BATCH)
    return csv_response(f"sync-history-{org}.csv", RUN_CSV_HEADER, map(_run_csv_row, found))


urlpatterns: list[URLPattern] = [
    path("", index, name="qb-sync"),
    path("start/", start, name="qb-sync-start"),
    path("settings/", save_settings, name="qb-sync-settings"),
    path("history/", history_page, name="qb-sync-history"),
    path("history.csv", history_csv, name="qb-sync-history-csv"),
    path("runs/<int:run_id>/", run_page, name="qb-sync-run"),
    path("runs/<int:run_id>/progress/", progress_part, name="qb-sync-progress"),
    path("runs/<int:run_id>/items.csv", items_csv, name="qb-sync-items-csv"),
    path("runs/<int:run_id>/retry/", retry, name="qb-sync-retry"),
]
