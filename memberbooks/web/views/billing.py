"""The billing page: invoices, payments and credit memos in tabs, filtered, paged, exportable."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_GET

from memberbooks.ledger import queries
from memberbooks.ledger.errors import NotFound
from memberbooks.ledger.models import CreditMemo, Invoice, Payment
from memberbooks.tenancy.models import Organisation
from memberbooks.web import reads
from memberbooks.web.access import org_page
from memberbooks.web.csv_export import Cell, csv_response
from memberbooks.web.forms import BillingFilterForm
from memberbooks.web.reads import BillingFilter, CountedPaginator, status_label
from memberbooks.web.views.common import actor, page


def _invoice_row(inv: Invoice) -> Sequence[Cell]:
    return (
        inv.number,
        inv.date,
        inv.due_date,
        inv.member.member_number,
        inv.member.display_name,
        inv.get_source_display(),
        inv.memo,
        inv.total,
        inv.amount_applied,
        inv.open_balance,
        status_label(inv),
        inv.voided_on,
        inv.void_reason,
    )


def _payment_row(pay: Payment) -> Sequence[Cell]:
    return (
        pay.number,
        pay.date,
        pay.member.member_number,
        pay.member.display_name,
        pay.get_method_display(),
        pay.reference,
        pay.amount,
        pay.amount_applied,
        pay.amount_refunded,
        pay.unapplied,
        status_label(pay),
        pay.voided_on,
        pay.void_reason,
    )


def _credit_row(memo: CreditMemo) -> Sequence[Cell]:
    return (
        memo.number,
        memo.date,
        memo.member.member_number,
        memo.member.display_name,
        memo.memo,
        memo.total,
        memo.amount_applied,
        memo.amount_refunded,
        memo.unapplied,
        status_label(memo),
        memo.voided_on,
        memo.void_reason,
    )


@dataclass(frozen=True)
class Tab:
    """One kind of document on the billing page: how to list, sum and export it."""

    key: str
    label: str
    rows: Callable[[Organisation, BillingFilter], QuerySet[Any]]
    amount: str
    rest: Any
    header: Sequence[str]
    csv_row: Callable[[Any], Sequence[Cell]]


TABS = {
    tab.key: tab
    for tab in (
        Tab(
            "invoices",
            "Invoices",
            reads.invoices,
            "total",
            F("total") - F("amount_applied"),
            (
                "number",
                "date",
                "due_date",
                "member_number",
                "member",
                "source",
                "memo",
                "total",
                "applied",
                "open",
                "status",
                "voided_on",
                "void_reason",
            ),
            _invoice_row,
        ),
        Tab(
            "payments",
            "Payments",
            reads.payments,
            "amount",
            F("amount") - F("amount_applied") - F("amount_refunded"),
            (
                "number",
                "date",
                "member_number",
                "member",
                "method",
                "reference",
                "amount",
                "applied",
                "refunded",
                "unapplied",
                "status",
                "voided_on",
                "void_reason",
            ),
            _payment_row,
        ),
        Tab(
            "credit-memos",
            "Credit memos",
            reads.credit_memos,
            "total",
            F("total") - F("amount_applied") - F("amount_refunded"),
            (
                "number",
                "date",
                "member_number",
                "member",
                "memo",
                "total",
                "applied",
                "refunded",
                "unapplied",
                "status",
                "voided_on",
                "void_reason",
            ),
            _credit_row,
        ),
    )
}


def _filters(request: HttpRequest) -> tuple[Tab, BillingFilterForm, BillingFilter | None]:
    """The tab and the filter from the query string; no filter (None) when it has errors."""
    tab = TABS.get(request.GET.get("tab", ""), TABS["invoices"])
    form = BillingFilterForm(request.GET)
    if not form.is_valid():
        return tab, form, None
    data = form.cleaned_data
    member = None
    if data["member_number"]:
        try:
            member = queries.member(actor(request).organisation, number=data["member_number"])
        except NotFound as exc:
            form.add_error("member_number", exc.message)
            return tab, form, None
    flt = BillingFilter(data["date_from"], data["date_to"], member, data["source"], data["status"])
    return tab, form, flt


def _billing_page(
    request: HttpRequest, tab: Tab, form: BillingFilterForm, flt: BillingFilter | None
) -> HttpResponse:
    """The tab's page of rows and totals; only the filter form, with its errors, when no filter."""
    context: dict[str, Any] = {"tabs": TABS.values(), "tab": tab, "form": form, "page_obj": None}
    if flt is not None:
        rows = tab.rows(actor(request).organisation, flt)
        filtered = flt != BillingFilter()
        totals = reads.summary(rows, tab.amount, tab.rest, sums=filtered)
        paginator = CountedPaginator(rows, reads.PAGE_SIZE, totals.count)
        context.update(
            page_obj=paginator.get_page(request.GET.get("page")),
            totals=totals,
            filtered=filtered,
        )
    return page(request, "billing.html", "billing", context)


@org_page()
@require_GET
def billing(request: HttpRequest, org: str) -> HttpResponse:
    return _billing_page(request, *_filters(request))


@org_page()
@require_GET
def billing_csv(request: HttpRequest, org: str) -> HttpResponseBase:
    tab, form, flt = _filters(request)
    if flt is None:  # show the filter errors on the page instead of a wrong file
        return _billing_page(request, tab, form, None)
    rows = tab.rows(actor(request).organisation, flt).iterator(chunk_size=2000)
    return csv_response(f"{tab.key}-{org}.csv", tab.header, (tab.csv_row(row) for row in rows))
