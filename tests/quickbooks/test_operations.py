"""The client's operations against the emulator: CRUD, sparse update, void/delete, query, batch, CDC, reports."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from memberbooks.quickbooks.online import wire
from memberbooks.quickbooks.online.client import BatchItem, build_query
from memberbooks.quickbooks.online.errors import TerminalQboError
from tests.quickbooks.conftest import Qbo


def customer(qbo: Qbo, name: str = "Jane O'Hara") -> dict[str, object]:
    body = wire.customer_json(
        wire.QbCustomer(
            id=None, display_name=name, given_name="Jane", email="jane@example.org", phone="555"
        )
    )
    return qbo.client().create("Customer", body)


def invoice(
    qbo: Qbo, customer_id: str, amount: str = "120.50", key: str = "inv-1"
) -> dict[str, object]:
    doc = wire.QbInvoice(
        id=None,
        customer_id=customer_id,
        txn_date=date(2026, 11, 2),
        lines=(wire.QbLine(amount=Decimal(amount), item_id="1", description="Dues 2027"),),
    )
    return qbo.client().create("Invoice", wire.invoice_json(doc), idempotency_key=key)


def test_create_and_read_back_a_customer_with_decimal_balance(qbo: Qbo) -> None:
    created = wire.customer_from_json(customer(qbo))
    read = wire.customer_from_json(qbo.client().read("Customer", str(created.id)))
    assert read == created
    assert read.display_name == "Jane O'Hara" and read.email == "jane@example.org"
    assert read.balance == Decimal("0") and isinstance(read.balance, Decimal)


def test_invoice_amounts_are_decimal_and_dates_are_dates(qbo: Qbo) -> None:
    cust = customer(qbo)
    doc = wire.invoice_from_json(invoice(qbo, str(cust["Id"])))
    assert doc.total == Decimal("120.50") and doc.balance == Decimal("120.50")
    assert doc.txn_date == date(2026, 11, 2)
    assert doc.lines[0].amount == Decimal("120.50") and doc.lines[0].item_id == "1"


def test_sparse_update_changes_only_the_given_field(qbo: Qbo) -> None:
    before = customer(qbo)
    client = qbo.client()
    client.sparse_update(
        "Customer", str(before["Id"]), str(before["SyncToken"]), {"CompanyName": "Acme Ltd"}
    )
    after = client.read("Customer", str(before["Id"]))
    assert after["CompanyName"] == "Acme Ltd"
    assert after["SyncToken"] == "1"
    for name in ("DisplayName", "GivenName", "PrimaryEmailAddr", "PrimaryPhone", "Active"):
        assert after[name] == before[name], name


def test_full_update_sends_everything_given(qbo: Qbo) -> None:
    created = wire.customer_from_json(customer(qbo))
    changed = wire.QbCustomer(**{**created.__dict__, "family_name": "O'Hara"})
    updated = qbo.client().update("Customer", wire.customer_json(changed))
    assert wire.customer_from_json(updated).family_name == "O'Hara"
    assert updated["SyncToken"] == "1"


def test_stale_sync_token_is_a_terminal_5010_with_advice(qbo: Qbo) -> None:
    created = customer(qbo)
    client = qbo.client()
    client.sparse_update("Customer", str(created["Id"]), "0", {"CompanyName": "A"})
    with pytest.raises(TerminalQboError) as caught:
        client.sparse_update("Customer", str(created["Id"]), "0", {"CompanyName": "B"})
    assert caught.value.code == "5010"
    assert "while memberbooks was updating" in caught.value.message_for_bookkeeper
    assert client.attempts == 2  # not retried


def test_void_invoice_zeroes_it_and_delete_removes_it(qbo: Qbo) -> None:
    cust = customer(qbo)
    first = invoice(qbo, str(cust["Id"]), key="a")
    second = invoice(qbo, str(cust["Id"]), key="b")
    client = qbo.client()
    voided = wire.invoice_from_json(client.void("Invoice", str(first["Id"]), "0"))
    assert voided.total == Decimal("0") and "Voided" in str(voided.private_note)
    client.delete("Invoice", str(second["Id"]), "0")
    with pytest.raises(TerminalQboError) as caught:
        client.read("Invoice", str(second["Id"]))
    assert caught.value.code == "610"


def test_void_payment_by_sparse_update_include_void(qbo: Qbo) -> None:
    cust = customer(qbo)
    inv = invoice(qbo, str(cust["Id"]))
    pay = wire.QbPayment(
        id=None,
        customer_id=str(cust["Id"]),
        total=Decimal("20.25"),
        applications=(
            wire.QbApplication(Decimal("20.25"), (wire.QbLinkedTxn(str(inv["Id"]), "Invoice"),)),
        ),
    )
    client = qbo.client()
    made = wire.payment_from_json(
        client.create("Payment", wire.payment_json(pay), idempotency_key="p1")
    )
    assert made.applications[0].linked[0].txn_id == inv["Id"]
    assert wire.invoice_from_json(client.read("Invoice", str(inv["Id"]))).balance == Decimal(
        "100.25"
    )
    voided = wire.payment_from_json(client.void("Payment", str(made.id), str(made.sync_token)))
    assert voided.total == Decimal("0") and voided.applications == ()
    assert wire.invoice_from_json(client.read("Invoice", str(inv["Id"]))).balance == Decimal(
        "120.50"
    )


def test_voiding_a_customer_is_refused_before_any_call(qbo: Qbo) -> None:
    client = qbo.client()
    with pytest.raises(ValueError, match="cannot void"):
        client.void("Customer", "1", "0")
    assert client.attempts == 0


def test_build_query_escapes_quotes_and_backslashes() -> None:
    text = build_query("Customer", {"DisplayName": "Amy's \\ Bird", "Active": True})
    assert (
        text == "SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s \\\\ Bird' AND Active = true"
    )
    assert build_query(
        "Invoice",
        [("Balance", ">", Decimal("0")), ("Id", "IN", ["1", "2"])],
        order_by="Id DESC",
        start=1,
        max_results=10,
    ) == (
        "SELECT * FROM Invoice WHERE Balance > 0 AND Id IN ('1', '2') ORDERBY Id DESC "
        "STARTPOSITION 1 MAXRESULTS 10"
    )
    with pytest.raises(ValueError):
        build_query("Customer; DROP", None)
    with pytest.raises(ValueError):
        build_query("Customer", [("DisplayName", "OR", "x")])


def test_a_quoted_name_finds_exactly_that_customer(qbo: Qbo) -> None:
    customer(qbo, "Amy's Bird Sanctuary")
    customer(qbo, "Amy")
    rows = list(qbo.client().query_all("Customer", {"DisplayName": "Amy's Bird Sanctuary"}))
    assert [row["DisplayName"] for row in rows] == ["Amy's Bird Sanctuary"]


def test_query_all_pages_over_more_than_1000_rows(qbo: Qbo) -> None:
    client = qbo.client()
    items = [
        BatchItem("create", "Customer", {"DisplayName": f"Member {n:04d}"}) for n in range(1005)
    ]
    results = client.batch(items)
    assert len(results) == 1005 and all(r.fault is None for r in results)
    before = client.attempts
    rows = list(client.query_all("Customer", [("DisplayName", "LIKE", "Member %")]))
    assert len(rows) == 1005
    assert len({row["Id"] for row in rows}) == 1005
    assert client.attempts - before == 2  # two pages of at most 1000
    assert client.count("Customer", [("DisplayName", "LIKE", "Member %")]) == 1005


def test_batch_splits_into_chunks_of_30_and_keeps_per_item_faults(qbo: Qbo) -> None:
    client = qbo.client()
    items = [BatchItem("create", "Customer", {"DisplayName": f"B{n}"}) for n in range(65)]
    items[40] = BatchItem("create", "Customer", {"DisplayName": "B1"})  # duplicate name
    results = client.batch(items)
    assert client.attempts == 3  # 30 + 30 + 5
    assert [r.fault.code for r in results if r.fault] == ["6240"]
    assert results[0].entity == "Customer" and results[0].data is not None
    assert len(qbo.rows("Customer")) == 64


def test_cdc_reports_changes_and_deletions(qbo: Qbo) -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    cust = customer(qbo)
    inv = invoice(qbo, str(cust["Id"]))
    client = qbo.client()
    client.delete("Invoice", str(inv["Id"]), "0")
    changes = client.cdc(["Customer", "Invoice"], since)
    assert [row["Id"] for row in changes.entities["Customer"]] == [cust["Id"]]
    assert changes.deleted == (wire.QbDeleted("Invoice", str(inv["Id"])),)


def test_aged_receivables_report_totals_open_invoices(qbo: Qbo) -> None:
    cust = customer(qbo)
    invoice(qbo, str(cust["Id"]), "120.50", key="x")
    report = qbo.client().report("AgedReceivables", report_date=date(2026, 12, 31))
    assert report["Header"]["ReportName"] == "AgedReceivables"
    total = report["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"]
    assert wire.money(total) == Decimal("120.50")


def test_validation_fault_is_not_retried_and_speaks_plainly(qbo: Qbo) -> None:
    customer(qbo, "Dup Name")
    client = qbo.client()
    with pytest.raises(TerminalQboError) as caught:
        client.create("Customer", {"DisplayName": "Dup Name"}, idempotency_key="other")
    error = caught.value
    assert (error.code, error.status) == ("6240", 400)
    assert (
        error.message_for_bookkeeper
        == "A customer, vendor or employee in QuickBooks already has this name."
    )
    assert "Member Status page" in error.fix
    assert client.attempts == 1 and qbo.sleeps == []


def test_a_batch_item_sent_alone_gets_the_same_write_and_replays_by_key(qbo: Qbo) -> None:
    """`send` writes a batch item through the entity's own endpoint: create, sparse update,
    and both kinds of void; a repeat under the same key is QuickBooks' first answer."""
    cust = str(customer(qbo)["Id"])
    client = qbo.client()
    body = invoice_body_for(cust)
    made = client.send(
        BatchItem(operation="create", entity="Invoice", body=body), idempotency_key="k1"
    )
    again = client.send(
        BatchItem(operation="create", entity="Invoice", body=body), idempotency_key="k1"
    )
    assert again["Id"] == made["Id"] and len(qbo.rows("Invoice")) == 1
    memo = {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "PrivateNote": "x"}
    edited = client.send(
        BatchItem(operation="update", entity="Invoice", body=memo), idempotency_key="k2"
    )
    assert edited["PrivateNote"] == "x" and edited["TotalAmt"] == made["TotalAmt"]
    void = {"Id": made["Id"], "SyncToken": edited["SyncToken"]}
    voided = client.send(
        BatchItem(operation="void", entity="Invoice", body=void), idempotency_key="k3"
    )
    assert Decimal(str(voided["TotalAmt"])) == 0

    paid = client.create("Payment", {"CustomerRef": {"value": cust}, "TotalAmt": "5.00"})
    head = {"Id": paid["Id"], "SyncToken": paid["SyncToken"], "sparse": True}
    item = BatchItem(operation="update", entity="Payment", body=head, options="void")
    payment_void = client.send(item, idempotency_key="k4")
    assert Decimal(str(payment_void["TotalAmt"])) == 0
    assert "Voided" in str(qbo.rows("Payment")[str(paid["Id"])].get("PrivateNote"))


def test_a_query_cannot_be_sent_alone(qbo: Qbo) -> None:
    with pytest.raises(ValueError, match="alone"):
        qbo.client().send(BatchItem(query="SELECT * FROM Customer"), idempotency_key="q")


def invoice_body_for(customer_id: str) -> dict[str, object]:
    doc = wire.QbInvoice(
        id=None,
        customer_id=customer_id,
        txn_date=date(2026, 11, 2),
        lines=(wire.QbLine(amount=Decimal("40.00"), item_id="1", description="Dinner"),),
    )
    return wire.invoice_json(doc)
