"""One QuickBooks Online connection per organisation, and the one-use OAuth `state` values.

Secrets (access token, refresh token, the organisation's own client secret) are stored only
as ciphertext in the `*_enc` columns; `secret()` / `set_secret()` are the one way in and out.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from memberbooks.connections import crypto
from memberbooks.tenancy.models import Organisation

STATE_LIFETIME = dt.timedelta(minutes=10)
SECRET_FIELDS = ("access_token", "refresh_token", "client_secret")


class Environment(models.TextChoices):
    PRODUCTION = "production", "Intuit production"
    SANDBOX = "sandbox", "Intuit sandbox"
    EMULATOR = "emulator", "Local QuickBooks emulator"


class Status(models.TextChoices):
    DISCONNECTED = "disconnected", "Not connected"
    CONNECTED = "connected", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs to be reconnected"


class QboConnection(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="qbo_connection"
    )
    environment = models.CharField(max_length=16, choices=Environment.choices)
    emulator_url = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DISCONNECTED)
    realm_id = models.CharField(max_length=32, blank=True, default="")
    company_name = models.CharField(max_length=200, blank=True, default="")
    client_id = models.CharField(max_length=200, blank=True, default="")
    client_secret_enc = models.TextField(blank=True, default="")
    access_token_enc = models.TextField(blank=True, default="")
    refresh_token_enc = models.TextField(blank=True, default="")
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    last_refresh_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    connected_by = models.CharField(max_length=150, blank=True, default="")
    connected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "QuickBooks connection"

    def __str__(self) -> str:
        return f"{self.organisation.slug}: {self.get_status_display()}"

    def secret(self, name: str) -> str:
        """The decrypted value of one of SECRET_FIELDS."""
        if name not in SECRET_FIELDS:
            raise KeyError(name)
        return crypto.decrypt(str(getattr(self, f"{name}_enc")))

    def set_secret(self, name: str, value: str) -> None:
        if name not in SECRET_FIELDS:
            raise KeyError(name)
        setattr(self, f"{name}_enc", crypto.encrypt(value))

    @property
    def connected(self) -> bool:
        return self.status == Status.CONNECTED


def hash_state(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class OAuthState(models.Model):
    """A `state` sent to the authorize URL: bound to organisation and session, used once, 10 minutes.

    States made by the command line (`origin="cli"`) have no session: the operator opens the
    printed URL in any browser, and the callback page completes it for an admin.
    """

    state_hash = models.CharField(max_length=64, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True, default="")
    origin = models.CharField(max_length=8, default="page")
    environment = models.CharField(max_length=16, choices=Environment.choices)
    emulator_url = models.CharField(max_length=200, blank=True, default="")
    redirect_uri = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "QuickBooks OAuth state"

    def __str__(self) -> str:
        return f"{self.organisation.slug} {self.created_at:%Y-%m-%d %H:%M}"

    def expired(self, now: dt.datetime) -> bool:
        return now - self.created_at > STATE_LIFETIME
