"""Money a member can apply: payments and credit memos.

Both pages offer the same four writes: apply the unapplied rest to open
invoices, take an application off, refund the rest, void. One set of views
serves both, told which kind by the URL (`kind="payment"` or `"creditmemo"`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from memberbooks.ledger import actions, queries
from memberbooks.ledger.drafts import PaymentDraft
from memberbooks.ledger.errors import InvalidInput, NotFound
from memberbooks.ledger.models import CreditMemo, GLAccountKind, Payment
from memberbooks.tenancy.models import Role
from memberbooks.web import reads
from memberbooks.web.access import org_page
from memberbooks.web.forms import (
    ApplyForm,
    Choices,
    PageForm,
    PaymentForm,
    RefundForm,
    UnapplyForm,
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
Source = Payment | CreditMemo


@dataclass(frozen=True)
class Kind:
    """What differs between a payment and a credit memo on these pages."""

    label: str
    url: str
    lookup: Callable[..., Source]
    apply: Callable[..., Sequence[Any]]
    void: Callable[..., Source]


KINDS = {
    "payment": Kind(
        "Payment", "payment", queries.payment, actions.apply_payment, actions.void_payment
    ),
    "creditmemo": Kind(
        "Credit memo",
        "creditmemo",
        queries.credit_memo,
        actions.apply_credit,
        actions.void_credit_memo,
    ),
}


def _deposit_accounts(request: HttpRequest) -> Choices:
    return reads.account_choices(actor(request).organisation, [GLAccountKind.DEPOSIT])


# --- recording a payment ----------------------------------------------------------------------


@org_page(Role.BOOKKEEPER)
def payment_new(request: HttpRequest, org: str) -> HttpResponse:
    who = actor(request)
    saving = request.method == "POST" and "_load" not in request.POST
    deposit = _deposit_accounts(request)
    form = entry_form(PaymentForm, request, saving=saving, deposit_accounts=deposit)
    if saving and form.is_valid():
        clean = form.cleaned_data

        def record() -> Payment:
            return actions.record_payment(
                who,
                PaymentDraft(
                    member=queries.member(who.organisation, number=clean["member_number"]),
                    date=clean["date"],
                    amount=clean["amount"],
                    deposit_account=queries.gl_account(
                        who.organisation, pk=clean["deposit_account"]
                    ),
                    method=clean["method"],
                    reference=clean["reference"],
                    applications=application_drafts(request),
                ),
            )

        payment = attempt(form, record)
        if payment is not None:
            messages.success(request, f"Payment {payment.number} recorded: {payment.amount:,.2f}.")
            return redirect("payment-detail", org=org, pk=payment.pk)
    number = form["member_number"].value() or ""
    member = find_member(who.organisation, number)
    live_member_input(form, request, "member-open-invoices", "#open-invoices")
    return page(
        request,
        "payment_form.html",
        SECTION,
        {
            "form": form,
            **apply_rows(member, number, posted_amounts(request)),
            "has_deposit_accounts": bool(deposit),
        },
    )


# --- the detail page and its forms ------------------------------------------------------------


def _source_page(
    request: HttpRequest, kind: Kind, source: Source, **bound: PageForm
) -> HttpResponse:
    """The payment or credit memo page; `bound` replaces a blank form by one with errors."""
    deposit = _deposit_accounts(request)
    applications = list(source.applications.select_related("invoice"))
    forms: dict[str, PageForm] = {
        "apply_form": ApplyForm(),
        "void_form": VoidForm(),
        "refund_form": RefundForm(deposit_accounts=deposit),
        **bound,
    }
    unapply_form = bound.get("unapply_form")
    return page(
        request,
        "source_detail.html",
        SECTION,
        {
            "kind": kind,
            "doc": source,
            "status": reads.status_label(source),
            "applications": applications,
            "has_live_applications": any(app.is_live for app in applications),
            "unapply_form": unapply_form,
            "unapply_blank": UnapplyForm(),
            "refunds": source.refunds.select_related("paid_from"),
            "lines": (
                source.lines.select_related("gl_account")
                if isinstance(source, CreditMemo)
                else None
            ),
            "apply_invoices": []
            if source.is_voided
            else list(queries.open_invoices(source.member)),
            "amounts": posted_amounts(request),
            **forms,
        },
    )


@org_page()
@require_GET
def source_detail(request: HttpRequest, org: str, pk: int, kind: str) -> HttpResponse:
    how = KINDS[kind]
    return _source_page(request, how, or_404(how.lookup, actor(request).organisation, pk=pk))


def _write(
    request: HttpRequest,
    org: str,
    pk: int,
    kind: str,
    form_name: str,
    make_form: Callable[[], PageForm],
    call: Callable[[Source, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Parse one small form on the page, call the action, redirect; or show the page with errors."""
    how = KINDS[kind]
    source = or_404(how.lookup, actor(request).organisation, pk=pk)
    form = make_form()
    if form.is_valid() and attempt(form, lambda: call(source, form.cleaned_data)) is not None:
        messages.success(request, f"{how.label} {source.number}: {done}.")
        return redirect(f"{how.url}-detail", org=org, pk=source.pk)
    return _source_page(request, how, source, **{form_name: form})


@org_page(Role.BOOKKEEPER)
@require_POST
def source_apply(request: HttpRequest, org: str, pk: int, kind: str) -> HttpResponse:
    who = actor(request)

    def apply(source: Source, data: dict[str, Any]) -> object:
        drafts = application_drafts(request)
        if not drafts:
            raise InvalidInput(
                "No amount was entered.",
                field="applied_amount",
                fix="Type an amount beside at least one invoice.",
            )
        return KINDS[kind].apply(who, source, drafts, data["applied_on"])

    return _write(
        request,
        org,
        pk,
        kind,
        "apply_form",
        lambda: ApplyForm(request.POST),
        apply,
        "applied",
    )


@org_page(Role.BOOKKEEPER)
@require_POST
def source_void(request: HttpRequest, org: str, pk: int, kind: str) -> HttpResponse:
    who = actor(request)
    return _write(
        request,
        org,
        pk,
        kind,
        "void_form",
        lambda: VoidForm(request.POST),
        lambda source, data: KINDS[kind].void(who, source, data["date"], data["reason"]),
        "voided",
    )


@org_page(Role.BOOKKEEPER)
@require_POST
def source_refund(request: HttpRequest, org: str, pk: int, kind: str) -> HttpResponse:
    who = actor(request)

    def refund(source: Source, data: dict[str, Any]) -> object:
        return actions.refund(
            who,
            source,
            data["amount"],
            data["date"],
            paid_from=queries.gl_account(who.organisation, pk=data["paid_from"]),
            method=data["method"],
            reference=data["reference"],
        )

    return _write(
        request,
        org,
        pk,
        kind,
        "refund_form",
        lambda: RefundForm(request.POST, deposit_accounts=_deposit_accounts(request)),
        refund,
        "refund recorded",
    )


@org_page(Role.BOOKKEEPER)
@require_POST
def source_unapply(request: HttpRequest, org: str, pk: int, kind: str) -> HttpResponse:
    who = actor(request)

    def unapply(source: Source, data: dict[str, Any]) -> object:
        # The application is looked up among this document's own, so another's id is not found.
        application = source.applications.filter(pk=data["application"]).first()
        if application is None:
            raise NotFound("No such application on this document.", field="application")
        return actions.unapply(who, application, data["date"])

    return _write(
        request,
        org,
        pk,
        kind,
        "unapply_form",
        lambda: UnapplyForm(request.POST),
        unapply,
        "application taken off",
    )
