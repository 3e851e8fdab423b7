"""Shared fixtures: organisations with a chart of accounts, built through the real actions."""

import pytest

from memberbooks.tenancy.actions import create_organisation
from memberbooks.tenancy.models import Organisation
from tests.books import Books


@pytest.fixture
def org(db: None) -> Organisation:
    return create_organisation("acme", "Acme Association")


@pytest.fixture
def books(org: Organisation) -> Books:
    return Books(org)


@pytest.fixture
def other_books(db: None) -> Books:
    return Books(create_organisation("other", "Other Club"))
