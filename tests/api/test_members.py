"""Members through the API: list, search, pages, create, read with balance, change."""

from memberbooks.ledger.models import Member
from tests.api.conftest import Caller, Scene
from tests.books import Books


def test_list_is_paged_by_name_and_search_narrows_it(books: Books, viewer: Caller) -> None:
    for last in ("Young", "Adams", "Baker"):
        books.member(last)

    first = viewer.get("orgs/acme/members/", page_size="2")
    second = viewer.get(first.body["next"])

    assert first.status == 200
    assert [m["last_name"] for m in first.body["results"]] == ["Adams", "Baker"]
    assert first.body["count"] == 3 and first.body["previous"] is None
    assert first.body["next"] == "/api/v1/orgs/acme/members/?page_size=2&page=2"
    assert [m["last_name"] for m in second.body["results"]] == ["Young"]
    assert second.body["next"] is None
    found = viewer.get("orgs/acme/members/", search="bak")
    assert [m["last_name"] for m in found.body["results"]] == ["Baker"]


def test_create_member_writes_the_row(books: Books, bookkeeper: Caller) -> None:
    reply = bookkeeper.post(
        "orgs/acme/members/",
        {"member_number": "M-77", "first_name": "Lee", "last_name": "Chan", "email": "lee@x.org"},
    )

    assert reply.status == 201
    assert reply.body["member_number"] == "M-77" and reply.body["balance"] == "0.00"
    row = Member.objects.get(organisation=books.org, member_number="M-77")
    assert (row.first_name, row.last_name, row.email, row.status) == (
        "Lee",
        "Chan",
        "lee@x.org",
        "active",
    )


def test_member_detail_shows_the_balance(scene: Scene, viewer: Caller) -> None:
    # A-INV-1 100.00 paid, A-INV-2 80.00 open, 50.00 of the payment unapplied: owes 30.00.
    reply = viewer.get("orgs/acme/members/A-100/")

    assert reply.status == 200
    assert reply.body["balance"] == "30.00"
    assert reply.body["first_name"] == "Ada"


def test_patch_changes_only_the_given_fields(scene: Scene, bookkeeper: Caller) -> None:
    reply = bookkeeper.patch("orgs/acme/members/A-100/", {"city": "Leeds", "status": "lapsed"})

    assert reply.status == 200
    row = Member.objects.get(pk=scene.member.pk)
    assert (row.city, row.status, row.first_name) == ("Leeds", "lapsed", "Ada")
    assert reply.body["city"] == "Leeds" and reply.body["balance"] == "30.00"


def test_patch_cannot_change_the_member_number(scene: Scene, bookkeeper: Caller) -> None:
    reply = bookkeeper.patch("orgs/acme/members/A-100/", {"member_number": "B-1"})

    assert reply.status == 400
    assert reply.error["field"] == "member_number"
    assert Member.objects.filter(member_number="A-100").exists()
