"""Starting in sync: MMS AR beside QuickBooks AR at a date, confirm the in-sync point; mass marking with preview and undo.

The comparison asks QuickBooks for its AgedReceivables on every visit (through
`exports.actions.compare_ar`), so what the admin confirms is what QuickBooks
says now. Mass marking is always previewed first: Apply carries the previewed
count, and if the documents changed in between, the fresh preview is shown
again instead of marking something nobody saw.
"""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from memberbooks.connections.actions import connection_for
from memberbooks.exports import actions
from memberbooks.exports.models import Decision, DocType, InSyncPoint, MarkBatch
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.money import ZERO
from memberbooks.quickbooks.online.errors import QboError
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role
from memberbooks.web.access import org_page
from memberbooks.web.forms import PageForm, date_field, ledger_error_text
from memberbooks.web.views.common import actor, as_of_date, page

SECTION = "quickbooks"
RECENT = 10
DECISIONS = [(Decision.NO_GO.value, "Do not export"), (Decision.GO.value, "Export")]


class MassMarkForm(PageForm):
    """What to mark: a date range (inclusive), document types, the decision and why."""

    date_from = date_field("From", required=False, help_text="Blank: from the first document.")
    date_to = date_field("To", help_text="Inclusive.")
    types = forms.MultipleChoiceField(
        label="Types",
        choices=DocType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=DocType.values,
        error_messages={"required": "Tick at least one type."},
    )
    decision = forms.ChoiceField(
        label="Mark as", choices=DECISIONS, widget=forms.RadioSelect, initial=Decision.NO_GO
    )
    reason = forms.CharField(max_length=300, help_text="Required; kept on every document.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


def _bars(comparison: actions.ArComparison) -> list[dict[str, Any]]:
    """MMS AR (net of credits) and QuickBooks AR, each as a width in percent of the larger."""
    pairs = [
        ("mms", "MMS AR (net)", comparison.mms_net),
        ("qb", "QuickBooks AR", comparison.qb_total),
    ]
    largest = max((abs(amount) for _, _, amount in pairs), default=ZERO)
    return [
        {
            "key": key,
            "label": label,
            "amount": amount,
            "percent": int(abs(amount) * 100 / largest) if largest > 0 else 0,
        }
        for key, label, amount in pairs
    ]


def _comparison(who: Actor, date: dt.date) -> dict[str, Any]:
    """The AR comparison as of `date`, or why there is none (not connected, refused, QuickBooks)."""
    connection = connection_for(who.organisation)
    if connection is None or not connection.connected:
        return {"comparison": None, "not_connected": True}
    try:
        comparison = actions.compare_ar(who, date)
    except LedgerError as exc:
        return {"comparison": None, "comparison_error": ledger_error_text(exc)}
    except QboError as exc:
        text = f"QuickBooks did not answer: {exc.message_for_bookkeeper} {exc.fix}".strip()
        return {"comparison": None, "comparison_error": text}
    return {"comparison": comparison, "bars": _bars(comparison)}


def _undoable(batches: list[MarkBatch]) -> int | None:
    """The one batch undo_mass_mark accepts: the latest that is not undone."""
    live = [b.pk for b in batches if b.undone_at is None]
    return max(live) if live else None


def _page(
    request: HttpRequest,
    mass_form: MassMarkForm | None = None,
    preview: actions.Preview | None = None,
    status: int = 200,
) -> HttpResponse:
    who = actor(request)
    organisation = who.organisation
    points = list(InSyncPoint.objects.filter(organisation=organisation).select_related("batch"))
    current = points[0] if points else None
    text = request.GET.get("date") or (current.date.isoformat() if current else "")
    date, date_error = as_of_date(text)
    batches = list(MarkBatch.objects.filter(organisation=organisation)[:RECENT])
    context: dict[str, Any] = {
        "date": date,
        "date_error": date_error,
        "current": current,
        "points": points,
        "can_confirm": who.can(Role.ADMIN),
        "can_mark": who.can(Role.BOOKKEEPER),
        "mass_form": mass_form or MassMarkForm(),
        "preview": preview,
        "preview_rows": _preview_rows(preview) if preview else [],
        "batches": batches,
        "undoable": _undoable(batches),
        **_comparison(who, date),
    }
    return page(request, "qb/insync.html", SECTION, context, status=status)


def _preview_rows(preview: actions.Preview) -> list[dict[str, Any]]:
    return [
        {
            "type": doc_type,
            "label": DocType(doc_type).label,
            "count": preview.counts[doc_type],
            "total": preview.totals[doc_type],
        }
        for doc_type in preview.counts
    ]


@org_page()
@require_GET
def index(request: HttpRequest, org: str) -> HttpResponse:
    """The comparison as of `?date=` (default: the current point, else today), history, batches."""
    return _page(request)


def _back(org: str, date: dt.date | None = None) -> HttpResponse:
    target = reverse("qb-insync", args=[org])
    return redirect(f"{target}?date={date.isoformat()}" if date else target)


@org_page(Role.ADMIN)
@require_POST
def confirm(request: HttpRequest, org: str) -> HttpResponse:
    """Set the in-sync point (admins): before it no-go, on or after go; both AR figures kept."""
    try:
        date = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, "The in-sync date is not a date. Pick one with the date field.")
        return _back(org)
    try:
        point = actions.set_insync_point(actor(request), date)
    except LedgerError as exc:
        messages.error(request, ledger_error_text(exc))
        return _back(org, date)
    except QboError as exc:
        messages.error(request, f"QuickBooks did not answer: {exc.message_for_bookkeeper}")
        return _back(org, date)
    count = point.batch.count if point.batch else 0
    messages.success(
        request,
        f"In sync at {date.isoformat()}: {count} transactions marked "
        "(before: do not export; on or after: export).",
    )
    return _back(org, date)


@org_page(Role.BOOKKEEPER)
@require_POST
def mass_mark(request: HttpRequest, org: str) -> HttpResponse:
    """Preview (counts and totals per type), or apply what was previewed as one undoable batch."""
    form = MassMarkForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    who = actor(request)
    args = (who, data["date_from"], data["date_to"], data["types"])
    go = data["decision"] == Decision.GO
    preview = actions.preview_mass_mark(*args, go=go)
    if request.POST.get("action") != "apply":
        return _page(request, form, preview)
    if str(preview.count) != request.POST.get("previewed", "") or str(preview.total) != (
        request.POST.get("previewed_total", "")
    ):
        messages.warning(request, "The transactions changed since the preview: check it again.")
        return _page(request, form, preview, status=409)
    try:
        batch = actions.mass_mark(*args, go=go, reason=data["reason"])
    except LedgerError as exc:
        form.add_ledger_error(exc)
        return _page(request, form, status=400)
    messages.success(
        request,
        f"Batch {batch.pk}: marked {batch.count} transactions totalling {batch.total:,.2f} "
        f"{dict(DECISIONS)[batch.decision]}.",
    )
    return _back(org)


@org_page(Role.BOOKKEEPER)
@require_POST
def undo(request: HttpRequest, org: str) -> HttpResponse:
    """Undo the latest batch: every document's previous decision comes back."""
    text = request.POST.get("batch", "")
    try:
        batch = actions.undo_mass_mark(actor(request), int(text) if text.isdigit() else 0)
    except LedgerError as exc:
        messages.error(request, ledger_error_text(exc))
    else:
        messages.success(request, f"Batch {batch.pk} undone: {batch.count} transactions restored.")
    return _back(org)


urlpatterns: list[URLPattern] = [
    path("", index, name="qb-insync"),
    path("confirm/", confirm, name="qb-insync-confirm"),
    path("mark/", mass_mark, name="qb-insync-mark"),
    path("undo/", undo, name="qb-insync-undo"),
]
