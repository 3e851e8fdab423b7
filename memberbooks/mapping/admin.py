"""Read-only admin pages: links and mappings change only through the mapping actions."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from memberbooks.mapping.models import CustomerLink, GLMapping, QbCatalogEntry


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CustomerLink)
class CustomerLinkAdmin(ReadOnly):
    list_display = [
        "organisation",
        "member",
        "qb_kind",
        "qb_id",
        "qb_name",
        "linked_by",
        "linked_at",
    ]
    list_filter = ["organisation", "qb_kind"]
    search_fields = ["qb_id", "qb_name", "member__member_number"]
    list_select_related = ["organisation", "member"]


@admin.register(GLMapping)
class GLMappingAdmin(ReadOnly):
    list_display = ["organisation", "gl_account", "qb_item_name", "qb_account_name", "mapped_by"]
    list_filter = ["organisation"]
    list_select_related = ["organisation", "gl_account"]


@admin.register(QbCatalogEntry)
class QbCatalogEntryAdmin(ReadOnly):
    list_display = ["organisation", "kind", "qb_id", "name", "type", "subtype", "active"]
    list_filter = ["organisation", "kind", "active"]
    search_fields = ["name", "qb_id"]
