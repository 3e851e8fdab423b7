"""The demo's QuickBooks company starts with the customers a bookkeeper would already have."""

from memberbooks.demo import quickbooks
from memberbooks.mapping import bulk
from tests.mapping.conftest import Connected


def test_seed_creates_varied_customers_once_and_most_members_are_confidently_matched(
    qb: Connected,
) -> None:
    books = qb.books
    people = [books.member(f"Okafor{n}", "Robert", email=f"r{n}@example.org") for n in range(20)]
    books.member("", "", company="Harbor Supply Incorporated")

    created = quickbooks.seed(books.org)

    assert created == 21 - 2  # every 10th member is left for Create in QuickBooks
    names = {c["DisplayName"] for c in qb.client.query_all("Customer", {})}
    assert "Okafor0, Robert" in names and "Bob Okafor5" in names
    assert "Harbor Supply Inc." in names
    assert quickbooks.seed(books.org) == 0
    found = bulk.load(books.org).suggest_all(people)
    confident = [m for m in people if found[m.pk].verdict == "confident"]
    assert len(confident) >= 12
