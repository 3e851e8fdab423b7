"""Writes for events: create events and fee types, register members.

Registering posts the invoice through the ledger's own actions, so a
registration's money obeys every ledger rule.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from memberbooks.events.models import Event, FeeType, Registration
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import ApplicationDraft, InvoiceDraft, LineDraft, PaymentDraft
from memberbooks.ledger.errors import InvalidInput, NotFound
from memberbooks.ledger.models import GLAccount, Member
from memberbooks.ledger.money import quantize
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role


@transaction.atomic
def create_event(
    actor: Actor, code: str, name: str, starts_on: dt.date, location: str = ""
) -> Event:
    actor.require(Role.BOOKKEEPER)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise InvalidInput(
            "An event needs a code and a name.", field="code" if not code else "name"
        )
    if Event.objects.filter(organisation=actor.organisation, code=code).exists():
        raise InvalidInput(f"Event code {code} is taken.", field="code", fix="Use another code.")
    return Event.objects.create(
        organisation=actor.organisation,
        code=code,
        name=name,
        starts_on=starts_on,
        location=location,
    )


@transaction.atomic
def add_fee_type(
    actor: Actor, event: Event, name: str, gl_account: GLAccount, price: Decimal
) -> FeeType:
    actor.require(Role.BOOKKEEPER)
    if (
        event.organisation_id != actor.organisation.pk
        or gl_account.organisation_id != actor.organisation.pk
    ):
        raise NotFound("No such event or GL account in this organisation.", field="event")
    amount = quantize(price)
    if amount < 0:
        raise InvalidInput(f"Price {amount} is negative.", field="price", fix="Enter 0 or more.")
    return FeeType.objects.create(
        event=event, name=name.strip(), gl_account=gl_account, price=amount
    )


@dataclass(frozen=True)
class PaidAtRegistration:
    """Payment taken with the registration (card at checkout, check at the door)."""

    deposit_account: GLAccount
    method: str = "card"
    reference: str = ""
    amount: Decimal | None = None  # defaults to the invoice total


@transaction.atomic
def register(
    actor: Actor,
    event: Event,
    member: Member,
    fee_type: FeeType,
    registered_on: dt.date,
    quantity: int = 1,
    attendee_name: str = "",
    paid: PaidAtRegistration | None = None,
) -> Registration:
    """Register a member: post the event invoice and, if paid now, record and apply the payment."""
    actor.require(Role.BOOKKEEPER)
    if event.organisation_id != actor.organisation.pk or fee_type.event_id != event.pk:
        raise NotFound("No such event or fee type in this organisation.", field="fee_type")
    if not fee_type.active:
        raise InvalidInput(
            f"Fee type {fee_type.name} is closed.", field="fee_type", fix="Pick an open fee type."
        )
    if quantity < 1:
        raise InvalidInput(f"Quantity {quantity} must be at least 1.", field="quantity")
    invoice = ledger.post_invoice(
        actor,
        InvoiceDraft(
            member=member,
            date=registered_on,
            due_date=max(
                registered_on, min(event.starts_on, registered_on + dt.timedelta(days=30))
            ),
            source="event",
            memo=f"{event.name}: {fee_type.name}",
            lines=[
                LineDraft(
                    gl_account=fee_type.gl_account,
                    unit_price=fee_type.price,
                    quantity=Decimal(quantity),
                    description=f"{event.name} - {fee_type.name}"
                    + (f" ({attendee_name})" if attendee_name else ""),
                )
            ],
        ),
    )
    payment = None
    if paid is not None and invoice.total > 0:
        amount = quantize(paid.amount) if paid.amount is not None else invoice.total
        payment = ledger.record_payment(
            actor,
            PaymentDraft(
                member=member,
                date=registered_on,
                amount=amount,
                deposit_account=paid.deposit_account,
                method=paid.method,
                reference=paid.reference,
                applications=[ApplicationDraft(invoice=invoice, amount=min(amount, invoice.total))],
            ),
        )
    return Registration.objects.create(
        organisation=actor.organisation,
        event=event,
        member=member,
        fee_type=fee_type,
        quantity=quantity,
        attendee_name=attendee_name.strip(),
        registered_on=registered_on,
        invoice=invoice,
        payment=payment,
    )
