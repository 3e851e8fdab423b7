"""What the check asks QuickBooks: many chunked questions, several at a time, one answer."""

import datetime as dt
import threading
from functools import partial

import pytest

from memberbooks.sync import facts
from memberbooks.sync.markers import note_with_marker
from tests.mapping.conftest import Connected
from tests.sync.test_check import close_books

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
    close_books(qb, "2026-01-31")
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


def test_answers_come_back_in_question_order_and_a_failure_is_raised() -> None:
    def slow_then(value: int) -> int:
        threading.Event().wait(0.01 * (5 - value))  # later questions finish first
        return value

    questions = [partial(slow_then, n) for n in range(5)]
    assert facts.ask_all(questions, workers=3) == [0, 1, 2, 3, 4]

    def refused() -> int:
        raise ValueError("QuickBooks said no")

    with pytest.raises(ValueError, match="QuickBooks said no"):
        facts.ask_all([*questions, refused], workers=3)
    assert facts.ask_all([], workers=3) == []
