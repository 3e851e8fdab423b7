from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from memberbooks.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only: the log is written only by actions."""

    list_display = ["at", "organisation", "actor", "action", "subject_type", "subject_id"]
    list_filter = ["action", "organisation"]
    search_fields = ["subject_id", "actor", "note"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
