"""Admin for events: read-only, since registrations bill through the ledger's actions."""

from django.contrib import admin

from memberbooks.events.models import Event, FeeType, Registration
from memberbooks.ledger.admin import ReadOnlyAdmin, ReadOnlyInline


class FeeTypeInline(ReadOnlyInline):
    model = FeeType
    extra = 0


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "starts_on", "location", "organisation"]
    list_filter = ["organisation"]
    inlines = [FeeTypeInline]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = [
        "event",
        "member",
        "fee_type",
        "quantity",
        "registered_on",
        "invoice",
        "payment",
    ]
    list_filter = ["event"]
    readonly_fields = ["invoice", "payment"]


@admin.register(FeeType)
class FeeTypeAdmin(ReadOnlyAdmin):
    list_display = ["event", "name", "gl_account", "price", "active"]
    list_filter = ["active", "event"]
