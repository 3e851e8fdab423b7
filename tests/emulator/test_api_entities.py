"""The emulator's Accounting API v3: entity shapes (key for key with the recorded fixtures) and operations.

`Api` (defined here, imported by the other test_api_* modules) drives one fresh
company over the in-process httpx client with a real bearer token.
"""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from qbemulator.online import oauth
from qbemulator.online.http import dumps
from qbemulator.online.state import Company, Emulator, new_company

D = Decimal


class Api:
    """One company and the calls a test makes against it."""

    def __init__(self, emulator: Emulator, client: httpx.Client) -> None:
        self.emulator = emulator
        self.client = client
        self.company: Company = new_company(emulator, "Test Co")
        self.realm = self.company.realm_id
        try:
            token = oauth.issue_tokens(emulator, self.realm, "test-client")["access_token"]
        except NotImplementedError:  # the OAuth stub: authenticate() lets everything through
            token = "stub"
        client.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str) -> str:
        return f"/v3/company/{self.realm}/{path}"

    def post(self, path: str, body: Any, **params: str) -> httpx.Response:
        return self.client.post(
            self.url(path),
            params={"minorversion": "75", **params},
            content=dumps(body),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.client.get(self.url(path), params=params)

    @staticmethod
    def parse(response: httpx.Response) -> Any:
        return json.loads(response.text, parse_float=Decimal)

    def ok(self, response: httpx.Response, entity: str) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        body = self.parse(response)
        assert set(body) == {entity, "time"}
        found: dict[str, Any] = body[entity]
        return found

    def fault(self, response: httpx.Response, status: int = 400) -> str:
        assert response.status_code == status, response.text
        error = self.parse(response)["Fault"]["Error"][0]
        return str(error["code"])

    def create(self, entity: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
        return self.ok(self.post(entity.lower(), body, **params), entity)

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        return self.ok(self.get(f"{entity.lower()}/{entity_id}"), entity)

    def stored(self, entity: str, entity_id: str) -> dict[str, Any]:
        return self.company.entities[entity][entity_id]

    def named(self, entity: str, name: str) -> dict[str, Any]:
        key = "DisplayName" if entity == "Customer" else "Name"
        return next(e for e in self.company.entities[entity].values() if e[key] == name)

    def customer(self, name: str = "Doe, Jane", **fields: Any) -> dict[str, Any]:
        return self.create("Customer", {"DisplayName": name, **fields})

    def invoice(self, customer_id: str, *amounts: str, **fields: Any) -> dict[str, Any]:
        item = self.named("Item", "Services")["Id"]
        lines = [
            {
                "Amount": D(a),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": item}},
            }
            for a in amounts
        ]
        return self.create(
            "Invoice", {"Line": lines, "CustomerRef": {"value": customer_id}, **fields}
        )

    def credit_memo(self, customer_id: str, amount: str) -> dict[str, Any]:
        item = self.named("Item", "Services")["Id"]
        line = {
            "Amount": D(amount),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": item}},
        }
        return self.create("CreditMemo", {"Line": [line], "CustomerRef": {"value": customer_id}})

    def payment_body(
        self, customer_id: str, total: str, *links: tuple[str, str, str]
    ) -> dict[str, Any]:
        lines = [
            {"Amount": D(amount), "LinkedTxn": [{"TxnId": txn_id, "TxnType": kind}]}
            for kind, txn_id, amount in links
        ]
        return {"TotalAmt": D(total), "CustomerRef": {"value": customer_id}, "Line": lines}

    def pay(self, customer_id: str, total: str, *links: tuple[str, str, str]) -> dict[str, Any]:
        return self.create("Payment", self.payment_body(customer_id, total, *links))


@pytest.fixture
def api(emulator: Emulator, client: httpx.Client) -> Api:
    return Api(emulator, client)


def load(fixtures_dir: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixtures_dir / name).read_text(), parse_float=Decimal)
    return data


# --- the starting company -----------------------------------------------------------------


def test_new_company_has_a_realistic_chart(api: Api) -> None:
    accounts = {a["Name"]: a for a in api.company.entities["Account"].values()}
    types = {a["AccountType"] for a in accounts.values()}
    assert {"Accounts Receivable", "Bank", "Income", "Other Current Asset"} <= types
    assert accounts["Undeposited Funds"]["AccountSubType"] == "UndepositedFunds"
    assert {"Membership Dues", "Event Revenue", "Services"} <= set(accounts)
    for item in api.company.entities["Item"].values():
        assert item["Type"] in ("Service", "NonInventory")
        income = api.stored("Account", item["IncomeAccountRef"]["value"])
        assert income["AccountType"] == "Income"
    for entity in [
        *api.company.entities["Account"].values(),
        *api.company.entities["Item"].values(),
    ]:
        assert (entity["domain"], entity["sparse"], entity["SyncToken"]) == ("QBO", False, "0")
        assert set(entity["MetaData"]) == {"CreateTime", "LastUpdatedTime"}


def test_company_info_and_preferences_are_readable(api: Api) -> None:
    info = api.ok(api.get(f"companyinfo/{api.realm}"), "CompanyInfo")
    assert info["CompanyName"] == "Test Co"
    prefs = api.ok(api.get("preferences"), "Preferences")
    assert "BookCloseDate" not in prefs["AccountingInfoPrefs"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False


# --- shapes, key for key with the recordings ----------------------------------------------


def test_customer_create_matches_the_recording_key_for_key(api: Api, fixtures_dir: Path) -> None:
    recorded = load(fixtures_dir, "customer_create_response.json")
    response = api.post("customer", {"DisplayName": "Doe5, Jane"})
    ours = api.parse(response)
    assert list(ours) == list(recorded)
    assert list(ours["Customer"]) == list(recorded["Customer"])
    mine, theirs = ours["Customer"], recorded["Customer"]
    for key in ("Taxable", "Job", "Balance", "CurrencyRef", "PreferredDeliveryMethod", "SyncToken"):
        assert mine[key] == theirs[key]
    assert mine["FullyQualifiedName"] == mine["PrintOnCheckName"] == "Doe5, Jane"


def test_invoice_create_matches_the_recording_key_for_key(api: Api, fixtures_dir: Path) -> None:
    recorded = load(fixtures_dir, "invoice_create_response.json")["Invoice"]
    address = {"Id": "2", "Line1": "4581 Finch St.", "City": "Bayshore", "PostalCode": "94326"}
    customer = api.customer("Amy's Bird Sanctuary", BillAddr=address, ShipAddr=address)
    invoice = api.invoice(customer["Id"], "100.0")
    assert list(invoice) == list(recorded)
    assert [list(line) for line in invoice["Line"]] == [list(line) for line in recorded["Line"]]
    assert list(invoice["Line"][0]["SalesItemLineDetail"]) == ["ItemRef", "TaxCodeRef"]
    assert invoice["TotalAmt"] == invoice["Balance"] == D("100.00")
    assert invoice["Line"][-1] == recorded["Line"][-1]  # the SubTotalLineDetail line
    assert invoice["BillAddr"] == address
    assert invoice["CustomerRef"] == {"value": customer["Id"], "name": "Amy's Bird Sanctuary"}


def test_payment_matches_the_recording_key_for_key(api: Api, fixtures_dir: Path) -> None:
    recorded = load(fixtures_dir, "payment_response_ledgersync.json")["Payment"]
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "100.00")
    body = api.payment_body(customer["Id"], "100.00", ("Invoice", invoice["Id"], "100.00"))
    body |= {"PaymentMethodRef": {"value": "29"}, "PaymentRefNum": "123"}
    payment = api.create("Payment", body)
    assert list(payment) == list(recorded)
    assert list(payment["Line"][0]) == list(recorded["Line"][0])
    ours = [x["value"] for x in payment["Line"][0]["LineEx"]["any"]]
    theirs = [x["value"] for x in recorded["Line"][0]["LineEx"]["any"]]
    assert [x["Name"] for x in ours] == [x["Name"] for x in theirs]
    assert ours[1]["Value"] == "100.00" and ours[2]["Value"] == invoice["DocNumber"]
    assert payment["UnappliedAmt"] == 0
    assert payment["DepositToAccountRef"] == {
        "value": api.named("Account", "Undeposited Funds")["Id"]
    }


# --- operations ---------------------------------------------------------------------------


def test_read_returns_what_create_returned(api: Api) -> None:
    customer = api.customer()
    assert api.read("Customer", customer["Id"]) == customer
    assert api.ok(api.get(f"customer/{customer['Id']}", minorversion="70"), "Customer") == customer


def test_sparse_update_keeps_unspecified_fields_and_bumps_sync_token(api: Api) -> None:
    customer = api.customer(GivenName="Jane", CompanyName="Acme")
    body = {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "VIP"}
    updated = api.create("Customer", body)
    assert updated["SyncToken"] == "1"
    assert (updated["GivenName"], updated["CompanyName"], updated["Notes"]) == (
        "Jane",
        "Acme",
        "VIP",
    )
    again = api.create("Customer", {**body, "SyncToken": "1"})
    assert again["SyncToken"] == "1"  # nothing changed: no new version (recorded)


def test_full_update_drops_omitted_fields_and_rederives_names(api: Api) -> None:
    customer = api.customer(GivenName="Jane", CompanyName="Acme")
    updated = api.create(
        "Customer", {"Id": customer["Id"], "SyncToken": "0", "DisplayName": "Roe, Jane"}
    )
    assert "CompanyName" not in updated and "GivenName" not in updated
    assert updated["FullyQualifiedName"] == updated["PrintOnCheckName"] == "Roe, Jane"
    assert api.stored("Customer", customer["Id"])["SyncToken"] == "1"


def test_full_invoice_update_replaces_lines_and_keeps_doc_number(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "10.00", "20.00")
    item = api.named("Item", "Services")["Id"]
    lines = [
        invoice["Line"][0],
        {
            "Amount": D("5.00"),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": item}},
        },
    ]
    body = {
        "Id": invoice["Id"],
        "SyncToken": "0",
        "CustomerRef": {"value": customer["Id"]},
        "Line": lines,
    }
    updated = api.create("Invoice", body)
    assert [line.get("Id") for line in updated["Line"]] == ["1", "3", None]
    assert updated["TotalAmt"] == updated["Balance"] == D("15.00")
    assert (updated["DocNumber"], updated["TxnDate"]) == (invoice["DocNumber"], invoice["TxnDate"])
    assert api.stored("Customer", customer["Id"])["Balance"] == D("15.00")


def test_delete_a_transaction(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "40.00")
    response = api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")
    assert api.ok(response, "Invoice") == {
        "domain": "QBO",
        "status": "Deleted",
        "Id": invoice["Id"],
    }
    assert invoice["Id"] not in api.company.entities["Invoice"]
    assert api.fault(api.get(f"invoice/{invoice['Id']}")) == "610"
    assert api.stored("Customer", customer["Id"])["Balance"] == 0


def test_names_cannot_be_deleted(api: Api) -> None:
    customer = api.customer()
    response = api.post("customer", {"Id": customer["Id"], "SyncToken": "0"}, operation="delete")
    assert api.fault(response) == "500"
    assert customer["Id"] in api.company.entities["Customer"]


def test_void_invoice_zeroes_amounts_and_notes_voided(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "40.00", PrivateNote="dues")
    voided = api.ok(
        api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void"), "Invoice"
    )
    assert voided["SyncToken"] == "1"
    assert voided["TotalAmt"] == voided["Balance"] == 0
    assert all(line["Amount"] == 0 for line in voided["Line"])
    assert voided["PrivateNote"].startswith("Voided")
    assert "dues" in voided["PrivateNote"]
    assert api.stored("Customer", customer["Id"])["Balance"] == 0
    # It stays voided through later edits.
    note = {"Id": invoice["Id"], "SyncToken": "1", "sparse": True, "CustomerMemo": {"value": "x"}}
    assert api.create("Invoice", note)["TotalAmt"] == 0


def test_void_payment_and_sales_receipt_by_update_include_void(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "40.00")
    payment = api.pay(customer["Id"], "40.00", ("Invoice", invoice["Id"], "40.00"))
    assert api.stored("Invoice", invoice["Id"])["Balance"] == 0
    body = {"Id": payment["Id"], "SyncToken": "0", "sparse": True}
    voided = api.ok(api.post("payment", body, operation="update", include="void"), "Payment")
    assert (voided["TotalAmt"], voided["UnappliedAmt"], voided["Line"]) == (0, 0, [])
    assert voided["PrivateNote"] == "Voided"
    assert api.stored("Invoice", invoice["Id"])["Balance"] == D("40.00")
    assert api.stored("Invoice", invoice["Id"])["LinkedTxn"] == []
    assert api.stored("Customer", customer["Id"])["Balance"] == D("40.00")

    item = api.named("Item", "Services")["Id"]
    line = {
        "Amount": D("9.99"),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}},
    }
    receipt = api.create("SalesReceipt", {"Line": [line], "CustomerRef": {"value": customer["Id"]}})
    assert receipt["DepositToAccountRef"]["name"] == "Undeposited Funds"
    assert receipt["Balance"] == 0 and receipt["TotalAmt"] == D("9.99")
    body = {"Id": receipt["Id"], "SyncToken": "0", "sparse": True}
    voided = api.ok(
        api.post("salesreceipt", body, operation="update", include="void"), "SalesReceipt"
    )
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"] == "Voided"


def test_deactivating_names_appends_deleted_and_frees_the_name(api: Api) -> None:
    customer = api.customer("Thrifty Meats")
    gone = api.create(
        "Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    assert gone["Active"] is False
    assert gone["DisplayName"] == gone["FullyQualifiedName"] == "Thrifty Meats (deleted)"
    assert api.customer("Thrifty Meats")["DisplayName"] == "Thrifty Meats"

    account = api.create("Account", {"Name": "Fees Billed", "AccountType": "Income"})
    assert (
        account["Classification"] == "Revenue" and account["AccountSubType"] == "ServiceFeeIncome"
    )
    item = api.create(
        "Item",
        {"Name": "Garden Design", "Type": "Service", "IncomeAccountRef": {"value": account["Id"]}},
    )
    assert item["IncomeAccountRef"] == {"value": account["Id"], "name": "Fees Billed"}
    gone = api.create(
        "Account", {"Id": account["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    assert gone["Name"] == "Fees Billed (deleted)"
    # An inactive account can no longer be referenced (610).
    body = {"Name": "Pruning", "IncomeAccountRef": {"value": account["Id"]}}
    assert api.fault(api.post("item", body)) == "610"
    gone = api.create("Item", {"Id": item["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    assert gone["Name"] == "Garden Design (deleted)"
    back = api.create("Item", {"Id": item["Id"], "SyncToken": "1", "sparse": True, "Active": True})
    assert back["Name"] == "Garden Design"


def test_credit_memo_applies_through_a_payment(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "100.00")
    memo = api.credit_memo(customer["Id"], "30.00")
    assert memo["Balance"] == memo["RemainingCredit"] == D("30.00")
    assert api.stored("Customer", customer["Id"])["Balance"] == D("70.00")
    payment = api.pay(
        customer["Id"],
        "0",
        ("Invoice", invoice["Id"], "30.00"),
        ("CreditMemo", memo["Id"], "30.00"),
    )
    assert payment["TotalAmt"] == 0 and payment["UnappliedAmt"] == 0
    assert api.stored("Invoice", invoice["Id"])["Balance"] == D("70.00")
    assert api.stored("CreditMemo", memo["Id"])["RemainingCredit"] == 0
    assert api.stored("Customer", customer["Id"])["Balance"] == D("70.00")


def test_full_update_keeps_payment_links_and_balance(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "50.00")
    payment = api.pay(customer["Id"], "20.00", ("Invoice", invoice["Id"], "20.00"))
    stored = api.stored("Invoice", invoice["Id"])
    body = {
        "Id": invoice["Id"],
        "SyncToken": stored["SyncToken"],
        "CustomerRef": {"value": customer["Id"]},
        "Line": stored["Line"][:1],
        "LinkedTxn": [],
        "PrivateNote": "edited",
    }
    updated = api.create("Invoice", body)
    assert updated["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert updated["Balance"] == D("30.00")
    shrink = {
        **body,
        "SyncToken": updated["SyncToken"],
        "Line": [{**stored["Line"][0], "Amount": D("10.00")}],
    }
    assert api.fault(api.post("invoice", shrink)) == "6000"  # below what is already applied


def test_customer_with_every_field_matches_the_recorded_query_row(
    api: Api, fixtures_dir: Path
) -> None:
    recorded = load(fixtures_dir, "customer_query_by_displayname_response.json")
    theirs = recorded["QueryResponse"]["Customer"][0]
    fields = {
        k: theirs[k]
        for k in (
            "BillAddr",
            "ShipAddr",
            "GivenName",
            "FamilyName",
            "CompanyName",
            "PrimaryPhone",
            "PrimaryEmailAddr",
        )
    }
    ours = api.customer(theirs["DisplayName"], **fields)
    assert [k for k in ours if k != "DefaultTaxCodeRef"] == list(theirs)


def test_unapplied_payment_is_kept_as_credit(api: Api) -> None:
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "50.00")
    payment = api.pay(customer["Id"], "80.00", ("Invoice", invoice["Id"], "50.00"))
    assert payment["UnappliedAmt"] == D("30.00")
    assert api.stored("Customer", customer["Id"])["Balance"] == D("-30.00")
    assert api.stored("Invoice", invoice["Id"])["LinkedTxn"] == [
        {"TxnId": payment["Id"], "TxnType": "Payment"}
    ]


def test_ar_account_ref_is_honoured(api: Api) -> None:
    other = api.create("Account", {"Name": "A/R Events", "AccountType": "Accounts Receivable"})
    customer = api.customer()
    invoice = api.invoice(customer["Id"], "10.00", ARAccountRef={"value": other["Id"]})
    assert invoice["ARAccountRef"] == {"value": other["Id"], "name": "A/R Events"}
    api.invoice(customer["Id"], "7.00")
    api.pay(customer["Id"], "9.00", ("Invoice", invoice["Id"], "4.00"))
    # The default A/R holds the plain invoice less the unapplied 5.00; A/R Events the rest.
    default = api.named("Account", "Accounts Receivable (A/R)")
    assert default["CurrentBalance"] == D("2.00")
    assert api.stored("Account", other["Id"])["CurrentBalance"] == D("6.00")
    assert api.stored("Customer", customer["Id"])["Balance"] == D("8.00")
    bank = api.named("Account", "Checking")
    response = api.post(
        "invoice",
        {
            "Line": invoice["Line"][:1],
            "CustomerRef": {"value": customer["Id"]},
            "ARAccountRef": {"value": bank["Id"]},
        },
    )
    assert api.fault(response) == "2500"


def test_refund_receipt_and_deposit(api: Api) -> None:
    customer = api.customer()
    item = api.named("Item", "Services")["Id"]
    line = {
        "Amount": D("5.00"),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}},
    }
    assert (
        api.fault(
            api.post("refundreceipt", {"Line": [line], "CustomerRef": {"value": customer["Id"]}})
        )
        == "2020"
    )
    bank = api.named("Account", "Checking")
    refund = api.create(
        "RefundReceipt",
        {
            "Line": [line],
            "CustomerRef": {"value": customer["Id"]},
            "DepositToAccountRef": {"value": bank["Id"]},
        },
    )
    assert refund["TotalAmt"] == D("5.00")

    payment = api.pay(customer["Id"], "25.00")
    deposit = api.create(
        "Deposit",
        {
            "DepositToAccountRef": {"value": bank["Id"]},
            "Line": [
                {
                    "Amount": D("25.00"),
                    "LinkedTxn": [{"TxnId": payment["Id"], "TxnType": "Payment"}],
                }
            ],
        },
    )
    assert deposit["TotalAmt"] == D("25.00")
    body = {"Id": payment["Id"], "SyncToken": "0"}
    assert api.fault(api.post("payment", body, operation="delete")) == "6540"
    assert payment["Id"] in api.company.entities["Payment"]


def test_unknown_realm_and_resource(api: Api) -> None:
    response = api.client.get("/v3/company/123/customer/1")
    assert response.status_code == 403
    assert api.fault(api.get("widget/1")) == "500"


def test_ids_count_per_entity_so_the_recorded_invoice_request_works(api: Api) -> None:
    """The recorded invoice request uses ItemRef 1 ("Services"); Account 1 exists beside it."""
    assert api.read("Item", "1")["Name"] == "Services"
    assert api.read("Account", "1")["Id"] == "1"
    customer = api.create("Customer", {"DisplayName": "Doe5, Jane"})
    invoice = api.create(
        "Invoice",
        {
            "Line": [
                {
                    "Amount": D("100.0"),
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"}},
                }
            ],
            "CustomerRef": {"value": customer["Id"]},
        },
    )
    assert customer["Id"] == "1" and invoice["Id"] == "1"
    assert invoice["TotalAmt"] == D("100.00") and invoice["Balance"] == D("100.00")
