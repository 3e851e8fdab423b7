from django.contrib import admin

from memberbooks.events.models import Event, FeeType, Registration


class FeeTypeInline(admin.TabularInline[FeeType, Event]):
    model = FeeType
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ["code", "name", "starts_on", "location", "organisation"]
    list_filter = ["organisation"]
    inlines = [FeeTypeInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin[Registration]):
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
