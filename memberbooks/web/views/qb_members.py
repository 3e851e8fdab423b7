"""Member Status: every member's QuickBooks link state, live customer search, the matching workbench and Create in QuickBooks.

The list may hold 50,000 members, so suggestions are worked out only for the
members on the page being shown (with their rivals, see mapping.bulk), against
QuickBooks' customer list read once per request. The "suggested" filter scans a
bounded number of unlinked members for the same reason, and says so.

Every write goes through the mapping actions (link_member, unlink_member,
create_customer_for, bulk.confirm_confident), which check the role, keep to the
organisation and write the audit log; a refusal comes back on the page with its fix.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from memberbooks.ledger import queries as ledger_queries
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.models import CreditMemo, Invoice, Member, Payment, Refund
from memberbooks.mapping import actions, bulk
from memberbooks.mapping import queries as mapping_queries
from memberbooks.mapping.models import CustomerLink, QbKind
from memberbooks.mapping.suggestions import search_customers
from memberbooks.matching.suggest import Suggestion
from memberbooks.tenancy.models import Organisation, Role
from memberbooks.web.access import org_page
from memberbooks.web.csv_export import csv_response
from memberbooks.web.forms import PageForm, ledger_error_text
from memberbooks.web.views.common import actor, attempt, or_404, page, paginate

SECTION = "quickbooks"
PER_PAGE = 50
# The "suggested" filter scores at most this many unlinked members per view.
SCAN_LIMIT = 1000
STATES = [
    ("", "All members"),
    ("todo", "Unlinked with transactions"),
    ("unlinked", "Unlinked"),
    ("suggested", "Suggested"),
    ("linked", "Linked"),
]


class StatusFilter(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search members",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Number, name, company or email"}
        ),
    )
    state = forms.ChoiceField(required=False, choices=STATES, label="Link state")


class LinkForm(PageForm):
    customer = forms.CharField(
        label="QuickBooks customer id",
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="The Id QuickBooks shows for the customer; search below to find it.",
    )


# --- reading ---------------------------------------------------------------------------------


def _has_transactions() -> Q:
    member = OuterRef("pk")
    return (
        Q(Exists(Invoice.objects.filter(member=member)))
        | Q(Exists(Payment.objects.filter(member=member)))
        | Q(Exists(CreditMemo.objects.filter(member=member)))
        | Q(Exists(Refund.objects.filter(member=member)))
    )


def listing(organisation: Organisation, search: str, state: str) -> QuerySet[Member]:
    """The members the filters ask for, unlinked-with-transactions first, then by number."""
    used = _has_transactions()
    queryset = (
        ledger_queries.members(organisation, search)
        .select_related("qb_link")
        .annotate(
            has_tx=ExpressionWrapper(used, output_field=BooleanField()),
            rank=Case(When(Q(qb_link__isnull=True) & used, then=Value(0)), default=Value(1)),
        )
        .order_by("rank", "member_number")
    )
    if state == "todo":
        return queryset.filter(Q(qb_link__isnull=True) & used)
    if state in ("unlinked", "suggested"):
        return queryset.filter(qb_link__isnull=True)
    if state == "linked":
        return queryset.filter(qb_link__isnull=False)
    return queryset


@dataclass(frozen=True)
class Row:
    member: Member
    link: CustomerLink | None
    has_transactions: bool
    suggestion: Suggestion | None
    best_name: str

    @property
    def state(self) -> str:
        if self.link is not None:
            return "linked"
        if self.suggestion is not None and self.suggestion.verdict != "none":
            return "suggested"
        return "unlinked"

    @property
    def confident(self) -> bool:
        return (
            self.link is None
            and self.suggestion is not None
            and self.suggestion.verdict == "confident"
        )


def _link(member: Member) -> CustomerLink | None:
    try:
        return member.qb_link
    except CustomerLink.DoesNotExist:
        return None


def _bench(organisation: Organisation) -> tuple[bulk.Workbench | None, str]:
    """QuickBooks' customers for this request, or the refusal (not connected, ...) to show."""
    try:
        return bulk.load(organisation), ""
    except LedgerError as error:
        return None, ledger_error_text(error)


def _best_name(bench: bulk.Workbench | None, suggestion: Suggestion | None) -> str:
    best = suggestion.best if suggestion else None
    return bench.name_of(best.qb_id) if bench and best else ""


def _rows(
    members: list[Member], bench: bulk.Workbench | None, found: dict[int, Suggestion]
) -> list[Row]:
    return [
        Row(
            member,
            _link(member),
            bool(getattr(member, "has_tx", False)),
            found.get(member.pk),
            _best_name(bench, found.get(member.pk)),
        )
        for member in members
    ]


def _suggested(
    queryset: QuerySet[Member], bench: bulk.Workbench
) -> tuple[list[Member], dict[int, Suggestion], bool]:
    """Unlinked members with a plausible candidate, among the first SCAN_LIMIT of `queryset`."""
    scanned = list(queryset[: SCAN_LIMIT + 1])
    truncated = len(scanned) > SCAN_LIMIT
    scanned = scanned[:SCAN_LIMIT]
    found = bench.suggest(scanned) if scanned else {}
    kept = [m for m in scanned if found[m.pk].verdict != "none"]
    return kept, found, truncated


@org_page()
@require_GET
def index(request: HttpRequest, org: str) -> HttpResponse:
    """The list: link state per member, suggestions for the page shown, live customer search."""
    organisation = actor(request).organisation
    filters = StatusFilter(request.GET)
    filters.is_valid()
    search = filters.cleaned_data.get("q", "").strip()
    state = filters.cleaned_data.get("state", "")
    queryset = listing(organisation, search, state)
    bench, qb_error, truncated = None, "", False
    found: dict[int, Suggestion] = {}
    if state == "suggested":
        bench, qb_error = _bench(organisation)
        members, found, truncated = _suggested(queryset, bench) if bench else ([], {}, False)
        page_obj = paginate(request, members, PER_PAGE)
    else:
        page_obj = paginate(request, queryset, PER_PAGE)
        unlinked = [m for m in page_obj.object_list if _link(m) is None]
        if unlinked:
            bench, qb_error = _bench(organisation)
            found = bench.suggest(unlinked) if bench else {}
    rows = _rows(list(page_obj.object_list), bench, found)
    return page(
        request,
        "qb/members.html",
        SECTION,
        {
            "filters": filters,
            "search": search,
            "state": state,
            "page_obj": page_obj,
            "rows": rows,
            "confident": [row for row in rows if row.confident],
            "qb_error": qb_error,
            "truncated": truncated,
            "scan_limit": SCAN_LIMIT,
            "customer_q": request.GET.get("customer_q", "").strip(),
            **_search_context(request, request.GET.get("customer_q", ""), None),
        },
    )


@org_page()
@require_GET
def export_csv(request: HttpRequest, org: str) -> StreamingHttpResponse:
    """The link list the filters select (all members when blank), streamed.

    A "suggested" filter exports the unlinked members: suggestions are worked out
    per page, never for the whole list.
    """
    search = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    queryset = listing(actor(request).organisation, search, state)
    return csv_response(
        f"member-status-{org}.csv",
        [
            "member_number",
            "name",
            "state",
            "has_transactions",
            "qb_kind",
            "qb_id",
            "qb_name",
            "linked_by",
            "linked_at",
        ],
        (_csv_row(member) for member in queryset.iterator(chunk_size=2000)),
    )


def _csv_row(member: Member) -> list[Any]:
    link = _link(member)
    return [
        member.member_number,
        member.display_name,
        "linked" if link else "unlinked",
        bool(getattr(member, "has_tx", False)),
        link.qb_kind if link else None,
        link.qb_id if link else None,
        link.qb_name if link else None,
        link.linked_by if link else None,
        link.linked_at.isoformat(timespec="seconds") if link else None,
    ]


def _search_context(request: HttpRequest, text: str, member: Member | None) -> dict[str, Any]:
    """What `_members_search.html` shows: the hits for `text`, or why there are none."""
    text = " ".join(text.split())
    hits, error = [], ""
    if text:
        try:
            hits = search_customers(actor(request).organisation, text)
        except LedgerError as refusal:
            error = ledger_error_text(refusal)
    return {
        "hits": hits,
        "search_text": text,
        "search_error": error,
        "search_member": member,
        "next_url": request.get_full_path(),
    }


@org_page()
@require_GET
def customer_search(request: HttpRequest, org: str) -> HttpResponse:
    """htmx: QuickBooks customers whose name, company or email holds the text, live."""
    organisation = actor(request).organisation
    number = request.GET.get("member", "").strip()
    member = (
        or_404(ledger_queries.member, organisation, pk=int(number)) if number.isdigit() else None
    )
    context = _search_context(request, request.GET.get("customer_q", ""), member)
    context["next_url"] = _safe_next(request, request.GET.get("next", ""))
    return page(request, "qb/_members_search.html", SECTION, context)


def _workbench_context(
    request: HttpRequest, member: Member, form: LinkForm | None = None, create_error: str = ""
) -> dict[str, Any]:
    """The member, its link, its scored candidates and the name Create in QuickBooks would use."""
    organisation = actor(request).organisation
    link = CustomerLink.objects.filter(member=member).first()
    bench, qb_error = _bench(organisation)
    suggestion = bench.suggest([member])[member.pk] if bench and link is None else None
    numbers = dict(
        Member.objects.filter(organisation=organisation)
        .filter(
            pk__in=[
                c.linked_to for c in (suggestion.candidates if suggestion else ()) if c.linked_to
            ]
        )
        .values_list("pk", "member_number")
    )
    candidates = [
        {
            "candidate": c,
            "name": bench.name_of(c.qb_id) if bench else "",
            "linked_to": numbers.get(c.linked_to) if c.linked_to else None,
            "elsewhere": c.linked_to is not None and c.linked_to != member.pk,
        }
        for c in (suggestion.candidates if suggestion else ())
    ]
    proposed = actions.display_name_for(member, QbKind.ONLINE)
    taken = bool(bench and bench.name_taken(proposed))
    customer_q = request.GET.get("customer_q", member.last_name or member.company)
    return {
        "member": member,
        "link": link,
        "has_transactions": mapping_queries.members_with_transactions(organisation)
        .filter(pk=member.pk)
        .exists(),
        "suggestion": suggestion,
        "candidates": candidates,
        "qb_error": qb_error,
        "proposed_name": proposed,
        "name_taken": taken,
        "unique_name": actions.unique_name_for(member, QbKind.ONLINE),
        "form": form or LinkForm(),
        "create_error": create_error,
        "customer_q": customer_q,
        **_search_context(request, customer_q, member),
        "next_url": reverse("qb-member", args=[organisation.slug, member.pk]),
    }


@org_page()
@require_GET
def workbench(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    """One member: its link or its candidates with score and reasons, search, create."""
    member = or_404(ledger_queries.member, actor(request).organisation, pk=pk)
    return page(request, "qb/members_workbench.html", SECTION, _workbench_context(request, member))


# --- writing ---------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, target: str) -> str:
    fallback = reverse("qb-members", args=[actor(request).organisation.slug])
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _back(request: HttpRequest) -> HttpResponseBase:
    return redirect(_safe_next(request, request.POST.get("next", "")))


def _linked_message(member: Member, link: CustomerLink) -> str:
    return (
        f"Linked {member.member_number} {member.display_name} to QuickBooks customer "
        f"{link.qb_id} ({link.qb_name})."
    )


@org_page(Role.BOOKKEEPER)
@require_POST
def member_link(request: HttpRequest, org: str, pk: int) -> HttpResponseBase:
    """Link the member to the customer id posted (from a candidate, a search hit or typed)."""
    member = or_404(ledger_queries.member, actor(request).organisation, pk=pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        qb_id = form.cleaned_data["customer"]
        link = attempt(form, lambda: actions.link_member(actor(request), member, qb_id))
        if link is not None:
            messages.success(request, _linked_message(member, link))
            return _back(request)
    return page(
        request, "qb/members_workbench.html", SECTION, _workbench_context(request, member, form)
    )


class QuickLinkForm(PageForm):
    member_number = forms.CharField(max_length=30)
    customer = forms.CharField(max_length=60)


@org_page(Role.BOOKKEEPER)
@require_POST
def quick_link(request: HttpRequest, org: str) -> HttpResponseBase:
    """Link from a search hit on the list: the member is named by number."""
    form = QuickLinkForm(request.POST)
    organisation = actor(request).organisation
    if not form.is_valid():
        messages.error(request, "Type the member number to link, then press Link.")
        return _back(request)
    number, qb_id = form.cleaned_data["member_number"], form.cleaned_data["customer"]
    try:
        member = ledger_queries.member(organisation, number=number)
        link = actions.link_member(actor(request), member, qb_id)
    except LedgerError as error:
        messages.error(request, ledger_error_text(error))
        return _back(request)
    messages.success(request, _linked_message(member, link))
    return _back(request)


@org_page(Role.BOOKKEEPER)
@require_POST
def member_unlink(request: HttpRequest, org: str, pk: int) -> HttpResponseBase:
    member = or_404(ledger_queries.member, actor(request).organisation, pk=pk)
    before = CustomerLink.objects.filter(member=member).first()
    try:
        actions.unlink_member(actor(request), member)
    except LedgerError as error:
        messages.error(request, ledger_error_text(error))
        return _back(request)
    assert before is not None
    messages.success(
        request,
        f"Unlinked {member.member_number} from QuickBooks customer {before.qb_id} ({before.qb_name}).",
    )
    return _back(request)


@org_page(Role.BOOKKEEPER)
@require_POST
def member_create(request: HttpRequest, org: str, pk: int) -> HttpResponseBase:
    """Create in QuickBooks: a customer from the member's details, then link them."""
    member = or_404(ledger_queries.member, actor(request).organisation, pk=pk)
    try:
        link = actions.create_customer_for(actor(request), member)
    except LedgerError as error:
        context = _workbench_context(request, member, create_error=ledger_error_text(error))
        return page(request, "qb/members_workbench.html", SECTION, context)
    messages.success(
        request,
        f"Created QuickBooks customer {link.qb_id} “{link.qb_name}” and linked "
        f"{member.member_number} to it.",
    )
    return _back(request)


@org_page(Role.BOOKKEEPER)
@require_POST
def confirm(request: HttpRequest, org: str) -> HttpResponseBase:
    """Link the ticked confident matches, or every confident one ("all")."""
    organisation = actor(request).organisation
    if request.POST.get("all"):
        chosen = None
    else:
        ids = [int(v) for v in request.POST.getlist("member") if v.isdigit()]
        chosen = [or_404(ledger_queries.member, organisation, pk=pk) for pk in ids]
        if not chosen:
            messages.error(request, "Tick the confident matches to link, then press Confirm.")
            return _back(request)
    try:
        outcome = bulk.confirm_confident(actor(request), chosen)
    except LedgerError as error:
        messages.error(request, ledger_error_text(error))
        return _back(request)
    _report(request, outcome)
    return _back(request)


def _report(request: HttpRequest, outcome: bulk.Outcome) -> None:
    count = len(outcome.done)
    messages.success(
        request, f"Linked {count} member{'s' if count != 1 else ''} with a confident match."
    )
    held = [m.member_number for m, s in outcome.skipped if s.verdict == "ambiguous"]
    if held:
        messages.warning(
            request,
            f"Left {len(held)} ambiguous match{'es' if len(held) != 1 else ''} for you to choose "
            f"by hand: {', '.join(held[:20])}{' …' if len(held) > 20 else ''}.",
        )
    for member, error in outcome.failed:
        messages.error(request, f"{member.member_number}: {ledger_error_text(error)}")


urlpatterns: list[URLPattern] = [
    path("", index, name="qb-members"),
    path("export.csv", export_csv, name="qb-members-csv"),
    path("search/", customer_search, name="qb-members-search"),
    path("link/", quick_link, name="qb-members-link"),
    path("confirm/", confirm, name="qb-members-confirm"),
    path("<int:pk>/", workbench, name="qb-member"),
    path("<int:pk>/link/", member_link, name="qb-member-link"),
    path("<int:pk>/unlink/", member_unlink, name="qb-member-unlink"),
    path("<int:pk>/create/", member_create, name="qb-member-create"),
]
