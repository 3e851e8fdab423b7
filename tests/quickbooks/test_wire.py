"""Translation between QuickBooks JSON and memberbooks' own values, through the emulator where it matters."""

from datetime import date
from decimal import Decimal

import pytest

from memberbooks.quickbooks.online import wire
from memberbooks.quickbooks.online.client import canonical, request_id
from tests.quickbooks.conftest import Qbo


def test_dumps_writes_exact_decimals_and_refuses_floats() -> None:
    assert wire.dumps({"Amount": Decimal("0.10"), "Qty": 3, "x": [None, True]}) == (
        '{"Amount":0.10,"Qty":3,"x":[null,true]}'
    )
    with pytest.raises(TypeError):
        wire.dumps({"Amount": 0.1})
    assert wire.loads('{"a": 100.00}')["a"] == Decimal("100.00")


def test_request_id_is_stable_for_the_same_write_and_differs_otherwise() -> None:
    body = {"TotalAmt": Decimal("5.00"), "CustomerRef": {"value": "1"}}
    same = {"CustomerRef": {"value": "1"}, "TotalAmt": Decimal("5.00")}
    assert canonical(body) == canonical(same)
    first = request_id("r1", "Payment", "create", body)
    assert first == request_id("r1", "payment", "create", same) and len(first) == 36
    assert first != request_id("r2", "Payment", "create", body)
    assert first != request_id("r1", "Payment", "create", {**body, "TotalAmt": Decimal("5.01")})
    assert request_id("r1", "Payment", "create", body, "k") != request_id(
        "r1", "Payment", "create", body, "k2"
    )


def test_credit_memo_round_trip(qbo: Qbo) -> None:
    client = qbo.client()
    cust = client.create("Customer", {"DisplayName": "Credit Member"})
    memo = wire.QbCreditMemo(
        id=None,
        customer_id=str(cust["Id"]),
        txn_date=date(2026, 11, 20),
        private_note="Event cancelled",
        lines=(
            wire.QbLine(Decimal("30.00"), "1", "Refund of fee", Decimal("2"), Decimal("15.00")),
        ),
    )
    made = wire.credit_memo_from_json(client.create("CreditMemo", wire.credit_memo_json(memo)))
    read = wire.credit_memo_from_json(client.read("CreditMemo", str(made.id)))
    assert read == made
    assert (read.total, read.remaining_credit) == (Decimal("30.00"), Decimal("30.00"))
    assert read.lines[0].qty == Decimal("2") and read.lines[0].unit_price == Decimal("15.00")
    assert read.txn_date == date(2026, 11, 20) and read.private_note == "Event cancelled"


def test_sparse_update_of_an_invoice_keeps_its_lines_and_customer(qbo: Qbo) -> None:
    client = qbo.client()
    cust = client.create("Customer", {"DisplayName": "Sparse Member"})
    doc = wire.QbInvoice(
        id=None,
        customer_id=str(cust["Id"]),
        lines=(wire.QbLine(Decimal("10.00"), "1"), wire.QbLine(Decimal("2.50"), "1")),
    )
    before = wire.invoice_from_json(client.create("Invoice", wire.invoice_json(doc)))
    client.sparse_update("Invoice", str(before.id), "0", {"PrivateNote": "checked"})
    after = wire.invoice_from_json(client.read("Invoice", str(before.id)))
    assert after.private_note == "checked"
    assert (after.lines, after.customer_id, after.total) == (
        before.lines,
        before.customer_id,
        Decimal("12.50"),
    )


def test_accounts_and_items_of_the_starting_chart(qbo: Qbo) -> None:
    client = qbo.client()
    accounts = [wire.account_from_json(row) for row in client.query_all("Account")]
    receivable = [a for a in accounts if a.account_type == "Accounts Receivable"]
    assert receivable and all(isinstance(a.current_balance, Decimal) for a in accounts)
    items = [wire.item_from_json(row) for row in client.query_all("Item", page_size=2)]
    assert len(items) == len(qbo.rows("Item")) > 2  # several pages of two
    assert any(i.income_account_id for i in items)


def test_query_all_on_nothing_yields_nothing(qbo: Qbo) -> None:
    client = qbo.client()
    assert list(client.query_all("Invoice", {"DocNumber": "none"})) == []
    assert client.attempts == 1


def test_fault_in_both_json_dialects() -> None:
    upper = {
        "Fault": {
            "Error": [{"Message": "M", "Detail": "D", "code": "610"}],
            "type": "ValidationFault",
        }
    }
    lower = {"fault": {"error": [{"message": "m", "detail": "d", "code": "3200", "element": None}]}}
    assert wire.fault_from_json(upper) == wire.QbFault("610", "M", "D", "", "ValidationFault")
    assert wire.fault_from_json(lower) == wire.QbFault("3200", "m", "d", "", "")
    assert wire.fault_from_json({"Customer": {}}) is None
