"""Django admin for every ledger table.

Ledger rows are written only by actions (which check roles, organisations and
amounts), so the admin shows every ledger table read-only: it is for looking,
not for fixing balances by hand.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from memberbooks.ledger.models import (
    Application,
    CreditMemo,
    CreditMemoLine,
    GLAccount,
    Invoice,
    InvoiceLine,
    Member,
    NumberSequence,
    Payment,
    Refund,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GLAccount)
class GLAccountAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "kind", "active", "organisation"]
    list_filter = ["kind", "organisation"]
    search_fields = ["number", "name"]


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = [
        "member_number",
        "last_name",
        "first_name",
        "company",
        "email",
        "status",
        "organisation",
    ]
    list_filter = ["status", "organisation"]
    search_fields = ["member_number", "last_name", "first_name", "company", "email"]


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine


class ApplicationInline(ReadOnlyInline):
    model = Application
    fk_name = "invoice"


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "member",
        "date",
        "due_date",
        "source",
        "total",
        "amount_applied",
        "voided_on",
    ]
    list_filter = ["source", "organisation"]
    search_fields = ["number", "member__member_number", "member__last_name"]
    date_hierarchy = "date"
    inlines = [InvoiceLineInline, ApplicationInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "member",
        "date",
        "method",
        "amount",
        "amount_applied",
        "amount_refunded",
        "voided_on",
    ]
    list_filter = ["method", "organisation"]
    search_fields = ["number", "reference", "member__member_number"]
    date_hierarchy = "date"


class CreditMemoLineInline(ReadOnlyInline):
    model = CreditMemoLine


@admin.register(CreditMemo)
class CreditMemoAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "member",
        "date",
        "total",
        "amount_applied",
        "amount_refunded",
        "voided_on",
    ]
    search_fields = ["number", "member__member_number"]
    inlines = [CreditMemoLineInline]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "payment", "credit_memo", "amount", "applied_on", "unapplied_on"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["member", "payment", "credit_memo", "date", "amount", "method"]


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "kind", "next_value"]


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = [
        "invoice",
        "position",
        "gl_account",
        "description",
        "quantity",
        "unit_price",
        "amount",
    ]
    search_fields = ["invoice__number", "description"]


@admin.register(CreditMemoLine)
class CreditMemoLineAdmin(ReadOnlyAdmin):
    list_display = [
        "credit_memo",
        "position",
        "gl_account",
        "description",
        "quantity",
        "unit_price",
        "amount",
    ]
    search_fields = ["credit_memo__number", "description"]
