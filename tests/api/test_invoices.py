"""Invoices through the API: post with lines, read, filter, void."""

import datetime as dt

from memberbooks.ledger import actions, queries
from memberbooks.ledger.models import Invoice, Payment
from tests.api.conftest import Caller, Scene
from tests.books import Books, D


def test_post_invoice_writes_lines_and_total(scene: Scene, bookkeeper: Caller) -> None:
    reply = bookkeeper.post(
        "orgs/acme/invoices/",
        {
            "member_number": "A-100",
            "date": "2025-03-01",
            "memo": "Spring",
            "source": "event",
            "lines": [
                {"gl_account": "4000", "unit_price": "125.00", "description": "Dues"},
                {"gl_account": "4100", "unit_price": "12.50", "quantity": "2.5"},
                {"gl_account": "4100", "unit_price": "10", "quantity": 3},
            ],
        },
    )

    assert reply.status == 201, reply.body
    invoice = Invoice.objects.get(organisation=scene.books.org, number=reply.body["number"])
    assert invoice.number == "INV-000001"
    assert invoice.total == D("186.25")  # 125.00 + 31.25 + 30.00
    assert invoice.due_date == dt.date(2025, 3, 31)
    assert [(ln.gl_account.number, ln.amount) for ln in invoice.lines.all()] == [
        ("4000", D("125.00")),
        ("4100", D("31.25")),
        ("4100", D("30.00")),
    ]
    assert reply.body["total"] == "186.25" and reply.body["status"] == "open"
    assert reply.body["lines"][1]["quantity"] == "2.500"
    assert queries.member_balance(scene.member) == D("216.25")  # 30.00 before


def test_invoice_detail_has_lines_and_applications(scene: Scene, viewer: Caller) -> None:
    reply = viewer.get("orgs/acme/invoices/A-INV-1/")

    assert reply.status == 200
    assert reply.body["total"] == "100.00" and reply.body["open_balance"] == "0.00"
    assert reply.body["status"] == "paid"
    assert reply.body["lines"] == [
        {
            "position": 1,
            "gl_account": "4000",
            "description": "Dues",
            "quantity": "1.000",
            "unit_price": "100.00",
            "amount": "100.00",
        }
    ]
    assert reply.body["applications"] == [
        {
            "invoice_number": "A-INV-1",
            "payment_number": "A-PMT-1",
            "credit_memo_number": None,
            "amount": "100.00",
            "applied_on": "2025-01-20",
            "unapplied_on": None,
        }
    ]


def test_list_filters_by_member_dates_and_status(scene: Scene, viewer: Caller) -> None:
    books = scene.books
    other = books.member("Other")
    books.invoice(other, "40.00", "2025-02-15")
    voided = books.invoice(other, "10.00", "2025-03-15")
    actions.void_invoice(books.actor, voided, dt.date(2025, 3, 16), "Typo")

    def numbers(**query: str) -> list[str]:
        reply = viewer.get("orgs/acme/invoices/", **query)
        assert reply.status == 200, reply.body
        return [row["number"] for row in reply.body["results"]]

    assert numbers() == ["INV-000002", "INV-000001", "A-INV-2", "A-INV-1"]
    assert numbers(member="A-100") == ["A-INV-2", "A-INV-1"]
    assert numbers(**{"from": "2025-02-01", "to": "2025-02-28"}) == ["INV-000001"]
    assert numbers(status="open") == ["INV-000001", "A-INV-2"]
    assert numbers(status="paid") == ["A-INV-1"]
    assert numbers(status="void") == ["INV-000002"]
    assert numbers(member=other.member_number, status="open") == ["INV-000001"]


def test_void_invoice_keeps_it_and_frees_what_was_applied(scene: Scene, bookkeeper: Caller) -> None:
    reply = bookkeeper.post(
        "orgs/acme/invoices/A-INV-1/void", {"date": "2025-02-01", "reason": "Billed twice"}
    )

    assert reply.status == 200, reply.body
    invoice = Invoice.objects.get(pk=scene.invoice.pk)
    assert (invoice.voided_on, invoice.void_reason) == (dt.date(2025, 2, 1), "Billed twice")
    assert reply.body["status"] == "void"
    assert reply.body["applications"][0]["unapplied_on"] == "2025-02-01"
    assert Payment.objects.get(pk=scene.payment.pk).unapplied == D("150.00")
    assert queries.member_balance(scene.member) == D("-70.00")  # 80 open less 150 credit


def test_voiding_twice_is_a_conflict(scene: Scene, bookkeeper: Caller) -> None:
    body = {"date": "2025-02-01", "reason": "Billed twice"}
    bookkeeper.post("orgs/acme/invoices/A-INV-2/void", body)

    again = bookkeeper.post("orgs/acme/invoices/A-INV-2/void", {**body, "reason": "Again"})

    assert again.status == 409
    assert again.error["code"] == "already_voided"
    assert Invoice.objects.get(pk=scene.invoice2.pk).void_reason == "Billed twice"


def test_void_before_the_invoice_date_names_the_date_field(
    scene: Scene, bookkeeper: Caller
) -> None:
    reply = bookkeeper.post(
        "orgs/acme/invoices/A-INV-2/void", {"date": "2024-12-31", "reason": "Too early"}
    )

    assert reply.status == 400
    assert reply.error["field"] == "date"
    assert "2025-01-10" in reply.error["fix"]
    assert Invoice.objects.get(pk=scene.invoice2.pk).voided_on is None


def test_empty_books_list_nothing(books: Books, viewer: Caller) -> None:
    reply = viewer.get("orgs/acme/invoices/")

    assert reply.body == {
        "results": [],
        "count": 0,
        "page": 1,
        "page_size": 50,
        "next": None,
        "previous": None,
    }
