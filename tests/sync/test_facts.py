"""What the check asks QuickBooks: many chunked questions, several at a time, one answer."""

import datetime as dt

import pytest

from memberbooks.sync import facts
from memberbooks.sync.markers import note_with_marker
from tests.mapping.conftest import Connected

pytestmark = pytest.mark.django_db(transaction=True)


def _invoice(qb: Connected, customer: str, number: str, note: str = "") -> str:
    line = {
        "Amount": 5,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    body = {"DocNumber": number, "CustomerRef": {"value": customer}, "Line": [line]}
    return str(qb.client.create("Invoice", {**body, "PrivateNote": note})["Id"])


def test_parallel_questions_in_small_chunks_give_the_same_facts_as_one_at_a_time(
    qb: Connected, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facts, "CHUNK", 2)  # 7 customers, 9 numbers: many questions each
    customers = [str(qb.customer(f"Member {n}")["Id"]) for n in range(7)]
    gone = qb.customer("Gone Member")
    qb.client.deactivate("Customer", str(gone["Id"]), str(gone["SyncToken"]))
    mine = _invoice(qb, customers[0], "M-1", note_with_marker("", "acme", "invoice", 41))
    other = _invoice(qb, customers[1], "M-2")
    prefs = qb.client.request("GET", "preferences")["Preferences"]
    qb.client.sparse_update(
        "Preferences",
        prefs["Id"],
        prefs["SyncToken"],
        {"AccountingInfoPrefs": {"BookCloseDate": "2026-01-31"}},
    )
    numbers = {"Invoice": {f"M-{n}" for n in range(1, 10)}, "Payment": {"M-1"}}
    asked = [*customers, str(gone["Id"]), "999999"]

    together = facts.gather(qb.client, asked, numbers, workers=4)
    alone = facts.gather(qb.client, asked, numbers, workers=1)

    assert together == alone
    assert together.active_customers == set(customers)
    assert together.book_close_date == dt.date(2026, 1, 31)
    assert set(together.taken["Invoice"]) == {"M-1", "M-2"}
    assert together.taken["Invoice"]["M-1"].qb_id == mine
    assert together.taken["Invoice"]["M-1"].mine == ("acme", "invoice", 41)
    assert together.taken["Invoice"]["M-2"].qb_id == other
    assert together.taken["Invoice"]["M-2"].mine is None
    assert together.taken["Payment"] == {}
