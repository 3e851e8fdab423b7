"""Member <-> QuickBooks customer links, GL account <-> QuickBooks item/account mappings.

A QuickBooks object is stored by its id there (`qb_id`: an Online Id or a Desktop
ListID) with the name it had when linked, and `qb_kind` says which QuickBooks the
id belongs to, so the same tables serve Online now and Desktop later.
"""

from django.db import models
from django.db.models import Q

from memberbooks.ledger.models import GLAccount, Member
from memberbooks.tenancy.models import Organisation


class QbKind(models.TextChoices):
    ONLINE = "online", "QuickBooks Online"
    DESKTOP = "desktop", "QuickBooks Desktop"


class CustomerLink(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="customer_links"
    )
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="qb_link")
    qb_kind = models.CharField(max_length=10, choices=QbKind.choices, default=QbKind.ONLINE)
    qb_id = models.CharField(max_length=60)
    qb_name = models.CharField(max_length=500, blank=True)
    linked_by = models.CharField(max_length=150)
    linked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["member__member_number"]
        constraints = [
            # One QuickBooks customer is never linked to two members.
            models.UniqueConstraint(
                fields=["organisation", "qb_kind", "qb_id"], name="customerlink_one_member_per_qb"
            ),
            models.CheckConstraint(
                condition=Q(qb_kind__in=[k.value for k in QbKind]), name="customerlink_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.member_number} -> {self.qb_kind} customer {self.qb_id} {self.qb_name}"


class GLMapping(models.Model):
    """Income, deferred and expense GLs map to an item; deposit and receivable GLs to an account."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="gl_mappings"
    )
    gl_account = models.OneToOneField(
        GLAccount, on_delete=models.CASCADE, related_name="qb_mapping"
    )
    qb_kind = models.CharField(max_length=10, choices=QbKind.choices, default=QbKind.ONLINE)
    qb_item_id = models.CharField(max_length=60, blank=True)
    qb_item_name = models.CharField(max_length=500, blank=True)
    qb_account_id = models.CharField(max_length=60, blank=True)
    qb_account_name = models.CharField(max_length=500, blank=True)
    mismatch = models.CharField(
        max_length=500, blank=True, help_text="Why the item's income account does not fit the GL"
    )
    mapped_by = models.CharField(max_length=150)
    mapped_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["gl_account__number"]
        verbose_name = "GL mapping"
        constraints = [
            models.CheckConstraint(
                condition=~Q(qb_item_id="") | ~Q(qb_account_id=""),
                name="glmapping_maps_to_something",
            ),
            models.CheckConstraint(
                condition=Q(qb_kind__in=[k.value for k in QbKind]), name="glmapping_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        target = self.qb_item_name or self.qb_account_name
        return f"{self.gl_account.number} -> {target}"


class CatalogKind(models.TextChoices):
    ITEM = "item", "Item"
    ACCOUNT = "account", "Account"


class QbCatalogEntry(models.Model):
    """A cached QuickBooks item or account, for pickers and kind checks (refreshed on demand)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="qb_catalog"
    )
    qb_kind = models.CharField(max_length=10, choices=QbKind.choices, default=QbKind.ONLINE)
    kind = models.CharField(max_length=10, choices=CatalogKind.choices)
    qb_id = models.CharField(max_length=60)
    name = models.CharField(max_length=500)
    type = models.CharField(max_length=60, blank=True, help_text="Item Type or AccountType")
    subtype = models.CharField(max_length=60, blank=True, help_text="AccountSubType")
    income_account_id = models.CharField(max_length=60, blank=True)
    active = models.BooleanField(default=True)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "QuickBooks catalog entry"
        verbose_name_plural = "QuickBooks catalog entries"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "qb_kind", "kind", "qb_id"], name="qbcatalog_unique_id"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in CatalogKind]), name="qbcatalog_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.qb_id} {self.name}"
