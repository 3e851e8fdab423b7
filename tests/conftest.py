"""Shared fixtures: organisations with a chart of accounts, built through the real actions."""

from typing import Any

import pytest
from django.core.cache import cache

from memberbooks.tenancy.actions import create_organisation
from memberbooks.tenancy.models import Organisation
from tests.books import Books


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Tests make users by the dozen; production's slow password hash would only slow them down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Django's cache is per process: no test sees what an earlier one kept (customer lists)."""
    cache.clear()


@pytest.fixture
def org(db: None) -> Organisation:
    return create_organisation("acme", "Acme Association")


@pytest.fixture
def books(org: Organisation) -> Books:
    return Books(org)


@pytest.fixture
def other_books(db: None) -> Books:
    return Books(create_organisation("other", "Other Club"))
