"""The AR aging report as of a date, its CSV, and the drill-down to one member's open items."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from memberbooks.ledger import queries
from memberbooks.ledger.aging import BUCKETS, AgingReport, aging, open_items
from memberbooks.ledger.money import ZERO
from memberbooks.web.access import org_page
from memberbooks.web.csv_export import Cell, csv_response
from memberbooks.web.views.common import actor, as_of_date, or_404, page, paginate

SECTION = "aging"
ROWS_PER_PAGE = 100
BUCKET_LABELS = {
    "current": "Current",
    "1-30": "1\u201330 days",
    "31-60": "31\u201360 days",
    "61-90": "61\u201390 days",
    "over-90": "Over 90 days",
}


@dataclass(frozen=True)
class Totals:
    """The report's totals, each summed once (the report's properties re-add every row)."""

    buckets: dict[str, Decimal]
    total: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        return self.total - self.credit

    @classmethod
    def of(cls, report: AgingReport) -> "Totals":
        buckets = report.buckets
        return cls(buckets, sum(buckets.values(), ZERO), report.credit)


def _bars(totals: Totals) -> list[dict[str, Any]]:
    """Bucket totals with their width in percent of the largest, for the CSS bar chart."""
    largest = max(totals.buckets.values(), default=ZERO)
    return [
        {
            "key": key,
            "label": BUCKET_LABELS[key],
            "amount": amount,
            "percent": int(amount * 100 / largest) if largest > 0 else 0,
        }
        for key, amount in totals.buckets.items()
    ]


@org_page()
@require_GET
def aging_report(request: HttpRequest, org: str) -> HttpResponse:
    as_of, error = as_of_date(request.GET.get("as_of"))
    report = aging(actor(request).organisation, as_of)
    totals = Totals.of(report)
    return page(
        request,
        "aging.html",
        SECTION,
        {
            "as_of": as_of,
            "as_of_error": error,
            "totals": totals,
            "bucket_labels": BUCKET_LABELS,
            "bars": _bars(totals),
            "page_obj": paginate(request, report.rows, ROWS_PER_PAGE),
        },
    )


@org_page()
@require_GET
def aging_member(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    organisation = actor(request).organisation
    member = or_404(queries.member, organisation, pk=pk)
    as_of, error = as_of_date(request.GET.get("as_of"))
    rows = aging(organisation, as_of, member=member).rows
    return page(
        request,
        "aging_member.html",
        SECTION,
        {
            "member": member,
            "as_of": as_of,
            "as_of_error": error,
            "row": rows[0] if rows else None,
            "items": open_items(organisation, member, as_of),
            "bucket_labels": BUCKET_LABELS,
        },
    )


AGING_HEADER = ("member_number", "name", *BUCKETS, "total", "unapplied_credit", "net")


def aging_csv_rows(report: AgingReport) -> list[tuple[Cell, ...]]:
    """One row per member, then a total row: the same figures the page shows."""
    rows: list[tuple[Cell, ...]] = [
        (
            row.member_number,
            row.name,
            *(row.buckets[b] for b in BUCKETS),
            row.total,
            row.credit,
            row.net,
        )
        for row in report.rows
    ]
    totals = Totals.of(report)
    buckets = [totals.buckets[b] for b in BUCKETS]
    rows.append(("", "Total", *buckets, totals.total, totals.credit, totals.net))
    return rows


@org_page()
@require_GET
def aging_csv(request: HttpRequest, org: str) -> StreamingHttpResponse:
    as_of, _ = as_of_date(request.GET.get("as_of"))
    report = aging(actor(request).organisation, as_of)
    return csv_response(
        f"aging-{org}-{as_of.isoformat()}.csv", AGING_HEADER, aging_csv_rows(report)
    )
