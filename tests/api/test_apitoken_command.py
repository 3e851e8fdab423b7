"""`memberbooks apitoken create|list|revoke`."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from memberbooks.tenancy.access import actor_for_token
from memberbooks.tenancy.models import ApiToken, Role
from tests.api.conftest import make_user
from tests.books import Books


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("apitoken", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_prints_a_working_token_once(books: Books) -> None:
    make_user(books.org, Role.BOOKKEEPER, "kim")

    raw, note = run("create", "acme", "kim", "--name", "website")

    actor = actor_for_token(raw)
    assert actor is not None
    assert (actor.organisation, actor.role, actor.username) == (books.org, Role.BOOKKEEPER, "kim")
    token = ApiToken.objects.get()
    assert token.name == "website" and raw.startswith(token.prefix)
    assert raw not in note and "once" in note


def test_create_needs_a_membership_in_the_organisation(books: Books, other_books: Books) -> None:
    make_user(other_books.org, Role.ADMIN, "olga")

    with pytest.raises(CommandError, match="olga has no role in acme"):
        run("create", "acme", "olga")
    with pytest.raises(CommandError, match="No organisation"):
        run("create", "nowhere", "olga")
    assert not ApiToken.objects.exists()


def test_list_shows_prefixes_never_tokens(books: Books, other_books: Books) -> None:
    make_user(books.org, Role.VIEWER, "kim")
    make_user(other_books.org, Role.VIEWER, "olga")
    raw, _ = run("create", "acme", "kim", "--name", "report")
    run("create", "other", "olga")

    text, _ = run("list", "acme")
    rows = json.loads(run("list", "acme", "--json")[0])

    assert raw[:8] in text and raw not in text and "kim" in text and "olga" not in text
    assert [(r["prefix"], r["username"], r["role"], r["name"]) for r in rows] == [
        (raw[:8], "kim", "viewer", "report")
    ]
    assert rows[0]["last_used_at"] is None


def test_revoke_by_prefix(books: Books, other_books: Books) -> None:
    make_user(books.org, Role.VIEWER, "kim")
    raw, _ = run("create", "acme", "kim")

    with pytest.raises(CommandError, match="No token"):
        run("revoke", "other", raw[:8])  # another organisation's token is not found
    out, _ = run("revoke", "acme", raw[:8])

    assert "Revoked" in out
    assert actor_for_token(raw) is None


def test_revoke_by_full_value(books: Books) -> None:
    make_user(books.org, Role.VIEWER, "kim")
    raw, _ = run("create", "acme", "kim")

    run("revoke", "acme", raw)

    assert not ApiToken.objects.exists()
