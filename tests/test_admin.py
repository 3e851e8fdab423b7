"""Every model of ours has a Django admin page, and the admin pages open."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

OUR_APPS = (
    "tenancy",
    "ledger",
    "events",
    "imports",
    "api",
    "demo",
    "web",
    "connections",
    "audit",
    "mapping",
    "exports",
)


def our_models() -> list[type]:
    return [model for label in OUR_APPS for model in apps.get_app_config(label).get_models()]


def test_every_model_is_in_the_admin() -> None:
    missing = [model.__name__ for model in our_models() if not admin.site.is_registered(model)]
    assert our_models() and missing == []


@pytest.mark.django_db
def test_admin_list_pages_open_for_a_superuser(books: object) -> None:
    client = Client()
    client.force_login(
        get_user_model().objects.create_superuser("root", "root@example.org", "pw-long-enough-1")
    )
    for model in our_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
