"""Who may do what: roles, organisation scoping of the caller, API tokens."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from memberbooks.tenancy.access import actor_for_token, actor_for_user
from memberbooks.tenancy.actions import add_user, create_organisation
from memberbooks.tenancy.models import ApiToken, Membership, Role


def test_roles_include_the_ones_below() -> None:
    assert Role.ADMIN.allows(Role.BOOKKEEPER) and Role.BOOKKEEPER.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.BOOKKEEPER) and not Role.BOOKKEEPER.allows(Role.ADMIN)


def test_a_user_is_resolved_only_in_their_own_organisations(db: None) -> None:
    acme, other = create_organisation("acme", "Acme"), create_organisation("other", "Other")
    kim = add_user(acme, "kim", "pw-long-enough-1", Role.BOOKKEEPER)
    actor = actor_for_user(kim, "acme")
    assert actor.organisation == acme and actor.role is Role.BOOKKEEPER
    with pytest.raises(PermissionDenied, match="admin role"):
        actor.require(Role.ADMIN)
    with pytest.raises(Http404):
        actor_for_user(kim, "other")
    with pytest.raises(Http404):
        actor_for_user(kim, "no-such-org")
    assert other.memberships.count() == 0


def test_api_tokens_are_stored_hashed_and_die_with_the_user(db: None) -> None:
    acme = create_organisation("acme", "Acme")
    kim = add_user(acme, "kim", "pw-long-enough-1", Role.VIEWER)
    token, raw = ApiToken.issue(Membership.objects.get(user=kim))
    assert raw not in (token.key_hash, token.prefix) and token.key_hash != raw
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    actor = actor_for_token(raw)
    assert actor is not None and actor.organisation == acme and actor.role is Role.VIEWER
    assert actor_for_token(raw + "x") is None
    get_user_model().objects.filter(pk=kim.pk).update(is_active=False)
    assert actor_for_token(raw) is None
