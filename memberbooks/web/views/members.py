"""Member list (search, pages of 50, CSV), member detail with statement, new and edit forms,
and the two small htmx lookups the billing forms use."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from memberbooks.ledger import actions, queries
from memberbooks.ledger.models import Member
from memberbooks.tenancy.models import Role
from memberbooks.web.access import org_page
from memberbooks.web.csv_export import csv_response
from memberbooks.web.forms import MemberForm, MemberSearchForm, NewMemberForm
from memberbooks.web.views.common import (
    actor,
    apply_rows,
    attempt,
    find_member,
    or_404,
    page,
    paginate,
)

SECTION = "members"
CONTACT_FIELDS = actions.MEMBER_FIELDS  # the fields the member actions take, besides status


@org_page()
@require_GET
def member_list(request: HttpRequest, org: str) -> HttpResponse:
    """Pages of 50: one COUNT on the member table, one page query, three balance sums."""
    search = request.GET.get("q", "").strip()
    page_obj = paginate(request, queries.members(actor(request).organisation, search))
    members = list(page_obj.object_list)
    balances = queries.member_balances(member.pk for member in members)
    return page(
        request,
        "members.html",
        SECTION,
        {
            "search_form": MemberSearchForm(request.GET),
            "search": search,
            "page_obj": page_obj,
            "rows": [(member, balances[member.pk]) for member in members],
        },
    )


@org_page()
@require_GET
def member_csv(request: HttpRequest, org: str) -> StreamingHttpResponse:
    """Every member the search finds (all of them when blank), streamed."""
    search = request.GET.get("q", "").strip()
    members = queries.members(actor(request).organisation, search).values_list(
        "member_number", *CONTACT_FIELDS, "status"
    )
    return csv_response(
        f"members-{org}.csv",
        ["member_number", *CONTACT_FIELDS, "status"],
        members.iterator(chunk_size=2000),
    )


@org_page()
@require_GET
def member_detail(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    member = or_404(queries.member, actor(request).organisation, pk=pk)
    payments, credit_memos = queries.open_credits(member)
    return page(
        request,
        "member_detail.html",
        SECTION,
        {
            "member": member,
            "balance": queries.member_balance(member),
            "entries": queries.member_ledger(member),
            "open_invoices": list(queries.open_invoices(member)),
            "open_payments": payments,
            "open_credit_memos": credit_memos,
        },
    )


@org_page()
@require_GET
def member_statement_csv(request: HttpRequest, org: str, pk: int) -> StreamingHttpResponse:
    member = or_404(queries.member, actor(request).organisation, pk=pk)
    return csv_response(
        f"statement-{org}-{member.pk}.csv",
        ["date", "document", "number", "description", "charge", "credit", "balance", "void"],
        (
            (e.date, e.kind, e.number, e.description, e.charge, e.credit, e.balance, e.voided)
            for e in queries.member_ledger(member)
        ),
    )


@org_page(Role.BOOKKEEPER)
def member_new(request: HttpRequest, org: str) -> HttpResponse:
    form = NewMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in (*CONTACT_FIELDS, "status")}
        number = form.cleaned_data["member_number"]
        member = attempt(form, lambda: actions.create_member(actor(request), number, **values))
        if member is not None:
            messages.success(request, f"Member {member.member_number} added.")
            return redirect("member-detail", org=org, pk=member.pk)
    return page(request, "member_form.html", SECTION, {"form": form, "member": None})


@org_page(Role.BOOKKEEPER)
def member_edit(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    member = or_404(queries.member, actor(request).organisation, pk=pk)
    initial = {name: getattr(member, name) for name in (*CONTACT_FIELDS, "status")}
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in (*CONTACT_FIELDS, "status")}
        if attempt(form, lambda: actions.update_member(actor(request), member, **values)):
            messages.success(request, f"Member {member.member_number} saved.")
            return redirect("member-detail", org=org, pk=member.pk)
    return page(request, "member_form.html", SECTION, {"form": form, "member": member})


def _lookup(request: HttpRequest) -> tuple[Member | None, str]:
    number = request.GET.get("member_number", "").strip()
    return find_member(actor(request).organisation, number), number


@org_page()
@require_GET
def member_hint(request: HttpRequest, org: str) -> HttpResponse:
    """htmx: the name and balance of the member whose number is being typed."""
    member, number = _lookup(request)
    balance = queries.member_balance(member) if member else None
    return page(
        request,
        "_member_hint.html",
        SECTION,
        {"member": member, "number": number, "balance": balance},
    )


@org_page()
@require_GET
def member_open_invoices(request: HttpRequest, org: str) -> HttpResponse:
    """htmx: the member's open invoices with an amount input each, for applying money."""
    member, number = _lookup(request)
    return page(
        request,
        "_apply_rows.html",
        "billing",
        apply_rows(member, number, amounts={}),
    )
