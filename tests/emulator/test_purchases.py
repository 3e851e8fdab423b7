"""Purchase in the emulator: cheques and expenses, and the refund of a customer's credit through A/R.

A cheque to a customer on the Accounts Receivable account raises the customer's
balance; a Payment line linked to it (TxnType "Check" / "Expense") settles it against
an overpayment or, in a zero payment, against a credit memo.
"""

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from wsgiref.simple_server import make_server

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from quickbooks import QuickBooks
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.detailline import AccountBasedExpenseLine, AccountBasedExpenseLineDetail
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.purchase import Purchase

from qbemulator.online import oauth, reports
from qbemulator.online.app import make_app
from qbemulator.online.entities.common import today
from qbemulator.online.entities.purchases import open_balance
from qbemulator.online.state import Emulator
from tests.emulator.test_api_conformance import QuietHandler, ThreadingServer
from tests.emulator.test_api_entities import Api

D = Decimal
DETAIL = "AccountBasedExpenseLineDetail"


@pytest.fixture
def api(emulator: Emulator, client: httpx.Client) -> Api:
    return Api(emulator, client)


def account(api: Api, name: str) -> str:
    return str(api.named("Account", name)["Id"])


def ar(api: Api) -> str:
    return account(api, "Accounts Receivable (A/R)")


def line(account_id: str, amount: str, **detail: Any) -> dict[str, Any]:
    return {
        "Amount": D(amount),
        "DetailType": DETAIL,
        DETAIL: {"AccountRef": {"value": account_id}, **detail},
    }


def cheque_body(api: Api, customer_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    """A cheque from Checking to the customer, posted to A/R: the refund of a credit."""
    return {
        "PaymentType": "Check",
        "AccountRef": {"value": account(api, "Checking")},
        "EntityRef": {"value": customer_id, "type": "Customer"},
        "Line": [line(ar(api), amount)],
        **fields,
    }


def cheque(api: Api, customer_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    return api.create("Purchase", cheque_body(api, customer_id, amount, **fields))


def balance(api: Api, customer_id: str) -> Decimal:
    return D(api.read("Customer", customer_id)["Balance"])


def ar_account_balance(api: Api) -> Decimal:
    return D(api.read("Account", ar(api))["CurrentBalance"])


def report(api: Api, name: str, **params: str) -> dict[str, Any]:
    response = api.get(f"reports/{name}", **params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = api.parse(response)
    return found


def totals(api: Api) -> tuple[Decimal, Decimal, Decimal]:
    """The grand totals of AgedReceivables, CustomerBalance and AgedReceivableDetail's open balance."""
    values = []
    for name in ("AgedReceivables", "CustomerBalance", "AgedReceivableDetail"):
        cells = report(api, name)["Rows"]["Row"][-1]["Summary"]["ColData"]
        values.append(D(cells[-1]["value"] or "0"))
    return values[0], values[1], values[2]


def detail_items(api: Api) -> list[tuple[str, str, Decimal]]:
    """(transaction type, id, open balance) of every AgedReceivableDetail row."""
    found = []
    for section in report(api, "AgedReceivableDetail")["Rows"]["Row"]:
        for row in section.get("Rows", {}).get("Row", []):
            cells = row["ColData"]
            found.append((cells[1]["value"], cells[1]["id"], D(cells[6]["value"])))
    return sorted(found)


def query(api: Api, text: str) -> list[dict[str, Any]]:
    response = api.get("query", query=text)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = api.parse(response)["QueryResponse"].get("Purchase", [])
    return rows


def query_fault(api: Api, text: str) -> str:
    response = api.get("query", query=text)
    assert response.status_code == 400, response.text
    return str(api.parse(response)["Fault"]["Error"][0]["Detail"])


# ---------------------------------------------------------------- the entity


def test_a_cheque_has_the_shape_quickbooks_answers(api: Api) -> None:
    jane = api.customer()
    made = cheque(api, jane["Id"], "20.00", DocNumber="1001", PrivateNote="Refund")
    assert list(made)[:7] == [
        "AccountRef",
        "PaymentType",
        "EntityRef",
        "TotalAmt",
        "PrintStatus",
        "PurchaseEx",
        "domain",
    ]
    assert made["AccountRef"] == {"value": account(api, "Checking"), "name": "Checking"}
    assert made["EntityRef"] == {"value": jane["Id"], "name": "Doe, Jane", "type": "Customer"}
    assert made["TotalAmt"] == D("20.00")
    assert made["PrintStatus"] == "NotSet"
    assert made["PurchaseEx"]["any"][0]["value"] == {"Name": "TxnType", "Value": "3"}
    assert (made["SyncToken"], made["DocNumber"], made["PrivateNote"]) == ("0", "1001", "Refund")
    assert made["TxnDate"] == today()
    assert made["CurrencyRef"]["value"] == "USD"
    assert "Credit" not in made and "LinkedTxn" not in made
    assert made["Line"] == [
        {
            "Id": "1",
            "Amount": D("20.00"),
            "DetailType": DETAIL,
            DETAIL: {
                "AccountRef": {"value": ar(api), "name": "Accounts Receivable (A/R)"},
                "BillableStatus": "NotBillable",
                "TaxCodeRef": {"value": "NON"},
            },
        }
    ]
    assert api.read("Purchase", made["Id"]) == made


def test_cash_and_credit_card_expenses(api: Api) -> None:
    office = api.create("Account", {"Name": "Office Supplies", "AccountType": "Expense"})
    card = api.create("Account", {"Name": "Visa", "AccountType": "Credit Card"})
    cash = api.create(
        "Purchase",
        {
            "PaymentType": "Cash",
            "AccountRef": {"value": account(api, "Checking")},
            "Line": [line(office["Id"], "12.50"), line(office["Id"], "7.25")],
        },
    )
    assert cash["TotalAmt"] == D("19.75")
    assert [x["Id"] for x in cash["Line"]] == ["1", "2"]
    assert cash["PurchaseEx"]["any"][0]["value"]["Value"] == "54"
    assert "PrintStatus" not in cash and "EntityRef" not in cash
    charge = api.create(
        "Purchase",
        {
            "PaymentType": "CreditCard",
            "AccountRef": {"value": card["Id"]},
            "Credit": False,
            "Line": [line(office["Id"], "3.00")],
        },
    )
    assert charge["Credit"] is False
    # An expense that is not on A/R leaves receivables alone.
    assert ar_account_balance(api) == 0
    assert totals(api) == (0, 0, 0)


def test_query_filters_on_the_documented_fields(api: Api) -> None:
    jane = api.customer()
    first = cheque(api, jane["Id"], "20.00", DocNumber="501", TxnDate="2026-03-01")
    cheque(api, jane["Id"], "35.00", DocNumber="502", TxnDate="2026-04-01")
    office = api.create("Account", {"Name": "Office Supplies", "AccountType": "Expense"})
    api.create(
        "Purchase",
        {
            "PaymentType": "Cash",
            "AccountRef": {"value": account(api, "Checking")},
            "Line": [line(office["Id"], "9.00")],
        },
    )
    assert len(query(api, "SELECT * FROM Purchase")) == 3
    assert [
        p["DocNumber"]
        for p in query(api, "SELECT * FROM Purchase WHERE PaymentType = 'Check' ORDERBY DocNumber")
    ] == ["501", "502"]
    assert [p["Id"] for p in query(api, "SELECT * FROM Purchase WHERE DocNumber = '501'")] == [
        first["Id"]
    ]
    assert (
        len(
            query(
                api, "SELECT * FROM Purchase WHERE TxnDate > '2026-03-15' AND PaymentType = 'Check'"
            )
        )
        == 1
    )
    assert len(query(api, "SELECT * FROM Purchase WHERE TotalAmt >= '20'")) == 2
    assert len(query(api, f"SELECT * FROM Purchase WHERE Id = '{first['Id']}'")) == 1
    counted = api.parse(api.get("query", query="SELECT COUNT(*) FROM Purchase"))
    assert counted["QueryResponse"]["totalCount"] == 3
    assert "not queryable" in query_fault(api, "SELECT * FROM Purchase WHERE EntityRef = '1'")
    assert "not queryable" in query_fault(api, "SELECT * FROM Purchase WHERE AccountRef = '3'")


def test_full_and_sparse_update_and_delete(api: Api) -> None:
    jane = api.customer()
    made = cheque(api, jane["Id"], "20.00", DocNumber="77", PrivateNote="first")
    full = cheque_body(api, jane["Id"], "30.00")
    full["Line"][0]["Id"] = "1"
    updated = api.create("Purchase", {**full, "Id": made["Id"], "SyncToken": "0"})
    assert (updated["SyncToken"], updated["TotalAmt"]) == ("1", D("30.00"))
    assert updated["DocNumber"] == "77"  # survives a full update, as on sales documents
    assert "PrivateNote" not in updated  # dropped: the full update did not send it
    assert balance(api, jane["Id"]) == D("30.00")
    sparse = {"Id": made["Id"], "SyncToken": "1", "sparse": True, "PrivateNote": "second"}
    again = api.create("Purchase", sparse)
    assert (again["SyncToken"], again["PrivateNote"], again["TotalAmt"]) == (
        "2",
        "second",
        D("30.00"),
    )
    assert api.fault(api.post("purchase", {**sparse, "SyncToken": "1"})) == "5010"
    gone = {"Id": made["Id"], "SyncToken": "1"}
    assert api.fault(api.post("purchase", gone, operation="delete")) == "5010"
    deleted = api.ok(
        api.post("purchase", {**gone, "SyncToken": "2"}, operation="delete"), "Purchase"
    )
    assert deleted == {"domain": "QBO", "status": "Deleted", "Id": made["Id"]}
    assert api.fault(api.get(f"purchase/{made['Id']}")) == "610"
    assert balance(api, jane["Id"]) == 0
    assert ar_account_balance(api) == 0


def test_void_is_not_offered_for_purchases(api: Api) -> None:
    jane = api.customer()
    made = cheque(api, jane["Id"], "20.00")
    body = {"Id": made["Id"], "SyncToken": "0"}
    assert api.fault(api.post("purchase", body, operation="void")) == "500"
    assert api.fault(api.post("purchase", body, operation="update", include="void")) == "500"
    assert api.read("Purchase", made["Id"])["TotalAmt"] == D("20.00")


def test_faults(api: Api) -> None:
    jane = api.customer()
    good = cheque_body(api, jane["Id"], "20.00")
    income = account(api, "Membership Dues")

    def code(**change: Any) -> str:
        body = {k: v for k, v in {**good, **change}.items() if v is not None}
        return api.fault(api.post("purchase", body))

    assert code(PaymentType=None) == "2020"
    assert code(PaymentType="Barter") == "2170"
    assert code(AccountRef=None) == "2020"
    assert code(AccountRef={"value": "999"}) == "2500"
    assert code(AccountRef={"value": income}) == "2500"  # a cheque is drawn on a bank account
    assert code(Line=None) == "2020"
    assert code(Line=[]) == "2020"
    assert code(Line=[{"Amount": 5, "DetailType": DETAIL, DETAIL: {}}]) == "2020"
    assert code(Line=[{"DetailType": DETAIL, DETAIL: {"AccountRef": {"value": income}}}]) == "2020"
    assert code(Line=[{**line(income, "5"), "DetailType": "SalesItemLineDetail"}]) == "2170"
    assert code(Line=[line("999", "5")]) == "2500"
    assert code(Line=[line(ar(api), "5", CustomerRef={"value": "999"})]) == "2500"
    assert code(EntityRef={"value": "999", "type": "Customer"}) == "2500"
    assert code(EntityRef={"value": jane["Id"], "type": "Robot"}) == "2170"
    assert code(Bogus=1) == "2010"
    # A/R needs a customer: the payee or the line's CustomerRef.
    assert code(EntityRef=None) == "6000"
    other = api.customer("Roe, Richard")
    two = [line(ar(api), "5", CustomerRef={"value": other["Id"]}), line(ar(api), "5")]
    assert code(Line=two) == "6000"  # one A/R customer per purchase
    assert code(Line=[line(ar(api), "-5")]) == "6000"
    # Inactive references are 610, as everywhere.
    gone = api.customer("Gone, Gary")
    api.create("Customer", {"Id": gone["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    assert code(EntityRef={"value": gone["Id"], "type": "Customer"}) == "610"
    assert api.fault(api.post("purchase", {"PaymentType": "Check"}, operation="delete")) == "2020"
    assert api.company.entities.get("Purchase", {}) == {}


def test_writes_on_or_before_the_closing_date_are_refused(api: Api) -> None:
    jane = api.customer()
    old = cheque(api, jane["Id"], "20.00", TxnDate="2026-01-10")
    prefs = api.ok(api.get("preferences"), "Preferences")
    api.create(
        "Preferences",
        {
            "Id": prefs["Id"],
            "SyncToken": prefs["SyncToken"],
            "sparse": True,
            "AccountingInfoPrefs": {"BookCloseDate": "2026-01-31"},
        },
    )
    closed = cheque_body(api, jane["Id"], "5.00", TxnDate="2026-01-31")
    assert api.fault(api.post("purchase", closed)) == "6210"
    sparse = {"Id": old["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"}
    assert api.fault(api.post("purchase", sparse)) == "6210"
    deleting = {"Id": old["Id"], "SyncToken": "0"}
    assert api.fault(api.post("purchase", deleting, operation="delete")) == "6210"
    cheque(api, jane["Id"], "5.00", TxnDate="2026-02-01")


# ---------------------------------------------------------------- the A/R effect


def overpaid(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A customer who paid 120 against a 100 invoice: 20 unapplied, balance -20."""
    jane = api.customer()
    invoice = api.invoice(jane["Id"], "100.00")
    payment = api.pay(jane["Id"], "120.00", ("Invoice", invoice["Id"], "100.00"))
    assert payment["UnappliedAmt"] == D("20.00")
    return jane, payment


def test_refunding_an_overpayment_with_a_cheque(api: Api) -> None:
    jane, payment = overpaid(api)
    assert balance(api, jane["Id"]) == D("-20.00")
    assert totals(api) == (D("-20.00"),) * 3

    made = cheque(api, jane["Id"], "20.00")
    # Written but not linked: the balance nets to 0, yet both stay open items (as QBO's A/R detail shows).
    assert balance(api, jane["Id"]) == 0
    assert ar_account_balance(api) == 0
    assert api.read("Payment", payment["Id"])["UnappliedAmt"] == D("20.00")
    assert detail_items(api) == [
        ("Check", made["Id"], D("20.00")),
        ("Payment", payment["Id"], D("-20.00")),
    ]
    assert totals(api) == (0, 0, 0)

    # Link it: an update of the payment with all its lines, plus one for the cheque.
    lines = [
        {
            "Amount": D("100.00"),
            "LinkedTxn": [
                {"TxnId": payment["Line"][0]["LinkedTxn"][0]["TxnId"], "TxnType": "Invoice"}
            ],
        },
        {"Amount": D("20.00"), "LinkedTxn": [{"TxnId": made["Id"], "TxnType": "Check"}]},
    ]
    update = {
        "Id": payment["Id"],
        "SyncToken": payment["SyncToken"],
        "CustomerRef": {"value": jane["Id"]},
        "TotalAmt": D("120.00"),
        "Line": lines,
    }
    linked = api.create("Payment", update)
    assert linked["UnappliedAmt"] == 0
    assert linked["Line"][1]["LinkedTxn"] == [{"TxnId": made["Id"], "TxnType": "Check"}]
    stored = api.read("Purchase", made["Id"])
    assert stored["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert stored["SyncToken"] == "0"  # like an invoice's balance, linking does not bump it
    assert balance(api, jane["Id"]) == 0
    assert ar_account_balance(api) == 0
    assert detail_items(api) == []
    assert totals(api) == (0, 0, 0)
    customer_rows = report(api, "CustomerBalance")["Rows"]["Row"]
    assert [r.get("group") for r in customer_rows] == ["GrandTotal"]

    # Linked, the cheque cannot be deleted, nor cut below what is applied, nor moved to another customer.
    assert (
        api.fault(api.post("purchase", {"Id": made["Id"], "SyncToken": "0"}, operation="delete"))
        == "6000"
    )
    smaller = {**cheque_body(api, jane["Id"], "15.00"), "Id": made["Id"], "SyncToken": "0"}
    assert api.fault(api.post("purchase", smaller)) == "6000"
    bob = api.customer("Roe, Bob")
    moved = {**cheque_body(api, bob["Id"], "20.00"), "Id": made["Id"], "SyncToken": "0"}
    assert api.fault(api.post("purchase", moved)) == "6000"

    # Unlinking (the payment again without that line) reopens both; then the cheque may go.
    unlinked = api.create(
        "Payment", {**update, "SyncToken": linked["SyncToken"], "Line": lines[:1]}
    )
    assert unlinked["UnappliedAmt"] == D("20.00")
    assert "LinkedTxn" not in api.read("Purchase", made["Id"])
    assert detail_items(api) == [
        ("Check", made["Id"], D("20.00")),
        ("Payment", payment["Id"], D("-20.00")),
    ]
    api.ok(
        api.post("purchase", {"Id": made["Id"], "SyncToken": "0"}, operation="delete"), "Purchase"
    )
    assert balance(api, jane["Id"]) == D("-20.00")
    assert ar_account_balance(api) == D("-20.00")
    assert totals(api) == (D("-20.00"),) * 3


def test_a_linked_cheque_is_never_over_applied(api: Api) -> None:
    jane, payment = overpaid(api)
    made = cheque(api, jane["Id"], "15.00")
    invoice_line = {k: payment["Line"][0][k] for k in ("Amount", "LinkedTxn")}
    base = {
        "Id": payment["Id"],
        "SyncToken": payment["SyncToken"],
        "CustomerRef": {"value": jane["Id"]},
        "TotalAmt": D("120.00"),
    }
    too_much = {"Amount": D("20.00"), "LinkedTxn": [{"TxnId": made["Id"], "TxnType": "Check"}]}
    assert api.fault(api.post("payment", {**base, "Line": [invoice_line, too_much]})) == "6000"
    # A second payment cannot take what the first already applied either.
    fits = {**too_much, "Amount": D("15.00")}
    api.create("Payment", {**base, "Line": [invoice_line, fits]})
    another = api.payment_body(jane["Id"], "5.00", ("Check", made["Id"], "5.00"))
    assert api.fault(api.post("payment", another)) == "6000"
    # Another customer's cheque, a cheque with no A/R line, a missing one: 6000 as for invoices.
    bob = api.customer("Roe, Bob")
    bobs = cheque(api, bob["Id"], "5.00")
    theirs = api.payment_body(jane["Id"], "5.00", ("Check", bobs["Id"], "5.00"))
    assert api.fault(api.post("payment", theirs)) == "6000"
    office = api.create("Account", {"Name": "Office Supplies", "AccountType": "Expense"})
    expense = api.create(
        "Purchase",
        {
            "PaymentType": "Cash",
            "AccountRef": {"value": account(api, "Checking")},
            "EntityRef": {"value": jane["Id"], "type": "Customer"},
            "Line": [line(office["Id"], "5.00")],
        },
    )
    not_ar = api.payment_body(jane["Id"], "5.00", ("Expense", expense["Id"], "5.00"))
    assert api.fault(api.post("payment", not_ar)) == "6000"
    missing = api.payment_body(jane["Id"], "5.00", ("Check", "999", "5.00"))
    assert api.fault(api.post("payment", missing)) == "6000"
    assert balance(api, jane["Id"]) == D("-5.00")  # 20 overpaid, 15 refunded
    assert totals(api) == (D("0.00"),) * 3  # jane -5, bob +5


def test_refunding_a_credit_memo_with_a_zero_payment(api: Api) -> None:
    jane = api.customer()
    memo = api.credit_memo(jane["Id"], "30.00")
    assert balance(api, jane["Id"]) == D("-30.00")
    made = cheque(api, jane["Id"], "30.00")
    assert balance(api, jane["Id"]) == 0
    # QuickBooks also accepts TxnType "Expense" for the cheque; it records what the purchase is.
    zero = api.pay(
        jane["Id"], "0", ("CreditMemo", memo["Id"], "30.00"), ("Expense", made["Id"], "30.00")
    )
    assert zero["UnappliedAmt"] == 0
    assert zero["Line"][1]["LinkedTxn"] == [{"TxnId": made["Id"], "TxnType": "Check"}]
    assert api.read("CreditMemo", memo["Id"])["RemainingCredit"] == 0
    assert api.read("Purchase", made["Id"])["LinkedTxn"] == [
        {"TxnId": zero["Id"], "TxnType": "Payment"}
    ]
    assert balance(api, jane["Id"]) == 0
    assert ar_account_balance(api) == 0
    assert detail_items(api) == []
    # Voiding the zero payment reopens the credit and the cheque.
    api.create(
        "Payment",
        {"Id": zero["Id"], "SyncToken": zero["SyncToken"]},
        operation="update",
        include="void",
    )
    assert "LinkedTxn" not in api.read("Purchase", made["Id"])
    assert detail_items(api) == [
        ("Check", made["Id"], D("30.00")),
        ("Credit Memo", memo["Id"], D("-30.00")),
    ]
    assert balance(api, jane["Id"]) == 0


def test_a_line_customer_names_the_debtor_and_changes_are_logged(api: Api) -> None:
    jane = api.customer()
    made = api.create(
        "Purchase",
        {
            "PaymentType": "Cash",
            "AccountRef": {"value": account(api, "Checking")},
            "Line": [line(ar(api), "12.00", CustomerRef={"value": jane["Id"]})],
        },
    )
    assert made["Line"][0][DETAIL]["CustomerRef"] == {"value": jane["Id"], "name": "Doe, Jane"}
    assert balance(api, jane["Id"]) == D("12.00")
    assert detail_items(api) == [("Expense", made["Id"], D("12.00"))]
    payment = api.pay(jane["Id"], "12.00", ("Expense", made["Id"], "12.00"))
    assert payment["Line"][0]["LinkedTxn"][0]["TxnType"] == "Expense"
    changed = {(row["entity"], row["id"], row["op"]) for row in api.company.changes}
    assert ("Purchase", made["Id"], "Update") in changed
    assert ("Customer", jane["Id"], "Update") in changed
    assert balance(api, jane["Id"]) == 0
    # As of before the payment the expense was still open.
    yesterday = (dt.date.fromisoformat(today()) - dt.timedelta(days=1)).isoformat()
    assert totals(api) == (0, 0, 0)
    assert (
        report(api, "AgedReceivables", report_date=yesterday)["Rows"]["Row"][-1]["Summary"][
            "ColData"
        ][-1]["value"]
        == ""
    )


def test_the_inspection_page_lists_purchases_and_counts_open_cheques(
    api: Api, client: httpx.Client
) -> None:
    jane = api.customer()
    cheque(api, jane["Id"], "20.00", DocNumber="9001")
    page = client.get(f"/_emulator/companies/{api.realm}/")
    assert page.status_code == 200
    assert "Purchases (cheques and expenses)" in page.text and "9001" in page.text
    assert '<span class="total">20.00</span>' in page.text


def test_batch_cdc_and_a_restart_keep_the_cheque_in_step(api: Api, tmp_path: Path) -> None:
    jane, payment = overpaid(api)
    invoice_line = {k: payment["Line"][0][k] for k in ("Amount", "LinkedTxn")}
    request = {
        "BatchItemRequest": [
            {"bId": "1", "operation": "create", "Purchase": cheque_body(api, jane["Id"], "20.00")},
            {"bId": "2", "operation": "create", "Purchase": {"PaymentType": "Check"}},
        ]
    }
    items = api.parse(api.post("batch", request))["BatchItemResponse"]
    made = items[0]["Purchase"]
    assert made["TotalAmt"] == D("20.00")
    assert items[1]["Fault"]["Error"][0]["code"] == "2020"
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat(timespec="seconds")
    changed = api.parse(api.get("cdc", entities="purchase", changedSince=since))
    found = changed["CDCResponse"][0]["QueryResponse"][0]["Purchase"]
    assert [p["Id"] for p in found] == [made["Id"]]

    # Saved and loaded again, the open amount posted to A/R is still known: linking moves it once.
    api.emulator.path = tmp_path / "state.json"
    api.emulator.save()
    again = Emulator(path=tmp_path / "state.json")
    with httpx.Client(
        transport=httpx.WSGITransport(app=make_app(again, "http://qbo.test")),
        base_url="http://qbo.test",
    ) as http:
        http.headers.update(api.client.headers)
        restarted = Api.__new__(Api)
        restarted.emulator, restarted.client = again, http
        restarted.company = again.companies[api.realm]
        restarted.realm = api.realm
        refund = {"Amount": D("20.00"), "LinkedTxn": [{"TxnId": made["Id"], "TxnType": "Check"}]}
        body = {
            "Id": payment["Id"],
            "SyncToken": payment["SyncToken"],
            "CustomerRef": {"value": jane["Id"]},
            "TotalAmt": D("120.00"),
            "Line": [invoice_line, refund],
        }
        assert restarted.create("Payment", body)["UnappliedAmt"] == 0
        assert balance(restarted, jane["Id"]) == 0
        assert ar_account_balance(restarted) == 0
        assert detail_items(restarted) == []


# ---------------------------------------------------------------- python-quickbooks


@pytest.fixture
def qb(emulator: Emulator, api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = make_server(
        "127.0.0.1", 0, make_app(emulator), server_class=ThreadingServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    tokens = oauth.issue_tokens(emulator, api.realm, "conformance")
    auth = SimpleNamespace(
        environment="production",
        client_id="conformance",
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )
    client = QuickBooks(
        auth_client=auth,
        refresh_token=tokens["refresh_token"],
        company_id=api.realm,
        minorversion=75,
        use_decimal=True,
    )
    client.api_url_v3 = f"http://127.0.0.1:{server.server_port}/v3"
    try:
        yield client
    finally:
        server.shutdown()
        server.server_close()


def test_a_refund_through_python_quickbooks(qb: Any, api: Api) -> None:
    jane, payment = overpaid(api)
    purchase = Purchase()
    purchase.PaymentType = "Check"
    purchase.AccountRef = Ref()
    purchase.AccountRef.value = account(api, "Checking")
    purchase.EntityRef = Ref()
    purchase.EntityRef.value = jane["Id"]
    purchase.EntityRef.type = "Customer"
    expense = AccountBasedExpenseLine()
    expense.Amount = D("20.00")
    expense.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    expense.AccountBasedExpenseLineDetail.AccountRef = Ref()
    expense.AccountBasedExpenseLineDetail.AccountRef.value = ar(api)
    purchase.Line = [expense]
    saved = purchase.save(qb=qb)
    assert saved.Id == purchase.Id and saved.TotalAmt == D("20.00")
    assert saved.PrintStatus == "NeedToPrint"  # what the client sent
    assert Purchase.get(purchase.Id, qb=qb).EntityRef.type == "Customer"
    assert [p.Id for p in Purchase.filter(PaymentType="Check", qb=qb)] == [purchase.Id]

    stored = Payment.get(payment["Id"], qb=qb)
    refund = PaymentLine()
    refund.Amount = D("20.00")
    link = LinkedTxn()
    link.TxnId, link.TxnType = purchase.Id, "Check"
    refund.LinkedTxn = [link]
    stored.Line.append(refund)
    assert stored.save(qb=qb).UnappliedAmt == 0
    assert balance(api, jane["Id"]) == 0
    assert detail_items(api) == []


# ---------------------------------------------------------------- property


# Weighted towards what makes links: overpayments, cheques, links and refunded credits.
KINDS = [
    "invoice",
    "overpay",
    "overpay",
    "credit",
    "cheque",
    "cheque",
    "link",
    "link",
    "link",
    "unlink",
    "delete",
    "refund_credit",
    "refund_credit",
]
OPS = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 1),
        st.integers(0, 90),
        st.integers(1, 40_000),
    ),
    min_size=6,
    max_size=18,
)


def open_total(api: Api) -> Decimal:
    """Open items from the entities the API keeps: invoices, refund cheques, credits, payments."""
    query_all = api.parse(api.get("query", query="SELECT * FROM Purchase"))["QueryResponse"]
    linked: dict[str, Decimal] = {}
    for payment in api.company.entities.get("Payment", {}).values():
        for row in payment["Line"]:
            for link in row["LinkedTxn"]:
                if link["TxnType"] in ("Check", "Expense"):
                    linked[link["TxnId"]] = linked.get(link["TxnId"], D(0)) + D(row["Amount"])
    cheques = sum(
        (D(p["TotalAmt"]) - linked.get(p["Id"], D(0)) for p in query_all.get("Purchase", [])),
        D(0),
    )
    entities = api.company.entities
    return (
        cheques
        + sum((D(i["Balance"]) for i in entities.get("Invoice", {}).values()), D(0))
        - sum((D(p["UnappliedAmt"]) for p in entities.get("Payment", {}).values()), D(0))
        - sum((D(c["RemainingCredit"]) for c in entities.get("CreditMemo", {}).values()), D(0))
    )


def expected_items(api: Api) -> list[tuple[str, str, Decimal]]:
    """The open items the balance fields (and the cheques' links) say AgedReceivableDetail lists."""
    entities = api.company.entities
    found = [("Invoice", i["Id"], D(i["Balance"])) for i in entities.get("Invoice", {}).values()]
    found += [
        ("Payment", p["Id"], -D(p["UnappliedAmt"])) for p in entities.get("Payment", {}).values()
    ]
    found += [
        ("Credit Memo", c["Id"], -D(c["RemainingCredit"]))
        for c in entities.get("CreditMemo", {}).values()
    ]
    found += [
        ("Check", p["Id"], open_balance(api.company, p))
        for p in entities.get("Purchase", {}).values()
    ]
    return sorted(item for item in found if item[2] != 0)


def rewrite(api: Api, payment: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """A full update of the payment with these lines (QuickBooks replaces them all)."""
    body = {
        "Id": payment["Id"],
        "SyncToken": payment["SyncToken"],
        "CustomerRef": payment["CustomerRef"],
        "TotalAmt": payment["TotalAmt"],
        "Line": [{"Amount": x["Amount"], "LinkedTxn": x["LinkedTxn"]} for x in lines],
    }
    api.create("Payment", body)


def link_cheque(api: Api, customer: str, value: Decimal, pick: int) -> bool:
    """Settle part of an open refund cheque against a payment's unapplied amount, if any."""
    entities = api.company.entities
    payments = [
        p
        for p in entities.get("Payment", {}).values()
        if p["CustomerRef"]["value"] == customer and p["UnappliedAmt"] > 0
    ]
    cheques = [
        p
        for p in entities.get("Purchase", {}).values()
        if p["EntityRef"]["value"] == customer and open_balance(api.company, p) > 0
    ]
    if not payments or not cheques:
        return False
    payment = payments[pick % len(payments)]
    target = cheques[pick % len(cheques)]
    if any(x["LinkedTxn"][0]["TxnId"] == target["Id"] for x in payment["Line"]):
        return False
    amount = min(D(payment["UnappliedAmt"]), open_balance(api.company, target), value)
    link = {"TxnId": target["Id"], "TxnType": "Check"}
    rewrite(api, payment, [*payment["Line"], {"Amount": amount, "LinkedTxn": [link]}])
    return True


def step(api: Api, customers: list[str], op: tuple[str, int, int, int]) -> None:
    """One bookkeeping step; refunds only ever pay out what is there to refund."""
    kind, which, days_ago, cents = op
    customer = customers[which]
    value = D(cents) / 100
    day = (reports.today() - dt.timedelta(days=days_ago)).isoformat()
    entities = api.company.entities
    if kind == "invoice":
        api.invoice(customer, f"{value}", TxnDate=day)
    elif kind == "overpay":
        api.create("Payment", {**api.payment_body(customer, f"{value}"), "TxnDate": day})
    elif kind == "credit":
        memo = api.credit_memo(customer, f"{value}")
        assert memo["RemainingCredit"] == value
    elif kind == "cheque":
        cheque(api, customer, f"{value}", TxnDate=day)
    elif kind == "link":
        for who in (customer, *customers):  # this customer's, else anyone's
            if link_cheque(api, who, value, cents):
                break
    elif kind == "unlink":
        linking = [
            p
            for p in entities.get("Payment", {}).values()
            if p["CustomerRef"]["value"] == customer
            and any(x["LinkedTxn"][0]["TxnType"] == "Check" for x in p["Line"])
        ]
        if linking:
            payment = linking[cents % len(linking)]
            kept = [x for x in payment["Line"] if x["LinkedTxn"][0]["TxnType"] != "Check"]
            rewrite(api, payment, kept)
    elif kind == "refund_credit":
        memos = [
            m
            for m in entities.get("CreditMemo", {}).values()
            if m["CustomerRef"]["value"] == customer and m["RemainingCredit"] > 0
        ]
        if memos:
            memo = memos[cents % len(memos)]
            amount = min(value, D(memo["RemainingCredit"]))
            made = cheque(api, customer, f"{amount}", TxnDate=day)
            links = (("CreditMemo", memo["Id"], f"{amount}"), ("Check", made["Id"], f"{amount}"))
            api.pay(customer, "0", *links)
    elif kind == "delete":
        unlinked = [p for p in entities.get("Purchase", {}).values() if not p.get("LinkedTxn")]
        if unlinked:
            target = unlinked[cents % len(unlinked)]
            body = {"Id": target["Id"], "SyncToken": target["SyncToken"]}
            api.ok(api.post("purchase", body, operation="delete"), "Purchase")


@settings(max_examples=25, deadline=None)
@given(ops=OPS)
def test_report_totals_equal_customer_balances_and_open_items_with_refund_cheques(
    ops: list[tuple[str, int, int, int]],
) -> None:
    emulator = Emulator()
    with httpx.Client(
        transport=httpx.WSGITransport(app=make_app(emulator, "http://qbo.test")),
        base_url="http://qbo.test",
    ) as client:
        api = Api(emulator, client)
        customers = [api.customer(f"Customer {n}")["Id"] for n in range(2)]
        for op in ops:
            step(api, customers, op)
        expected = open_total(api)
        customer_total = sum((balance(api, c) for c in customers), D(0))
        assert totals(api) == (expected, expected, expected)
        assert customer_total == expected
        assert ar_account_balance(api) == expected
        assert detail_items(api) == expected_items(api)
        rows = report(api, "CustomerBalance")["Rows"]["Row"][:-1]
        by_customer = {row["ColData"][0]["id"]: D(row["ColData"][1]["value"]) for row in rows}
        for customer in customers:
            assert by_customer.get(customer, D(0)) == balance(api, customer)
