"""Business rules with QBO's real fault codes, and requestid idempotency (even when the answer is lost)."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbemulator.online import entities, knobs
from qbemulator.online.faults import Fault
from qbemulator.online.state import Emulator, new_company
from tests.emulator.test_api_entities import Api

D = Decimal


@pytest.fixture
def api(emulator: Emulator, client: httpx.Client) -> Api:
    return Api(emulator, client)


def sales_line(api: Api, **detail: Any) -> dict[str, Any]:
    item = api.named("Item", "Services")["Id"]
    amount = detail.pop("Amount", None)
    line: dict[str, Any] = {
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}, **detail},
    }
    if amount is not None:
        line["Amount"] = D(amount)
    return line


# --- names --------------------------------------------------------------------------------


def test_duplicate_display_name_is_6240_as_recorded(api: Api, fixtures_dir: Path) -> None:
    recorded = json.loads((fixtures_dir / "fault_duplicate_name_6240.json").read_text())
    api.customer("Weiskopf Consulting")
    response = api.post("customer", {"DisplayName": "weiskopf consulting"})
    assert response.status_code == 400
    body = api.parse(response)
    assert body["Fault"] == recorded["Fault"]
    assert list(body) == list(recorded)
    assert len(api.company.entities["Customer"]) == 1


def test_display_name_or_name_parts_are_required(api: Api) -> None:
    assert api.fault(api.post("customer", {"Notes": "no name"})) == "2020"
    built = api.create("Customer", {"GivenName": "Ada", "FamilyName": "Lovelace"})
    assert built["DisplayName"] == "Ada Lovelace"


def test_duplicate_item_and_account_names(api: Api) -> None:
    income = api.named("Account", "Services")["Id"]
    body = {"Name": "services", "Type": "Service", "IncomeAccountRef": {"value": income}}
    assert api.fault(api.post("item", body)) == "6240"
    assert api.fault(api.post("account", {"Name": "Checking", "AccountType": "Bank"})) == "6240"
    assert api.fault(api.post("account", {"Name": "Nameless type"})) == "6010"


# --- request shape ------------------------------------------------------------------------


def test_unknown_property_is_2010_as_recorded(api: Api, fixtures_dir: Path) -> None:
    recorded = json.loads((fixtures_dir / "fault_invalid_property_2010.json").read_text())
    response = api.post("invoice", {"BadJson": True})
    body = api.parse(response)
    error, theirs = body["Fault"]["Error"][0], recorded["Fault"]["Error"][0]
    assert (error["code"], error["Message"]) == (theirs["code"], theirs["Message"])
    assert error["Detail"].startswith(
        'Property Name:Unrecognized field "BadJson" (class com.intuit.schema.finance.v3.Invoice)'
    )
    assert '"DocNumber"' in error["Detail"]
    assert error["Detail"].endswith("specified is unsupported or invalid")
    assert body["Fault"]["type"] == "ValidationFault"


def test_required_fields_are_2020(api: Api) -> None:
    customer = api.customer()
    no_lines = api.post("invoice", {"CustomerRef": {"value": customer["Id"]}})
    assert api.fault(no_lines) == "2020"
    assert "Line" in api.parse(no_lines)["Fault"]["Error"][0]["Detail"]
    assert api.fault(api.post("invoice", {"Line": [sales_line(api, Amount="5")]})) == "2020"
    assert api.fault(api.post("payment", {"CustomerRef": {"value": customer["Id"]}})) == "2020"
    assert "Invoice" not in api.company.entities


def test_unreadable_dates_are_2010(api: Api) -> None:
    customer = api.customer()
    body = {"Line": [sales_line(api, Amount="5")], "CustomerRef": {"value": customer["Id"]}}
    assert api.fault(api.post("invoice", {**body, "TxnDate": "31/01/2026"})) == "2010"
    assert api.fault(api.post("invoice", {**body, "DueDate": "soon"})) == "2010"
    assert "Invoice" not in api.company.entities


def test_invalid_ids_and_references(api: Api) -> None:
    response = api.get("invoice/1.5")
    assert api.fault(response) == "2030"
    error = api.parse(response)["Fault"]["Error"][0]
    assert error["Detail"] == "Id should be a valid number. Supplied value:1.5"
    assert error["element"] == "Id"
    assert api.fault(api.get("invoice/999")) == "610"
    assert (
        api.fault(
            api.post(
                "invoice", {"Line": [sales_line(api, Amount="5")], "CustomerRef": {"value": "999"}}
            )
        )
        == "2500"
    )
    customer = api.customer()
    api.create(
        "Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    inactive = api.post(
        "invoice", {"Line": [sales_line(api, Amount="5")], "CustomerRef": {"value": customer["Id"]}}
    )
    assert api.fault(inactive) == "610"
    update_missing = api.post("invoice", {"Id": "999", "SyncToken": "0", "sparse": True})
    assert api.fault(update_missing) == "610"


def test_stale_sync_token_is_5010(api: Api) -> None:
    customer = api.customer()
    api.create("Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "a"})
    stale = api.post(
        "customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "b"}
    )
    assert api.fault(stale) == "5010"
    assert api.stored("Customer", customer["Id"])["Notes"] == "a"
    invoice = api.invoice(customer["Id"], "5.00")
    assert (
        api.fault(api.post("invoice", {"Id": invoice["Id"], "SyncToken": "7"}, operation="delete"))
        == "5010"
    )
    assert invoice["Id"] in api.company.entities["Invoice"]


# --- invoices -----------------------------------------------------------------------------


def test_invoice_totals_doc_numbers_and_qty_times_price(api: Api) -> None:
    customer = api.customer()
    lines = [sales_line(api, Qty=D("3"), UnitPrice=D("12.50")), sales_line(api, Amount="0.10")]
    first = api.create("Invoice", {"Line": lines, "CustomerRef": {"value": customer["Id"]}})
    assert first["Line"][0]["Amount"] == D("37.50")
    assert first["TotalAmt"] == first["Balance"] == D("37.60")
    second = api.invoice(customer["Id"], "1.00")
    assert int(second["DocNumber"]) == int(first["DocNumber"]) + 1
    assert api.stored("Customer", customer["Id"])["Balance"] == D("38.60")
    wrong = [sales_line(api, Qty=D("3"), UnitPrice=D("12.50"), Amount="40.00")]
    assert (
        api.fault(api.post("invoice", {"Line": wrong, "CustomerRef": {"value": customer["Id"]}}))
        == "6070"
    )
    # A failed write consumes neither an Id nor a DocNumber.
    third = api.invoice(customer["Id"], "2.00")
    assert int(third["DocNumber"]) == int(second["DocNumber"]) + 1
    assert int(third["Id"]) == int(second["Id"]) + 1


def test_duplicate_doc_number_is_6140_unless_allowed(api: Api) -> None:
    customer = api.customer()
    first = api.invoice(customer["Id"], "5.00", DocNumber="M-1")
    response = api.post(
        "invoice",
        {
            "Line": [sales_line(api, Amount="5")],
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": "M-1",
        },
    )
    assert api.fault(response) == "6140"
    detail = api.parse(response)["Fault"]["Error"][0]["Detail"]
    assert f"DocNumber=M-1 is assigned to TxnType=Invoice with TxnId={first['Id']}" in detail
    allowed = api.post(
        "invoice",
        {
            "Line": [sales_line(api, Amount="5")],
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": "M-1",
        },
        include="allowduplicatedocnum",
    )
    assert api.ok(allowed, "Invoice")["DocNumber"] == "M-1"


def test_writes_on_or_before_the_closing_date_are_refused(api: Api) -> None:
    customer = api.customer()
    old = api.invoice(customer["Id"], "5.00", TxnDate="2026-01-10")
    prefs = api.ok(api.get("preferences"), "Preferences")
    closing = {
        "Id": prefs["Id"],
        "SyncToken": prefs["SyncToken"],
        "sparse": True,
        "AccountingInfoPrefs": {"BookCloseDate": "2026-01-31"},
    }
    updated = api.create("Preferences", closing)
    assert updated["AccountingInfoPrefs"]["BookCloseDate"] == "2026-01-31"
    assert updated["AccountingInfoPrefs"]["CustomerTerminology"] == "Customers"  # deep sparse merge
    on_the_day = api.post(
        "invoice",
        {
            "Line": [sales_line(api, Amount="5")],
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-01-31",
        },
    )
    assert api.fault(on_the_day) == "6210"
    api.invoice(customer["Id"], "5.00", TxnDate="2026-02-01")
    assert (
        api.fault(api.post("invoice", {"Id": old["Id"], "SyncToken": "0"}, operation="void"))
        == "6210"
    )
    assert (
        api.fault(api.post("invoice", {"Id": old["Id"], "SyncToken": "0"}, operation="delete"))
        == "6210"
    )
    payment = api.payment_body(customer["Id"], "5.00", ("Invoice", old["Id"], "5.00"))
    assert api.fault(api.post("payment", {**payment, "TxnDate": "2025-12-31"})) == "6210"
    assert api.ok(api.post("payment", payment), "Payment")["TxnDate"] > "2026-01-31"


# --- payments -----------------------------------------------------------------------------


def test_payments_cannot_over_apply(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "50.00")
    api.pay(customer["Id"], "30.00", ("Invoice", invoice["Id"], "30.00"))
    too_much = api.post(
        "payment", api.payment_body(customer["Id"], "30.00", ("Invoice", invoice["Id"], "30.00"))
    )
    assert api.fault(too_much) == "6000"
    beyond_total = api.post(
        "payment", api.payment_body(customer["Id"], "10.00", ("Invoice", invoice["Id"], "20.00"))
    )
    assert api.fault(beyond_total) == "6000"
    other = api.customer("Someone Else")
    foreign = api.post(
        "payment", api.payment_body(other["Id"], "5.00", ("Invoice", invoice["Id"], "5.00"))
    )
    assert api.fault(foreign) == "6000"
    missing = api.post(
        "payment", api.payment_body(customer["Id"], "5.00", ("Invoice", "999", "5.00"))
    )
    assert api.fault(missing) == "6000"
    assert api.stored("Invoice", invoice["Id"])["Balance"] == D("20.00")
    assert len(api.company.entities["Payment"]) == 1


def test_invoice_with_payments_cannot_be_deleted_or_voided(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "50.00")
    payment = api.pay(customer["Id"], "50.00", ("Invoice", invoice["Id"], "50.00"))
    assert (
        api.fault(api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete"))
        == "6000"
    )
    assert (
        api.fault(api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void"))
        == "6000"
    )
    api.post("payment", {"Id": payment["Id"], "SyncToken": "0"}, operation="delete")
    assert api.stored("Invoice", invoice["Id"])["Balance"] == D("50.00")
    deleted = api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")
    assert api.ok(deleted, "Invoice")["status"] == "Deleted"


def test_customer_with_a_balance_cannot_be_made_inactive(api: Api) -> None:
    customer = api.customer()
    api.invoice(customer["Id"], "5.00")
    body = {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    assert api.fault(api.post("customer", body)) == "6000"
    assert api.stored("Customer", customer["Id"])["Active"] is True


# --- requestid ----------------------------------------------------------------------------


def test_repeated_requestid_replays_the_first_answer(api: Api) -> None:
    customer = api.customer()
    body = {"Line": [sales_line(api, Amount="5")], "CustomerRef": {"value": customer["Id"]}}
    first = api.post("invoice", body, requestid="req-1")
    second = api.post("invoice", body, requestid="req-1")
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert len(api.company.entities["Invoice"]) == 1
    third = api.post("invoice", body, requestid="req-2")
    assert api.ok(third, "Invoice")["Id"] != api.ok(first, "Invoice")["Id"]


def test_requestid_holds_when_the_first_answer_was_lost(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = api.customer()
    losses = iter([True])
    monkeypatch.setattr(knobs, "lose_response", lambda company: next(losses, False))
    body = {"Line": [sales_line(api, Amount="5")], "CustomerRef": {"value": customer["Id"]}}
    lost = api.post("invoice", body, requestid="req-lost")
    assert lost.status_code >= 500
    assert len(api.company.entities["Invoice"]) == 1  # the write stands
    retry = api.post("invoice", body, requestid="req-lost")
    invoice = api.ok(retry, "Invoice")
    assert list(api.company.entities["Invoice"]) == [invoice["Id"]]
    assert api.stored("Customer", customer["Id"])["Balance"] == D("5.00")


def test_a_fault_is_replayed_too(api: Api) -> None:
    api.customer("Taken")
    first = api.post("customer", {"DisplayName": "Taken"}, requestid="dup")
    assert api.fault(first) == "6240"
    second = api.post("customer", {"DisplayName": "Taken"}, requestid="dup")
    assert second.text == first.text


# --- balances under any sequence of writes ------------------------------------------------

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "memo", "pay", "void", "delete", "void_payment"]),
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=1, max_value=9999),
    ),
    max_size=25,
)


def _open(company: Any, kind: str, txn_id: str) -> Decimal:
    return Decimal(str(company.entities[kind][txn_id]["Balance"]))


def _step(company: Any, customers: list[str], kind: str, who: int, cents: int) -> None:
    customer = customers[who % len(customers)]
    amount = Decimal(cents) / 100
    item = next(i["Id"] for i in company.entities["Item"].values() if i["Name"] == "Services")
    line = {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}},
    }
    mine = {
        k: [
            t for t in company.entities.get(k, {}).values() if t["CustomerRef"]["value"] == customer
        ]
        for k in ("Invoice", "CreditMemo", "Payment")
    }
    if kind in ("invoice", "memo"):
        entity = "Invoice" if kind == "invoice" else "CreditMemo"
        entities.write(
            company, entity, {"Line": [line], "CustomerRef": {"value": customer}}, None, set()
        )
    elif kind == "pay":
        links = [
            ("Invoice", t["Id"]) for t in mine["Invoice"] if _open(company, "Invoice", t["Id"]) > 0
        ][:1]
        links += [
            ("CreditMemo", t["Id"])
            for t in mine["CreditMemo"]
            if _open(company, "CreditMemo", t["Id"]) > 0
        ][:1]
        lines, applied = [], Decimal(0)
        for target, target_id in links:
            share = min(amount, _open(company, target, target_id))
            lines.append({"Amount": share, "LinkedTxn": [{"TxnId": target_id, "TxnType": target}]})
            applied += share if target == "Invoice" else -share
        total = max(applied, Decimal(0)) + amount
        body = {"TotalAmt": total, "CustomerRef": {"value": customer}, "Line": lines}
        entities.write(company, "Payment", body, None, set())
    else:
        entity = "Payment" if kind == "void_payment" else "Invoice"
        if not mine[entity]:
            return
        txn = mine[entity][cents % len(mine[entity])]
        body = {"Id": txn["Id"], "SyncToken": txn["SyncToken"], "sparse": True}
        operation = {"void": "void", "delete": "delete", "void_payment": "update"}[kind]
        try:
            entities.write(
                company, entity, body, operation, {"void"} if kind == "void_payment" else set()
            )
        except Fault as fault:
            assert fault.code == "6000"  # an invoice with payments applied stays


@settings(max_examples=40, deadline=None)
@given(steps=STEPS)
def test_balances_agree_after_any_sequence_of_writes(steps: list[tuple[str, int, int]]) -> None:
    company = new_company(Emulator(), "Property Co")
    customers = [
        entities.write(company, "Customer", {"DisplayName": f"M{n}"}, None, set()).body["Id"]
        for n in range(3)
    ]
    for kind, who, cents in steps:
        _step(company, customers, kind, who, cents)
    table = company.entities
    open_total = (
        sum((Decimal(str(t["Balance"])) for t in table.get("Invoice", {}).values()), Decimal(0))
        - sum(
            (Decimal(str(t["Balance"])) for t in table.get("CreditMemo", {}).values()), Decimal(0)
        )
        - sum(
            (Decimal(str(t["UnappliedAmt"])) for t in table.get("Payment", {}).values()), Decimal(0)
        )
    )
    customer_total = sum(
        (Decimal(str(c["Balance"])) for c in table["Customer"].values()), Decimal(0)
    )
    ar_total = sum(
        (
            Decimal(str(a["CurrentBalance"]))
            for a in table["Account"].values()
            if a["AccountType"] == "Accounts Receivable"
        ),
        Decimal(0),
    )
    assert customer_total == open_total == ar_total
    for invoice in table.get("Invoice", {}).values():
        assert Decimal(0) <= Decimal(str(invoice["Balance"])) <= Decimal(str(invoice["TotalAmt"]))
