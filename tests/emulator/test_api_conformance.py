"""Conformance: the community client python-quickbooks 0.9.12 drives the emulator over real loopback HTTP.

python-quickbooks has no base-URL option, so the instance's `api_url_v3` is pointed
at the emulator, and it gets an object with the attributes it reads from intuit-oauth's
AuthClient (environment, access_token, refresh_token, client_id). It refuses plain
http unless OAUTHLIB_INSECURE_TRANSPORT is set (dependencies.md §2.1).
"""

import datetime as dt
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from socketserver import ThreadingMixIn
from types import SimpleNamespace
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException, ValidationException
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment, PaymentLine

from qbemulator.online import oauth, query
from qbemulator.online.app import make_app
from qbemulator.online.faults import Fault
from qbemulator.online.state import Company, Emulator, new_company

D = Decimal


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


@pytest.fixture
def company(emulator: Emulator) -> Company:
    return new_company(emulator, "Conformance Co")


@pytest.fixture
def qb(emulator: Emulator, company: Company, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = make_server(
        "127.0.0.1", 0, make_app(emulator), server_class=ThreadingServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        tokens = oauth.issue_tokens(emulator, company.realm_id, "conformance")
    except NotImplementedError:
        tokens = {"access_token": "stub", "refresh_token": "stub"}
    auth = SimpleNamespace(
        environment="production",
        client_id="conformance",
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )
    client = QuickBooks(
        auth_client=auth,
        refresh_token=tokens["refresh_token"],
        company_id=company.realm_id,
        minorversion=75,
        use_decimal=True,
    )
    client.api_url_v3 = f"http://127.0.0.1:{server.server_port}/v3"
    try:
        yield client
    finally:
        client.session.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def item_ref(company: Company, name: str = "Services") -> Ref:
    item = next(i for i in company.entities["Item"].values() if i["Name"] == name)
    ref = Ref()
    ref.value, ref.name = item["Id"], item["Name"]
    return ref


def new_invoice(company: Company, customer: Customer, amount: str) -> Invoice:
    detail = SalesItemLineDetail()
    detail.ItemRef = item_ref(company)
    line = SalesItemLine()
    line.Amount = D(amount)
    line.SalesItemLineDetail = detail
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(line)
    return invoice


def new_customer(qb: Any, name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    customer.save(qb=qb)
    return customer


def test_create_read_update_void_delete(qb: Any, company: Company) -> None:
    customer = new_customer(qb, "Conformance Member")
    assert Customer.get(customer.Id, qb=qb).SyncToken == "0"

    invoice = new_invoice(company, customer, "120.00").save(qb=qb)
    assert invoice.TotalAmt == D("120.00") and invoice.Balance == D("120.00")
    assert invoice.DocNumber

    read = Invoice.get(invoice.Id, qb=qb)
    assert read.Id == invoice.Id and read.TotalAmt == D("120.00")
    assert company.entities["Customer"][customer.Id]["Balance"] == D("120.00")

    # A true sparse update needs a hand-built body (the library sends every attribute).
    sparse = {"Id": customer.Id, "SyncToken": "0", "sparse": True, "Notes": "conformance"}
    updated = qb.update_object("Customer", json.dumps(sparse))["Customer"]
    assert updated["SyncToken"] == "1" and updated["Notes"] == "conformance"
    assert updated["DisplayName"] == "Conformance Member"
    fetched = Customer.get(customer.Id, qb=qb)
    fetched.CompanyName = "Conformance Ltd"
    saved = fetched.save(qb=qb)  # the library's full update of a name
    assert saved.SyncToken == "2" and saved.CompanyName == "Conformance Ltd"
    assert saved.DisplayName == "Conformance Member" and saved.Balance == D("120.00")

    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = D("20.00")
    link = LinkedTxn()
    link.TxnId, link.TxnType = invoice.Id, "Invoice"
    line = PaymentLine()
    line.Amount = D("20.00")
    line.LinkedTxn.append(link)
    payment.Line.append(line)
    payment = payment.save(qb=qb, request_id="conformance-payment-1")
    assert Invoice.get(invoice.Id, qb=qb).Balance == D("100.00")
    payment.void(qb=qb)
    assert company.entities["Payment"][payment.Id]["TotalAmt"] == 0
    assert Invoice.get(invoice.Id, qb=qb).Balance == D("120.00")

    invoice = Invoice.get(invoice.Id, qb=qb)
    invoice.PrivateNote = "edited through the library"
    edited = invoice.save(qb=qb)  # a full update with every attribute the library holds
    assert edited.DocNumber == invoice.DocNumber and edited.TxnDate == invoice.TxnDate
    assert edited.TotalAmt == D("120.00") and edited.PrivateNote == "edited through the library"
    invoice = Invoice.get(invoice.Id, qb=qb)
    invoice.void(qb=qb)
    voided = Invoice.get(invoice.Id, qb=qb)
    assert voided.TotalAmt == 0 and voided.PrivateNote.startswith("Voided")

    doomed = new_invoice(company, customer, "5.00").save(qb=qb)
    doomed.delete(qb=qb)
    assert doomed.Id not in company.entities["Invoice"]
    with pytest.raises(QuickbooksException) as missing:
        Invoice.get(doomed.Id, qb=qb)
    assert missing.value.error_code == 610


def test_faults_reach_the_client_as_its_exceptions(qb: Any) -> None:
    new_customer(qb, "Twice")
    with pytest.raises(QuickbooksException) as duplicate:
        new_customer(qb, "Twice")
    assert duplicate.value.error_code == 6240
    with pytest.raises(ValidationException) as required:
        Invoice().save(qb=qb)
    assert required.value.error_code == 2020


def test_query_through_the_client(qb: Any, company: Company) -> None:
    try:
        query.run(company, "SELECT COUNT(*) FROM Customer")
    except Fault as fault:
        if "not built" in fault.detail:
            pytest.skip("query.run is still the stub")
    new_customer(qb, "Amy's Bird Sanctuary")
    found = Customer.filter(DisplayName="Amy's Bird Sanctuary", qb=qb)
    assert [c.DisplayName for c in found] == ["Amy's Bird Sanctuary"]


def test_batch_and_cdc_through_the_client(qb: Any, company: Company) -> None:
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    customers = []
    for name in ("Batch One", "Batch Two", "Batch One"):
        customer = Customer()
        customer.DisplayName = name
        customers.append(customer)
    results = batch_create(customers, qb=qb)
    assert sorted(c.DisplayName for c in results.successes) == ["Batch One", "Batch Two"]
    assert len(results.faults) == 1
    assert results.faults[0].Error[0].code == "6240"

    changes = change_data_capture([Customer, Invoice], start, qb=qb)
    names = sorted(c.DisplayName for c in changes.Customer)
    assert names == ["Batch One", "Batch Two"]
    assert not hasattr(changes, "Invoice")
