"""AuditEntry: one recorded change."""

from django.db import models

from memberbooks.tenancy.models import Organisation


class AuditEntry(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_entries"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150, help_text="Username, or 'cli'.")
    action = models.CharField(
        max_length=60, help_text="e.g. link_member, mark_no_go, set_insync_point"
    )
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=60)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["organisation", "subject_type", "subject_id"], name="audit_subject_idx"
            )
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.subject_type} {self.subject_id}"
