"""Invoices and credit memos: the line-item forms, the invoice page and its void form.

Credit memos share the invoice's line form; their detail page lives with the
payments' in `sources.py`, because both are money a member can apply or get
refunded.
"""

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from memberbooks.ledger import actions, queries
from memberbooks.ledger.drafts import CreditMemoDraft, InvoiceDraft, LineDraft
from memberbooks.ledger.models import CreditMemo, Invoice
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role
from memberbooks.web import reads
from memberbooks.web.access import org_page
from memberbooks.web.forms import (
    BaseLineFormSet,
    CreditMemoForm,
    InvoiceForm,
    LineForm,
    LineFormSet,
    PageForm,
    VoidForm,
)
from memberbooks.web.views.common import (
    actor,
    application_drafts,
    apply_rows,
    attempt,
    entry_form,
    find_member,
    live_member_input,
    or_404,
    page,
    posted_amounts,
)

SECTION = "billing"
LINES = "lines"


def _line_formset(request: HttpRequest, who: Actor) -> BaseLineFormSet:
    """The posted lines, or three empty ones; "Add a line" without JavaScript adds one more."""
    accounts = reads.account_choices(who.organisation, reads.LINE_KINDS)
    data: QueryDict | None = request.POST if request.method == "POST" else None
    if data is not None and "add_line" in data:
        count = _form_count(data.get(f"{LINES}-TOTAL_FORMS"))
        data = data.copy()
        data[f"{LINES}-TOTAL_FORMS"] = str(count + 1)
        data[f"{LINES}-{count}-quantity"] = "1"  # as a fresh line starts, so it counts as untouched
    formset = LineFormSet(data, prefix=LINES, form_kwargs={"accounts": accounts})
    return cast(BaseLineFormSet, formset)


def _form_count(text: str | None) -> int:
    """The formset's posted form count; anything odd counts as none (the formset then says so)."""
    return int(text) if text and text.isdigit() else 0


def _line_drafts(who: Actor, formset: BaseLineFormSet) -> list[LineDraft]:
    """Each filled line, its GL account resolved inside the organisation (NotFound otherwise)."""
    return [
        LineDraft(
            gl_account=queries.gl_account(who.organisation, pk=line["gl_account"]),
            unit_price=line["unit_price"],
            quantity=line["quantity"],
            description=line["description"],
        )
        for line in formset.filled()
    ]


def _document_form(
    request: HttpRequest, form: PageForm, formset: BaseLineFormSet, kind: str
) -> HttpResponse:
    who = actor(request)
    number = form["member_number"].value() or ""
    member = find_member(who.organisation, number)
    context: dict[str, Any] = {"form": form, "formset": formset, "kind": kind}
    if kind == "invoice":
        live_member_input(form, request, "member-hint", "#member-hint")
        balance = queries.member_balance(member) if member else None
        context.update(member=member, number=number, balance=balance)
    else:
        live_member_input(form, request, "member-open-invoices", "#open-invoices")
        context.update(apply_rows(member, number, posted_amounts(request)))
    return page(request, "document_form.html", SECTION, context)


def _saving(request: HttpRequest) -> bool:
    """A POST saves, unless it only asked for another line or the member's open invoices."""
    return request.method == "POST" and not {"add_line", "_load"} & set(request.POST)


def _new_document[T: (Invoice, CreditMemo)](
    request: HttpRequest,
    org: str,
    form_class: type[PageForm],
    kind: str,
    detail: str,
    post: Callable[[Actor, dict[str, Any], BaseLineFormSet], T],
) -> HttpResponse:
    """Both line forms: post the document when saving and go to its page; else show the form."""
    who = actor(request)
    saving = _saving(request)
    form = entry_form(form_class, request, saving=saving)
    formset = _line_formset(request, who)
    if saving and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        document = attempt(form, lambda: post(who, data, formset))
        if document is not None:
            total = f"{document.total:,.2f}"
            messages.success(request, f"{kind.capitalize()} {document.number} posted: {total}.")
            return redirect(detail, org=org, pk=document.pk)
    return _document_form(request, form, formset, kind)


def _post_invoice(who: Actor, data: dict[str, Any], formset: BaseLineFormSet) -> Invoice:
    return actions.post_invoice(
        who,
        InvoiceDraft(
            member=queries.member(who.organisation, number=data["member_number"]),
            date=data["date"],
            due_date=data["due_date"],
            source=data["source"],
            memo=data["memo"],
            lines=_line_drafts(who, formset),
        ),
    )


@org_page(Role.BOOKKEEPER)
def invoice_new(request: HttpRequest, org: str) -> HttpResponse:
    return _new_document(request, org, InvoiceForm, "invoice", "invoice-detail", _post_invoice)


@org_page(Role.BOOKKEEPER)
def creditmemo_new(request: HttpRequest, org: str) -> HttpResponse:
    def post(who: Actor, data: dict[str, Any], formset: BaseLineFormSet) -> CreditMemo:
        return actions.post_credit_memo(
            who,
            CreditMemoDraft(
                member=queries.member(who.organisation, number=data["member_number"]),
                date=data["date"],
                memo=data["memo"],
                lines=_line_drafts(who, formset),
                applications=application_drafts(request),
            ),
        )

    return _new_document(request, org, CreditMemoForm, "credit memo", "creditmemo-detail", post)


@org_page(Role.BOOKKEEPER)
@require_GET
def line_row(request: HttpRequest, org: str) -> HttpResponse:
    """htmx: one more empty line for the line table, and the formset's new form count."""
    index = _form_count(request.GET.get(f"{LINES}-TOTAL_FORMS"))
    accounts = reads.account_choices(actor(request).organisation, reads.LINE_KINDS)
    line = LineForm(
        prefix=f"{LINES}-{index}",
        accounts=accounts,
        empty_permitted=True,
        use_required_attribute=False,
    )
    return page(
        request, "_line_row.html", SECTION, {"line": line, "total_forms": index + 1, "oob": True}
    )


def _invoice_page(
    request: HttpRequest, invoice: Invoice, void_form: VoidForm | None = None
) -> HttpResponse:
    return page(
        request,
        "invoice_detail.html",
        SECTION,
        {
            "invoice": invoice,
            "lines": invoice.lines.select_related("gl_account"),
            "applications": invoice.applications.select_related("payment", "credit_memo"),
            "registration": getattr(invoice, "registration", None),
            "status": reads.status_label(invoice),
            "void_form": void_form or VoidForm(),
        },
    )


@org_page()
@require_GET
def invoice_detail(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    return _invoice_page(request, or_404(queries.invoice, actor(request).organisation, pk=pk))


@org_page(Role.BOOKKEEPER)
@require_POST
def invoice_void(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    who = actor(request)
    invoice = or_404(queries.invoice, who.organisation, pk=pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if attempt(form, lambda: actions.void_invoice(who, invoice, data["date"], data["reason"])):
            messages.success(request, f"Invoice {invoice.number} voided on {data['date']}.")
            return redirect("invoice-detail", org=org, pk=invoice.pk)
    return _invoice_page(request, invoice, form)
