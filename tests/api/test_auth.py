"""Who may call: tokens, sessions, CSRF for sessions, roles, and the answers when not."""

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from memberbooks.api.routing import Operation
from memberbooks.ledger.models import Member
from memberbooks.tenancy.models import ApiToken, Role
from tests.api.conftest import (
    Caller,
    Scene,
    org_operations,
    session_caller,
    snapshot,
    token_caller,
    url_for,
    valid_body,
)
from tests.books import Books

NEW_MEMBER = {"member_number": "S-1", "last_name": "Session"}


def test_a_token_reads_and_its_use_is_recorded(books: Books, viewer: Caller) -> None:
    reply = viewer.get("orgs/acme/members/")

    assert reply.status == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_no_credentials_is_401_with_www_authenticate(books: Books) -> None:
    reply = Caller(Client()).get("orgs/acme/members/")

    assert reply.status == 401
    assert reply.error["code"] == "unauthenticated"
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="memberbooks"'
    assert "apitoken create" in reply.error["fix"]


@pytest.mark.parametrize("header", ["Bearer mb_not-a-real-token", "Bearer ", "Basic dXNlcjpwdw=="])
def test_a_bad_authorization_header_is_401(books: Books, viewer: Caller, header: str) -> None:
    reply = Caller(Client(), extra_headers={"Authorization": header}).get("orgs/acme/members/")

    assert reply.status == 401
    assert reply.error["code"] == "invalid_token"
    assert 'error="invalid_token"' in reply.headers["WWW-Authenticate"]


def test_a_revoked_token_stops_working(books: Books, viewer: Caller) -> None:
    ApiToken.objects.all().delete()

    assert viewer.get("orgs/acme/members/").status == 401


def test_a_session_reads_and_writes(books: Books) -> None:
    browser = session_caller(books.org, Role.BOOKKEEPER)

    assert browser.get("orgs/acme/members/").status == 200
    assert browser.post("orgs/acme/members/", NEW_MEMBER).status == 201
    assert Member.objects.filter(member_number="S-1").exists()


def test_a_session_post_without_csrf_token_is_refused(books: Books) -> None:
    browser = session_caller(books.org, Role.BOOKKEEPER, enforce_csrf_checks=True)

    reply = browser.post("orgs/acme/members/", NEW_MEMBER)

    assert reply.status == 403
    assert reply.error["code"] == "csrf_failed"
    assert "X-CSRFToken" in reply.error["fix"]
    assert not Member.objects.filter(member_number="S-1").exists()


def test_a_session_post_with_the_csrf_token_passes(books: Books) -> None:
    browser = session_caller(books.org, Role.BOOKKEEPER, enforce_csrf_checks=True)
    secret = get_random_string(32)
    browser.client.cookies["csrftoken"] = secret
    browser.extra_headers["X-CSRFToken"] = secret

    reply = browser.post("orgs/acme/members/", NEW_MEMBER)

    assert reply.status == 201, reply.body
    assert Member.objects.filter(member_number="S-1").exists()


def test_a_session_patch_is_csrf_checked_too(scene: Scene) -> None:
    browser = session_caller(scene.books.org, Role.BOOKKEEPER, enforce_csrf_checks=True)

    reply = browser.patch("orgs/acme/members/A-100/", {"city": "Nowhere"})

    assert reply.status == 403 and reply.error["code"] == "csrf_failed"
    assert Member.objects.get(pk=scene.member.pk).city == ""


def test_token_requests_need_no_csrf_token(books: Books) -> None:
    caller = token_caller(books.org, Role.BOOKKEEPER, enforce_csrf_checks=True)

    assert caller.post("orgs/acme/members/", NEW_MEMBER).status == 201


@pytest.mark.parametrize(
    "op", [op for op in org_operations() if op.unsafe], ids=lambda op: op.handler.__name__
)
def test_a_viewer_cannot_write(scene: Scene, viewer: Caller, op: Operation) -> None:
    before = snapshot(scene.books.org)

    reply = viewer.request(
        op.method, url_for(op, "acme", scene), valid_body(op.handler.__name__, scene)
    )

    assert reply.status == 403
    assert reply.error["code"] == "forbidden"
    assert "bookkeeper" in reply.error["message"]
    assert snapshot(scene.books.org) == before


@pytest.mark.parametrize(
    "op", [op for op in org_operations() if op.unsafe], ids=lambda op: op.handler.__name__
)
def test_a_bookkeeper_can_write(scene: Scene, bookkeeper: Caller, op: Operation) -> None:
    """The other side of the viewer test: the same requests succeed with the role."""
    before = snapshot(scene.books.org)

    reply = bookkeeper.request(
        op.method, url_for(op, "acme", scene), valid_body(op.handler.__name__, scene)
    )

    assert reply.status in (200, 201), reply.body
    assert snapshot(scene.books.org) != before


def test_an_unknown_method_is_405_with_allow(books: Books, viewer: Caller) -> None:
    reply = viewer.request("DELETE", "orgs/acme/members/")

    assert reply.status == 405
    assert reply.headers["Allow"] == "GET, POST"
    assert reply.error["code"] == "method_not_allowed"


def test_an_unknown_path_is_a_json_404_with_a_hint(books: Books, viewer: Caller) -> None:
    missing_slash = viewer.get("orgs/acme/members")
    nowhere = viewer.get("orgs/acme/ledgers/")

    assert missing_slash.status == 404
    assert missing_slash.error["fix"] == "Add the trailing slash: /api/v1/orgs/acme/members/"
    assert nowhere.status == 404 and "openapi.json" in nowhere.error["fix"]
