"""GL accounts through the API."""

from memberbooks.ledger.models import GLAccount
from tests.api.conftest import Caller
from tests.books import Books


def test_list_gl_accounts_by_number(books: Books, viewer: Caller) -> None:
    reply = viewer.get("orgs/acme/gl-accounts/")

    assert reply.status == 200
    assert [a["number"] for a in reply.body["results"]] == ["1000", "1200", "4000", "4100"]
    assert reply.body["results"][0] == {
        "number": "1000",
        "name": "Operating checking",
        "kind": "deposit",
        "active": True,
    }


def test_create_gl_account(books: Books, bookkeeper: Caller) -> None:
    reply = bookkeeper.post(
        "orgs/acme/gl-accounts/", {"number": "2400", "name": "Deferred dues", "kind": "deferred"}
    )

    assert reply.status == 201
    assert reply.body == {
        "number": "2400",
        "name": "Deferred dues",
        "kind": "deferred",
        "active": True,
    }
    assert GLAccount.objects.get(organisation=books.org, number="2400").kind == "deferred"


def test_a_number_already_used_is_refused(books: Books, bookkeeper: Caller) -> None:
    reply = bookkeeper.post(
        "orgs/acme/gl-accounts/", {"number": "4000", "name": "Again", "kind": "income"}
    )

    assert reply.status == 400
    assert reply.error["field"] == "number"
    assert GLAccount.objects.get(organisation=books.org, number="4000").name == "Membership dues"
