"""Payments through the API: record with applications, read, list, apply, void."""

import datetime as dt

from memberbooks.ledger import queries
from memberbooks.ledger.models import Application, Invoice, Payment
from tests.api.conftest import Caller, Scene
from tests.books import D


def test_record_payment_applies_it_and_keeps_the_rest_as_credit(
    scene: Scene, bookkeeper: Caller
) -> None:
    reply = bookkeeper.post(
        "orgs/acme/payments/",
        {
            "member_number": "A-100",
            "date": "2025-02-05",
            "amount": "100.00",
            "deposit_account": "1000",
            "method": "card",
            "reference": "ch_123",
            "applications": [{"invoice_number": "A-INV-2", "amount": "80.00"}],
        },
    )

    assert reply.status == 201, reply.body
    payment = Payment.objects.get(organisation=scene.books.org, number=reply.body["number"])
    assert (payment.number, payment.amount, payment.method) == ("PMT-000001", D("100.00"), "card")
    assert payment.unapplied == D("20.00")
    assert Invoice.objects.get(pk=scene.invoice2.pk).open_balance == D("0.00")
    app = Application.objects.get(payment=payment)
    assert (app.invoice_id, app.amount, app.applied_on) == (
        scene.invoice2.pk,
        D("80.00"),
        dt.date(2025, 2, 5),
    )
    assert reply.body["unapplied"] == "20.00" and reply.body["deposit_account"] == "1000"
    assert queries.member_balance(scene.member) == D("-70.00")  # 50 + 20 credit


def test_payment_detail_and_list(scene: Scene, viewer: Caller) -> None:
    detail = viewer.get("orgs/acme/payments/A-PMT-1/")
    listing = viewer.get("orgs/acme/payments/", member="A-100", to="2025-01-31")

    assert detail.status == 200
    assert (detail.body["amount"], detail.body["amount_applied"], detail.body["unapplied"]) == (
        "150.00",
        "100.00",
        "50.00",
    )
    assert [a["invoice_number"] for a in detail.body["applications"]] == ["A-INV-1"]
    assert [p["number"] for p in listing.body["results"]] == ["A-PMT-1"]
    assert viewer.get("orgs/acme/payments/", **{"from": "2025-01-21"}).body["count"] == 0


def test_apply_the_unapplied_rest(scene: Scene, bookkeeper: Caller) -> None:
    reply = bookkeeper.post(
        "orgs/acme/payments/A-PMT-1/apply",
        {"applications": [{"invoice_number": "A-INV-2", "amount": "50.00"}], "date": "2025-02-01"},
    )

    assert reply.status == 200, reply.body
    assert reply.body["unapplied"] == "0.00"
    assert Invoice.objects.get(pk=scene.invoice2.pk).open_balance == D("30.00")
    app = Application.objects.get(invoice=scene.invoice2)
    assert (app.amount, app.applied_on) == (D("50.00"), dt.date(2025, 2, 1))


def test_applying_more_than_is_left_is_a_conflict(scene: Scene, bookkeeper: Caller) -> None:
    reply = bookkeeper.post(
        "orgs/acme/payments/A-PMT-1/apply",
        {"applications": [{"invoice_number": "A-INV-2", "amount": "60.00"}]},
    )

    assert reply.status == 409
    assert reply.error["code"] == "over_application"
    assert reply.error["field"] == "applications"
    assert "50.00" in reply.error["fix"]
    assert not Application.objects.filter(invoice=scene.invoice2).exists()


def test_void_payment_reopens_the_invoice(scene: Scene, bookkeeper: Caller) -> None:
    reply = bookkeeper.post(
        "orgs/acme/payments/A-PMT-1/void", {"date": "2025-02-10", "reason": "Bounced"}
    )

    assert reply.status == 200, reply.body
    payment = Payment.objects.get(pk=scene.payment.pk)
    assert (payment.voided_on, payment.void_reason) == (dt.date(2025, 2, 10), "Bounced")
    assert Invoice.objects.get(pk=scene.invoice.pk).open_balance == D("100.00")
    assert reply.body["unapplied"] == "0.00"
    assert queries.member_balance(scene.member) == D("180.00")
    again = bookkeeper.post(
        "orgs/acme/payments/A-PMT-1/void", {"date": "2025-02-11", "reason": "Twice"}
    )
    assert again.status == 409 and again.error["code"] == "already_voided"
