"""Writes on organisations and memberships."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction

from memberbooks.tenancy.models import Membership, Organisation, Role


@transaction.atomic
def create_organisation(slug: str, name: str) -> Organisation:
    organisation = Organisation(slug=slug, name=name)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def add_user(
    organisation: Organisation, username: str, password: str, role: Role, email: str = ""
) -> AbstractUser:
    """Create the user if needed and give them `role` in `organisation`."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_password(password)
        user.save()
    if role not in Role:
        raise ValidationError(f"unknown role {role!r}")
    Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return user
