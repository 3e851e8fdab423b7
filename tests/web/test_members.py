"""The member list: search, pages of 50, balances, and a query count that does not grow."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from memberbooks.ledger import queries
from tests.books import Books
from tests.web.conftest import Ledger


def add_members(books: Books, count: int) -> None:
    for index in range(count):
        books.member(f"Zimmer{index:03d}", "Max")


def test_search_by_name_number_and_company(viewer: Client, ledger: Ledger) -> None:
    url = reverse("members", args=[ledger.books.org.slug])
    by_name = viewer.get(url, {"q": "adam"}).content.decode()
    assert "M0001" in by_name and "M0002" not in by_name
    by_number = viewer.get(url, {"q": "M0002"}).content.decode()
    assert "M0002" in by_number and "M0001" not in by_number
    by_company = viewer.get(url, {"q": "bakery"}).content.decode()
    assert "Baker Bakery" in by_company and "M0001" not in by_company
    nothing = viewer.get(url, {"q": "nobody"}).content.decode()
    assert "No member matches “nobody”." in nothing


def test_pages_of_fifty(viewer: Client, books: Books) -> None:
    add_members(books, 120)
    url = reverse("members", args=[books.org.slug])
    first = viewer.get(url).content.decode()
    assert first.count('<tr>\n    <td><a href="/o/acme/members/') == 50
    assert "120 members, showing 1\u201350." in first
    assert "Page 1 of 3" in first
    last = viewer.get(url, {"page": "3"}).content.decode()
    assert "showing 101\u2013120." in last
    assert "Zimmer119" in last and "Zimmer000" not in last
    beyond = viewer.get(url, {"page": "99"}).content.decode()
    assert "Page 3 of 3" in beyond  # a page past the end shows the last one


def test_the_search_is_kept_across_pages(viewer: Client, books: Books) -> None:
    add_members(books, 60)
    books.member("Other", "Olga")
    url = reverse("members", args=[books.org.slug])
    page = viewer.get(url, {"q": "zimmer"}).content.decode()
    assert "60 members found for “zimmer”" in page
    assert "?q=zimmer&amp;page=2" in page


def test_the_list_shows_each_members_balance(viewer: Client, ledger: Ledger) -> None:
    page = viewer.get(reverse("members", args=[ledger.books.org.slug])).content.decode()
    assert "185.00" in page and "250.00" in page


def test_page_balances_equal_member_balance(ledger: Ledger) -> None:
    members = [ledger.ann, ledger.bob]
    assert queries.member_balances(m.pk for m in members) == {
        m.pk: queries.member_balance(m) for m in members
    }


def test_the_query_count_does_not_grow_with_the_page(viewer: Client, books: Books) -> None:
    url = reverse("members", args=[books.org.slug])
    books.member()
    with CaptureQueriesContext(connection) as one:
        viewer.get(url)
    add_members(books, 70)
    with CaptureQueriesContext(connection) as full:
        viewer.get(url)
    assert len(full.captured_queries) == len(one.captured_queries)
    member_selects = [q["sql"] for q in full.captured_queries if 'FROM "ledger_member"' in q["sql"]]
    assert len(member_selects) == 2  # one COUNT, one page of rows; no join in either
    assert all("JOIN" not in sql for sql in member_selects)
