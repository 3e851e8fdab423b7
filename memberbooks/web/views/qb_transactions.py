"""Transaction Status: every transaction's export decision and outcome; mark one or many with a reason; CSV.

The list is read a page at a time through `exports.queries.transaction_status`
with a keyset cursor (`?after=`), so page 100 costs what page 1 does and the
page never counts or loads all 200,000 rows: it asks for one row more than it
shows to know whether there is a Next page. The summary (`queries.summary`)
must read every row, so the page fetches it in a second request once it is
shown (`summary/`, htmx), or inline with `?summary=1` when there is no script. Marking goes through
`exports.actions.mark`, which refuses another organisation's document ids.
"""

import datetime as dt
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from memberbooks.connections.actions import connection_for, endpoints_of
from memberbooks.connections.models import Environment, QboConnection
from memberbooks.exports import actions
from memberbooks.exports.models import Decision, DocType, ExportDecision, ExportStatus
from memberbooks.exports.queries import UNDECIDED, Cursor, Filters, StatusRow, summary
from memberbooks.exports.queries import transaction_status as status_page
from memberbooks.ledger import queries
from memberbooks.ledger.errors import LedgerError, NotFound
from memberbooks.ledger.models import InvoiceSource
from memberbooks.ledger.money import ZERO
from memberbooks.tenancy.models import Organisation, Role
from memberbooks.web.access import org_page
from memberbooks.web.csv_export import Cell, csv_response
from memberbooks.web.forms import PageForm, PlainForm, date_field
from memberbooks.web.views.common import actor, page

SECTION = "quickbooks"
PER_PAGE = 100
CSV_BATCH = 2000
DECISION_LABELS = {"go": "Export", "no_go": "Do not export", UNDECIDED: "Undecided"}
DECISION_ORDER = ("go", "no_go", UNDECIDED)
# The page of each document type in QuickBooks Online, for the "open in QuickBooks" link.
QBO_PAGES: dict[str, str] = {
    DocType.INVOICE: "invoice",
    DocType.PAYMENT: "recvpayment",
    DocType.CREDIT_MEMO: "creditmemo",
    DocType.REFUND: "refundreceipt",
}
INTUIT_HOSTS: dict[str, str] = {
    Environment.PRODUCTION: "https://app.qbo.intuit.com",
    Environment.SANDBOX: "https://app.sandbox.qbo.intuit.com",
}
CSV_HEADER = (
    "type",
    "id",
    "number",
    "date",
    "member_number",
    "amount",
    "voided_on",
    "source",
    "decision",
    "reason",
    "status",
    "quickbooks_id",
    "exported_at",
    "error",
)


def quickbooks_url(connection: QboConnection | None, doc_type: str, qb_id: str) -> str:
    """Where an exported document can be seen in QuickBooks; blank when not connected.

    The emulator has no page per transaction, so its link is the company's
    inspection page, which lists every invoice, payment and credit memo.
    """
    if not qb_id or connection is None or not connection.connected:
        return ""
    if connection.environment == Environment.EMULATOR:
        base = endpoints_of(connection).api_base
        return f"{base}/_emulator/companies/{quote(connection.realm_id)}/"
    host = INTUIT_HOSTS.get(connection.environment, INTUIT_HOSTS[Environment.PRODUCTION])
    return f"{host}/app/{QBO_PAGES.get(doc_type, 'invoice')}?txnId={quote(qb_id)}"


class StatusFilterForm(PlainForm):
    type = forms.ChoiceField(
        label="Type", choices=[("", "Any type"), *DocType.choices], required=False
    )
    date_from = date_field("From", required=False)
    date_to = date_field("To", required=False)
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("", "Any decision"), *((k, v) for k, v in DECISION_LABELS.items())],
        required=False,
    )
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *ExportStatus.choices], required=False
    )
    member_number = forms.CharField(label="Member number", max_length=30, required=False)
    source = forms.ChoiceField(
        label="Source", choices=[("", "Any source"), *InvoiceSource.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class MarkForm(PageForm):
    """The reason typed beside the "Export" / "Do not export" buttons (the button is `decision`)."""

    reason = forms.CharField(
        max_length=300,
        help_text="Required: why these transactions go, or do not go, to QuickBooks.",
    )
    decision = forms.ChoiceField(choices=Decision.choices)


@dataclass(frozen=True)
class Line:
    """One report row with what the page shows beside it."""

    row: StatusRow
    exported_at: dt.datetime | None
    error: str
    qb_url: str

    @property
    def key(self) -> str:
        return f"{self.row.doc_type}:{self.row.doc_id}"

    @property
    def type_label(self) -> str:
        return DocType(self.row.doc_type).label

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS.get(self.row.decision, self.row.decision)

    @property
    def source_label(self) -> str:
        return str(dict(InvoiceSource.choices).get(self.row.source, self.row.source))

    @property
    def status_label(self) -> str:
        return ExportStatus(self.row.status).label if self.row.status else ""

    def csv_row(self) -> Sequence[Cell]:
        row = self.row
        return (
            row.doc_type,
            row.doc_id,
            row.number,
            row.date,
            row.member_number,
            row.amount,
            row.voided_on,
            row.source,
            row.decision,
            row.reason,
            row.status,
            row.qb_id,
            self.exported_at.isoformat() if self.exported_at else None,
            self.error,
        )


def _outcomes(
    organisation: Organisation, rows: list[StatusRow]
) -> dict[tuple[str, int], tuple[dt.datetime | None, str]]:
    """Export time and last error of the rows the sync touched: one query for the page."""
    touched: dict[str, list[int]] = {}
    for row in rows:
        if row.status and row.status != ExportStatus.PENDING:
            touched.setdefault(row.doc_type, []).append(row.doc_id)
    if not touched:
        return {}
    which = reduce(operator.or_, (Q(doc_type=t, doc_id__in=ids) for t, ids in touched.items()))
    found = ExportDecision.objects.filter(which, organisation=organisation).values_list(
        "doc_type", "doc_id", "exported_at", "last_error"
    )
    return {(t, i): (at, error) for t, i, at, error in found}


def _lines(
    organisation: Organisation, rows: list[StatusRow], connection: QboConnection | None
) -> list[Line]:
    outcomes = _outcomes(organisation, rows)
    return [
        Line(
            row,
            *outcomes.get((row.doc_type, row.doc_id), (None, "")),
            quickbooks_url(connection, row.doc_type, row.qb_id),
        )
        for row in rows
    ]


def _filters(request: HttpRequest) -> tuple[StatusFilterForm, Filters | None]:
    """The filter form from the query string, and its Filters (None when it has errors)."""
    form = StatusFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    member_id = None
    if data["member_number"]:
        try:
            found = queries.member(actor(request).organisation, number=data["member_number"])
        except NotFound as exc:
            form.add_error("member_number", exc.message)
            return form, None
        member_id = found.pk
    return form, Filters(
        types=[data["type"]] if data["type"] else [],
        date_from=data["date_from"],
        date_to=data["date_to"],
        decision=data["decision"],
        status=data["status"],
        member_id=member_id,
        source=data["source"],
    )


def _summary_table(organisation: Organisation, filters: Filters) -> dict[str, Any]:
    """Counts and totals per type and decision (queries.summary), with a total row."""
    cells = summary(organisation, filters)
    empty = {"count": 0, "total": ZERO}
    rows = []
    totals: dict[str, dict[str, Any]] = {d: {"count": 0, "total": ZERO} for d in DECISION_ORDER}
    for doc_type in DocType:
        if doc_type not in cells:
            continue
        per = [(d, cells[doc_type].get(d, empty)) for d in DECISION_ORDER]
        for decision, cell in per:
            totals[decision]["count"] += cell["count"]
            totals[decision]["total"] += cell["total"]
        rows.append(
            {
                "type": str(doc_type),
                "label": doc_type.label,
                "cells": per,
                "count": sum(cell["count"] for _, cell in per),
                "total": sum((cell["total"] for _, cell in per), ZERO),
            }
        )
    return {
        "rows": rows,
        "totals": [(d, totals[d]) for d in DECISION_ORDER],
        "count": sum(t["count"] for t in totals.values()),
        "total": sum((t["total"] for t in totals.values()), ZERO),
    }


def _cursor(request: HttpRequest) -> tuple[Cursor | None, str]:
    text = request.GET.get("after", "")
    if not text:
        return None, ""
    try:
        return Cursor.parse(text), ""
    except ValueError as exc:
        return None, str(exc)


def _report(
    request: HttpRequest,
    form: StatusFilterForm,
    filters: Filters | None,
    mark_form: MarkForm | None = None,
    checked: Sequence[str] = (),
    status: int = 200,
) -> HttpResponse:
    """The page: filters, summary, one page of rows, and (bookkeepers) the mark form."""
    who = actor(request)
    organisation = who.organisation
    context: dict[str, Any] = {
        "form": form,
        "lines": None,
        "can_mark": who.can(Role.BOOKKEEPER),
        "mark_form": mark_form or MarkForm(initial={"decision": Decision.NO_GO}),
        "checked": set(checked),
        "decision_labels": DECISION_LABELS,
    }
    if filters is not None:
        after, cursor_error = _cursor(request)
        rows = status_page(organisation, filters, per_page=PER_PAGE + 1, after=after)
        shown = rows[:PER_PAGE]
        context.update(
            lines=_lines(organisation, shown, connection_for(organisation)),
            next_cursor=str(Cursor.of(shown[-1])) if len(rows) > PER_PAGE else "",
            paged=after is not None,
            cursor_error=cursor_error,
            summary=_summary_table(organisation, filters) if request.GET.get("summary") else None,
            filtered=filters != Filters(),
        )
    return page(request, "qb/transactions.html", SECTION, context, status=status)


def _parse_docs(values: list[str]) -> list[tuple[str, int]]:
    """Ticked `type:id` values; anything else is refused like a document that is not there."""
    docs = []
    for value in values:
        doc_type, _, doc_id = value.partition(":")
        if doc_type not in DocType.values or not doc_id.isdigit():
            raise actions.ExportError(
                f"{value!r} is not a transaction.", "doc", "Tick the rows in the list."
            )
        docs.append((doc_type, int(doc_id)))
    if not docs:
        raise actions.ExportError(
            "No transaction is ticked.", "doc", "Tick the rows to mark, then press the button."
        )
    return docs


def _mark(request: HttpRequest, form: StatusFilterForm, filters: Filters | None) -> HttpResponse:
    """Mark the ticked rows; back to the same page, or the page again with the error and fix."""
    who = actor(request)
    who.require(Role.BOOKKEEPER)
    mark_form = MarkForm(request.POST)
    ticked = request.POST.getlist("doc")
    if mark_form.is_valid():
        go = mark_form.cleaned_data["decision"] == Decision.GO
        try:
            count = actions.mark(who, _parse_docs(ticked), go, mark_form.cleaned_data["reason"])
        except LedgerError as exc:
            mark_form.add_ledger_error(exc)
        else:
            label = DECISION_LABELS[mark_form.cleaned_data["decision"]]
            messages.success(request, f"Marked {count} transaction{'s' * (count != 1)} {label}.")
            return redirect(request.get_full_path())
    return _report(request, form, filters, mark_form, ticked, status=400)


@org_page()
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest, org: str) -> HttpResponse:
    """The report; a POST (bookkeepers) marks the ticked rows."""
    form, filters = _filters(request)
    if request.method == "POST":
        return _mark(request, form, filters)
    return _report(request, form, filters)


@org_page()
@require_GET
def summary_part(request: HttpRequest, org: str) -> HttpResponse:
    """The counts and totals alone, fetched by the page after it shows (htmx).

    Counting every transaction reads all 200,000 of them; the rows of a page
    read 100. Asked separately, the summary never holds up the list.
    """
    _form, filters = _filters(request)
    if filters is None:
        return HttpResponse(status=400)
    context = {
        "summary": _summary_table(actor(request).organisation, filters),
        "filtered": filters != Filters(),
        "decision_labels": DECISION_LABELS,
    }
    return page(request, "qb/_transactions_summary.html", SECTION, context)


def all_lines(organisation: Organisation, filters: Filters) -> Iterator[Line]:
    """Every row of the filtered report, read in cursor batches so memory stays flat."""
    connection = connection_for(organisation)
    after: Cursor | None = None
    while True:
        rows = status_page(organisation, filters, per_page=CSV_BATCH, after=after)
        yield from _lines(organisation, rows, connection)
        if len(rows) < CSV_BATCH:
            return
        after = Cursor.of(rows[-1])


@org_page()
@require_GET
def report_csv(request: HttpRequest, org: str) -> HttpResponseBase:
    """The filtered report as CSV: every row, not just the page on screen."""
    form, filters = _filters(request)
    if filters is None:  # show the filter errors on the page instead of a wrong file
        return _report(request, form, None, status=400)
    lines = all_lines(actor(request).organisation, filters)
    return csv_response(
        f"transaction-status-{org}.csv", CSV_HEADER, (line.csv_row() for line in lines)
    )


urlpatterns: list[URLPattern] = [
    path("", index, name="qb-transactions"),
    path("transactions.csv", report_csv, name="qb-transactions-csv"),
    path("summary/", summary_part, name="qb-transactions-summary"),
]
