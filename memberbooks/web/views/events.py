"""Events: the list with registration counts, an event's fee types and registrations,
and the forms to create an event, add a fee type and register a member."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from memberbooks.events import actions as event_actions
from memberbooks.events import queries as event_queries
from memberbooks.events.models import Event, FeeType, Registration
from memberbooks.ledger import queries
from memberbooks.ledger.errors import NotFound
from memberbooks.ledger.models import GLAccountKind
from memberbooks.tenancy.models import Role
from memberbooks.web import reads
from memberbooks.web.access import org_page
from memberbooks.web.csv_export import csv_response
from memberbooks.web.forms import EventForm, FeeTypeForm, PageForm, RegisterForm
from memberbooks.web.views.common import actor, attempt, live_member_input, or_404, page, paginate

SECTION = "events"


def _events_page(request: HttpRequest, form: EventForm | None = None) -> HttpResponse:
    return page(
        request,
        "events.html",
        SECTION,
        {"events": event_queries.events(actor(request).organisation), "form": form or EventForm()},
    )


@org_page()
@require_GET
def event_list(request: HttpRequest, org: str) -> HttpResponse:
    return _events_page(request)


@org_page(Role.BOOKKEEPER)
@require_POST
def event_new(request: HttpRequest, org: str) -> HttpResponse:
    who = actor(request)
    form = EventForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        event = attempt(
            form,
            lambda: event_actions.create_event(
                who, data["code"], data["name"], data["starts_on"], data["location"]
            ),
        )
        if event is not None:
            messages.success(request, f"Event {event.code} created. Add its fee types next.")
            return redirect("event-detail", org=org, pk=event.pk)
    return _events_page(request, form)


def _fee_type_choices(event: Event) -> list[tuple[int, str]]:
    return [
        (fee.pk, f"{fee.name} ({fee.price:,.2f})")
        for fee in event_queries.fee_types(event, active_only=True)
    ]


def _event_page(request: HttpRequest, event: Event, **bound: PageForm) -> HttpResponse:
    organisation = actor(request).organisation
    deposit = reads.account_choices(organisation, [GLAccountKind.DEPOSIT])
    income = reads.account_choices(organisation, reads.LINE_KINDS)
    registrations = event.registrations.select_related("member", "fee_type", "invoice", "payment")
    context: dict[str, Any] = {
        "event": event,
        "fee_types": event_queries.fee_types(event),
        "page_obj": paginate(request, registrations),
        "register_form": RegisterForm(fee_types=_fee_type_choices(event), deposit_accounts=deposit),
        "fee_type_form": FeeTypeForm(accounts=income),
        **bound,
    }
    live_member_input(context["register_form"], request, "member-hint", "#register-hint")
    return page(request, "event_detail.html", SECTION, context)


@org_page()
@require_GET
def event_detail(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    return _event_page(request, or_404(event_queries.event, actor(request).organisation, pk))


def _fee_type(event: Event, pk: int) -> FeeType:
    """The event's own fee type; an id from another event or organisation is not found."""
    found = event_queries.fee_types(event).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such fee type for this event.", field="fee_type")
    return found


@org_page(Role.BOOKKEEPER)
@require_POST
def event_register(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    who = actor(request)
    event = or_404(event_queries.event, who.organisation, pk)
    deposit = reads.account_choices(who.organisation, [GLAccountKind.DEPOSIT])
    form = RegisterForm(request.POST, fee_types=_fee_type_choices(event), deposit_accounts=deposit)
    if form.is_valid():
        data = form.cleaned_data

        def register() -> Registration:
            paid = None
            if data["paid_now"]:
                paid = event_actions.PaidAtRegistration(
                    deposit_account=queries.gl_account(
                        who.organisation, pk=data["deposit_account"]
                    ),
                    method=data["method"],
                    reference=data["reference"],
                )
            return event_actions.register(
                who,
                event,
                queries.member(who.organisation, number=data["member_number"]),
                _fee_type(event, data["fee_type"]),
                data["registered_on"],
                quantity=data["quantity"],
                attendee_name=data["attendee_name"],
                paid=paid,
            )

        registration = attempt(form, register)
        if registration is not None:
            paid_text = " and paid" if registration.payment_id else ""
            messages.success(
                request,
                f"{registration.member.display_name} registered{paid_text}: "
                f"invoice {registration.invoice.number} for {registration.invoice.total:,.2f}.",
            )
            return redirect("event-detail", org=org, pk=event.pk)
    return _event_page(request, event, register_form=form)


@org_page(Role.BOOKKEEPER)
@require_POST
def event_fee_type(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    who = actor(request)
    event = or_404(event_queries.event, who.organisation, pk)
    form = FeeTypeForm(
        request.POST, accounts=reads.account_choices(who.organisation, reads.LINE_KINDS)
    )
    if form.is_valid():
        data = form.cleaned_data
        fee = attempt(
            form,
            lambda: event_actions.add_fee_type(
                who,
                event,
                data["name"],
                queries.gl_account(who.organisation, pk=data["gl_account"]),
                data["price"],
            ),
        )
        if fee is not None:
            messages.success(request, f"Fee type {fee.name} added.")
            return redirect("event-detail", org=org, pk=event.pk)
    return _event_page(request, event, fee_type_form=form)


@org_page()
@require_GET
def event_csv(request: HttpRequest, org: str, pk: int) -> StreamingHttpResponse:
    event = or_404(event_queries.event, actor(request).organisation, pk)
    registrations = event.registrations.select_related("member", "fee_type", "invoice", "payment")
    return csv_response(
        f"registrations-{org}-{event.pk}.csv",
        (
            "registered_on",
            "member_number",
            "member",
            "attendee",
            "fee_type",
            "quantity",
            "invoice",
            "amount",
            "open",
            "payment",
        ),
        (
            (
                r.registered_on,
                r.member.member_number,
                r.member.display_name,
                r.attendee_name,
                r.fee_type.name,
                r.quantity,
                r.invoice.number,
                r.invoice.total,
                r.invoice.open_balance,
                r.payment.number if r.payment else "",
            )
            for r in registrations.iterator(chunk_size=2000)
        ),
    )
