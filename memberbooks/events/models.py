"""Event, FeeType and Registration.

A registration owns the invoice it created (and the payment, when paid at
registration); the ledger holds the money, this app only says why.
"""

from django.db import models
from django.db.models import Q

from memberbooks.ledger.models import GLAccount, Invoice, Member, Payment
from memberbooks.ledger.money import MoneyField
from memberbooks.tenancy.models import Organisation


class Event(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    location = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="event_code_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FeeType(models.Model):
    """A price for attending, and the GL account its income goes to."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="fee_types")
    name = models.CharField(max_length=100)
    gl_account = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")
    price = MoneyField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["price", "name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="feetype_name_unique_per_event"),
            models.CheckConstraint(condition=Q(price__gte=0), name="feetype_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.price})"


class Registration(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="registrations")
    fee_type = models.ForeignKey(FeeType, on_delete=models.PROTECT, related_name="registrations")
    quantity = models.PositiveIntegerField(default=1)
    attendee_name = models.CharField(max_length=200, blank=True)
    registered_on = models.DateField()
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="registration")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="registration_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member.member_number} at {self.event.code}"
