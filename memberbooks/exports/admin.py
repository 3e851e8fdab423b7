"""Read-only admin pages: decisions, batches and in-sync points change only through actions."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from memberbooks.exports.models import ExportDecision, InSyncPoint, MarkBatch, MarkBatchEntry


class ReadOnly[M: models.Model](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExportDecision)
class ExportDecisionAdmin(ReadOnly[ExportDecision]):
    list_display = ["organisation", "doc_type", "doc_id", "decision", "status", "qb_id"]
    list_filter = ["doc_type", "decision", "status", "organisation"]
    search_fields = ["qb_id", "reason"]


@admin.register(MarkBatch)
class MarkBatchAdmin(ReadOnly[MarkBatch]):
    list_display = ["id", "organisation", "marked_by", "marked_at", "description", "count"]


@admin.register(MarkBatchEntry)
class MarkBatchEntryAdmin(ReadOnly[MarkBatchEntry]):
    list_display = ["batch", "doc_type", "doc_id", "previous_decision"]


@admin.register(InSyncPoint)
class InSyncPointAdmin(ReadOnly[InSyncPoint]):
    list_display = ["organisation", "date", "mms_ar_total", "qb_ar_total", "set_by", "set_at"]
