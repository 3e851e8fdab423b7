"""The sync's tables: settings per organisation, runs, the outbox and the lease.

The outbox is what makes the push exactly once (see docs.md): a row is written
and committed *before* anything is sent, keyed by (organisation, document,
operation, version) so the same change can never be queued twice, and it moves
pending -> sent (outcome unknown) -> confirmed or failed. A row left `sent` by a
crash is resolved by asking QuickBooks before anything is sent again.
"""

from django.db import models

from memberbooks.tenancy.models import Organisation


class CorrectionMode(models.TextChoices):
    AUTOMATIC = "automatic", "Send automatically"
    REVIEW = "review", "List for review"


class SyncSettings(models.Model):
    """How this organisation's sync behaves; absent means the defaults below."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="sync_settings"
    )
    create_customers = models.BooleanField(
        default=False,
        help_text="Create a QuickBooks customer for an unlinked member instead of holding "
        "their transactions.",
    )
    voids = models.CharField(
        max_length=10, choices=CorrectionMode.choices, default=CorrectionMode.AUTOMATIC
    )
    edits = models.CharField(
        max_length=10, choices=CorrectionMode.choices, default=CorrectionMode.REVIEW
    )

    def __str__(self) -> str:
        return f"Sync settings of {self.organisation}"


class RunState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    CHECKED = "checked", "Checked"
    PUSHING = "pushing", "Pushing"
    DONE = "done", "Done"
    FAILED = "failed", "Stopped by an error"


class SyncRun(models.Model):
    """One press of Sync: the check's figures, then the push's progress and outcome."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    started_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    phase = models.CharField(max_length=40, blank=True)
    planned = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    by_kind = models.JSONField(default=dict, blank=True)
    retries = models.JSONField(
        default=dict, blank=True, help_text="QuickBooks fault code -> retries it caused"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Sync {self.pk} ({self.state})"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent, outcome unknown"
    CONFIRMED = "confirmed", "In QuickBooks"
    FAILED = "failed", "Failed"
    HELD = "held", "Held"


class OutboxItem(models.Model):
    """One write to QuickBooks: a document (or customer) at a version, and what became of it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(SyncRun, on_delete=models.PROTECT, related_name="items")
    doc_type = models.CharField(max_length=20)
    doc_id = models.BigIntegerField()
    operation = models.CharField(max_length=10)
    version = models.PositiveIntegerField(default=0)
    generation = models.PositiveIntegerField(
        default=0, help_text="Moves on when a failed write is tried again (a new request id)."
    )
    request_id = models.CharField(max_length=50)
    state = models.CharField(
        max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    qb_entity = models.CharField(max_length=30)
    qb_id = models.CharField(max_length=60, blank=True)
    sync_token = models.CharField(
        max_length=20, blank=True, help_text="QuickBooks' SyncToken in its answer (for corrections)"
    )
    error_code = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    fix = models.TextField(blank=True)
    batch_key = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "doc_type", "doc_id", "operation", "version"],
                name="outbox_one_per_change",
            ),
            models.UniqueConstraint(
                fields=["organisation", "request_id"], name="outbox_unique_request_id"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="confirmed") | ~models.Q(qb_id=""),
                name="outbox_confirmed_has_qb_id",
            ),
        ]
        indexes = [models.Index(fields=["run", "state"], name="outbox_run_state_idx")]

    def __str__(self) -> str:
        return f"{self.operation} {self.doc_type} {self.doc_id} v{self.version}: {self.state}"


class SyncLease(models.Model):
    """At most one sync per organisation: the holder renews `expires_at` while it works."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    holder = models.CharField(max_length=200)
    run = models.ForeignKey(SyncRun, null=True, on_delete=models.SET_NULL, related_name="+")
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Sync lease of {self.organisation_id} held by {self.holder}"
