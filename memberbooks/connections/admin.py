"""Admin pages: read-only, and the encrypted columns are never shown."""

from django.contrib import admin
from django.http import HttpRequest

from memberbooks.connections.models import OAuthState, QboConnection


@admin.register(QboConnection)
class QboConnectionAdmin(admin.ModelAdmin[QboConnection]):
    list_display = ["organisation", "environment", "status", "company_name", "realm_id"]
    list_filter = ["status", "environment"]
    exclude = ["client_secret_enc", "access_token_enc", "refresh_token_enc"]
    readonly_fields = [
        "organisation",
        "environment",
        "emulator_url",
        "status",
        "realm_id",
        "company_name",
        "client_id",
        "access_expires_at",
        "refresh_expires_at",
        "last_refresh_at",
        "last_error",
        "connected_by",
        "connected_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OAuthState)
class OAuthStateAdmin(admin.ModelAdmin[OAuthState]):
    list_display = ["organisation", "origin", "created_at", "used_at"]
    exclude = ["state_hash", "session_key"]
    readonly_fields = [
        "organisation",
        "user",
        "origin",
        "environment",
        "emulator_url",
        "redirect_uri",
        "created_at",
        "used_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
