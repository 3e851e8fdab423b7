"""Export decisions (go / no-go per ledger document), mass-mark batches and the in-sync point.

A document with no ExportDecision row is *undecided*: it is never exported (the
exporter treats undecided like no-go) and the Transaction Status report shows it as
"undecided". Setting the in-sync point gives every document an explicit decision.
"""

from decimal import Decimal

from django.db import models

from memberbooks.ledger.money import MoneyField
from memberbooks.tenancy.models import Organisation


class DocType(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    PAYMENT = "payment", "Payment"
    CREDIT_MEMO = "credit_memo", "Credit memo"
    REFUND = "refund", "Refund"


class Decision(models.TextChoices):
    GO = "go", "Export"
    NO_GO = "no_go", "Do not export"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    EXPORTED = "exported", "Exported"
    FAILED = "failed", "Failed"
    CHANGED = "changed", "Changed since export"


class ExportDecision(models.Model):
    """Whether one ledger document goes to QuickBooks, why, and what became of it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    doc_type = models.CharField(max_length=20, choices=DocType.choices)
    doc_id = models.BigIntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    qb_id = models.CharField(max_length=40, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "doc_type", "doc_id"], name="exportdecision_one_per_doc"
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="exportdecision_reason_required"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "decision"], name="exportdecision_org_dec_idx")
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} {self.doc_id}: {self.decision}"


class MarkBatch(models.Model):
    """One mass marking; its entries keep each document's previous decision so it can be undone."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    marked_by = models.CharField(max_length=150)
    marked_at = models.DateTimeField()
    description = models.CharField(max_length=300)
    decision = models.CharField(
        max_length=10, blank=True, help_text="Blank when the batch set both (the in-sync point)."
    )
    reason = models.CharField(max_length=300)
    count = models.PositiveIntegerField(default=0)
    total = MoneyField(default=Decimal("0.00"))
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-marked_at", "-id"]

    def __str__(self) -> str:
        return f"Batch {self.pk}: {self.description}"


class MarkBatchEntry(models.Model):
    """A document's decision before the batch (blank previous_decision: it was undecided)."""

    batch = models.ForeignKey(MarkBatch, on_delete=models.CASCADE, related_name="entries")
    doc_type = models.CharField(max_length=20, choices=DocType.choices)
    doc_id = models.BigIntegerField()
    previous_decision = models.CharField(max_length=10, blank=True)
    previous_reason = models.CharField(max_length=300, blank=True)
    previous_by = models.CharField(max_length=150, blank=True)
    previous_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.doc_type} {self.doc_id} was {self.previous_decision or 'undecided'}"


class InSyncPoint(models.Model):
    """The agreed date from which MMS and QuickBooks agree, with both AR figures then."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    mms_ar_total = MoneyField()
    mms_ar_net = MoneyField()
    qb_ar_total = MoneyField()
    customer_differences = models.JSONField(default=list, blank=True)
    batch = models.ForeignKey(MarkBatch, null=True, on_delete=models.SET_NULL, related_name="+")
    set_by = models.CharField(max_length=150)
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["-set_at", "-id"]

    def __str__(self) -> str:
        return f"In sync at {self.date}"
