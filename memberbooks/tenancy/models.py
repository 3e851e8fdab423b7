"""Organisation, Membership (user + organisation + role) and ApiToken."""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models


class Role(models.TextChoices):
    """What a user may do in an organisation. Each role includes the ones before it."""

    VIEWER = "viewer", "Viewer (read only)"
    BOOKKEEPER = "bookkeeper", "Bookkeeper (billing, mapping, marking, sync)"
    ADMIN = "admin", "Admin (also connections and settings)"

    @property
    def rank(self) -> int:
        return [Role.VIEWER, Role.BOOKKEEPER, Role.ADMIN].index(self)

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank


slug_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$|^[a-z0-9]$",
    "Use 1-50 lower-case letters, digits and hyphens, not starting or ending with a hyphen.",
)


class Organisation(models.Model):
    """One association, chamber or club. Owns all of its data."""

    slug = models.SlugField(max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in an organisation, with their role there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_user_org"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation.slug} ({self.role})"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API, bound to one membership. Only its hash is stored."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.membership})"

    @classmethod
    def issue(cls, membership: Membership, name: str = "") -> tuple["ApiToken", str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = "mb_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            membership=membership, name=name, prefix=raw[:8], key_hash=hash_token(raw)
        )
        return token, raw
