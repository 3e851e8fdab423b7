"""The kept QuickBooks customer list: suggestions read it once a minute, search folds accents."""

from memberbooks.mapping import actions, customer_list
from memberbooks.mapping.suggestions import search_customers, suggestions_for
from tests.mapping.conftest import Connected


def test_search_folds_accents_that_quickbooks_like_does_not(qb: Connected) -> None:
    garcia = qb.customer("María García", CompanyName="Café Olé Ltd")
    qb.customer("Pat Lee")
    org = qb.books.org
    assert [h.qb_id for h in search_customers(org, "Garcia")] == [garcia["Id"]]
    assert [h.qb_id for h in search_customers(org, "cafe ole")] == [garcia["Id"]]
    assert [h.qb_id for h in search_customers(org, "MARIA")] == [garcia["Id"]]
    assert search_customers(org, "Garcias") == []


def test_search_skips_inactive_customers_from_the_kept_list(qb: Connected) -> None:
    gone = qb.customer("José Núñez")
    qb.client.deactivate("Customer", str(gone["Id"]), str(gone["SyncToken"]))
    assert search_customers(qb.books.org, "Nunez") == []


def test_suggestions_use_the_kept_list_until_memberbooks_creates_a_customer(
    qb: Connected,
) -> None:
    org = qb.books.org
    pat = qb.books.member("Lee", "Pat")
    assert suggestions_for(org, [pat])[0].candidates == ()
    lee = qb.customer("Pat Lee")  # added in QuickBooks: suggested once the kept list expires
    assert suggestions_for(org, [pat])[0].candidates == ()
    customer_list.forget(org)
    assert [c.qb_id for c in suggestions_for(org, [pat])[0].candidates] == [lee["Id"]]

    sam = qb.books.member("Other", "Sam")
    link = actions.create_customer_for(qb.actor, sam)  # memberbooks forgets the list itself
    suggestions_for(org, [pat])  # reads QuickBooks again
    kept = customer_list.customers(org, lambda: [])  # the list that read kept
    assert link.qb_id in {str(row["Id"]) for row in kept}
    assert lee["Id"] in {str(row["Id"]) for row in kept}
