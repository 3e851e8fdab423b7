"""The route machinery itself: a failing write keeps nothing and still answers in the one shape."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from memberbooks.api.routing import ORG, Api, Call
from memberbooks.ledger import actions
from memberbooks.ledger.models import Member
from memberbooks.tenancy.models import Role
from tests.api.conftest import Caller, token_caller
from tests.books import Books


class Boom(Exception):
    pass


def test_a_bug_after_a_write_rolls_it_back_and_answers_500_json(books: Books) -> None:
    api = Api()

    @api.post(ORG + "boom/", role=Role.BOOKKEEPER, response_schema={})
    def boom(call: Call) -> None:
        """Write, then fail."""
        actions.create_member(call.actor, "X-1", last_name="Ghost")
        raise Boom

    caller: Caller = token_caller(books.org, Role.BOOKKEEPER)
    (pattern,) = api.urlpatterns()
    request = RequestFactory().post(
        "/api/v1/orgs/acme/boom/", headers={"Authorization": f"Bearer {caller.token}"}
    )
    request.user = AnonymousUser()

    response = pattern.callback(request, org="acme")

    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"
    assert not Member.objects.filter(member_number="X-1").exists()


def test_a_route_cannot_take_the_same_method_twice() -> None:
    api = Api()
    api.get("x/", response_schema={})(lambda call: None)

    with pytest.raises(ValueError, match="GET x/ is declared twice"):
        api.get("x/", response_schema={})(lambda call: None)
