"""Organisation-scoped reads for events, like ledger.queries for the ledger."""

from django.db.models import Count, Q, QuerySet, Sum

from memberbooks.events.models import Event, FeeType
from memberbooks.ledger.errors import NotFound
from memberbooks.tenancy.models import Organisation


def events(organisation: Organisation) -> QuerySet[Event]:
    """Events with their registration count and amount billed, voids left out (events are few)."""
    return Event.objects.filter(organisation=organisation).annotate(
        registration_count=Count("registrations"),
        billed=Sum(
            "registrations__invoice__total",
            filter=Q(registrations__invoice__voided_on=None),
        ),
    )


def event(organisation: Organisation, pk: int) -> Event:
    """The organisation's event; another organisation's event does not exist here."""
    found = Event.objects.filter(organisation=organisation, pk=pk).first()
    if found is None:
        raise NotFound(f"No event {pk} in {organisation.name}.", field="event")
    return found


def fee_types(event: Event, *, active_only: bool = False) -> QuerySet[FeeType]:
    queryset = event.fee_types.select_related("gl_account")
    return queryset.filter(active=True) if active_only else queryset
