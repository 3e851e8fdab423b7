"""Resolve who is asking, in which organisation, with which role.

Pages, API and CLI all come through here; no other code looks up an
organisation from user input. A user who is not a member of an organisation
gets a 404 (not a 403), so guessing slugs or ids reveals nothing.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from memberbooks.tenancy.models import ApiToken, Membership, Organisation, Role, hash_token


@dataclass(frozen=True)
class Actor:
    """The caller of an action: an organisation and the role held there."""

    organisation: Organisation
    role: Role
    username: str

    def require(self, needed: Role) -> None:
        if not self.role.allows(needed):
            raise PermissionDenied(
                f"This needs the {needed.label.split(' (')[0].lower()} role; you are a {self.role.value}."
            )

    def can(self, needed: Role) -> bool:
        return self.role.allows(needed)


def actor_for_user(user: AbstractBaseUser | AnonymousUser, slug: str) -> Actor:
    if not user.is_authenticated:
        raise Http404("No such organisation")
    membership = (
        Membership.objects.select_related("organisation")
        .filter(user_id=user.pk, organisation__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organisation")
    return Actor(membership.organisation, membership.role_enum, user.get_username())


def actor_for_token(raw: str) -> Actor | None:
    token = (
        ApiToken.objects.select_related("membership__organisation", "membership__user")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None:
        return None
    membership = token.membership
    if not membership.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return Actor(membership.organisation, membership.role_enum, membership.user.get_username())


def system_actor(slug: str) -> Actor:
    """The CLI runs as the machine's operator: admin of the named organisation."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Organisation.DoesNotExist(
            f"No organisation with slug {slug!r}. Create it with: memberbooks org create {slug} --name NAME"
        )
    return Actor(organisation, Role.ADMIN, "cli")
