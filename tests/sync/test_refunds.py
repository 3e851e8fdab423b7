"""Refunds: a cheque to the customer against A/R, linked to the credit it pays out."""

import datetime as dt
from decimal import Decimal

from memberbooks.exports.models import ExportDecision
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import CreditMemoDraft, LineDraft
from memberbooks.ledger.models import Member
from memberbooks.ledger.queries import member_balance
from memberbooks.sync.check import check
from memberbooks.sync.models import RunState
from memberbooks.sync.push import push
from tests.books import D
from tests.mapping.conftest import Connected
from tests.sync.test_check import go, link, map_all


def qb_id(qb: Connected, doc_type: str, doc_id: int) -> str:
    return ExportDecision.objects.get(
        organisation=qb.books.org, doc_type=doc_type, doc_id=doc_id
    ).qb_id


def test_an_overpayment_refund_is_a_cheque_linked_to_the_payment(qb: Connected) -> None:
    books = qb.books
    pat = books.member("Smith")
    customer = link(qb, pat)
    map_all(qb)
    dues = books.invoice(pat, "100.00", "2026-01-10")
    paid = books.pay(pat, "130.00", "2026-01-20", (dues, "100.00"))  # 30.00 over
    back = ledger.refund(
        books.actor, paid, D("30.00"), dt.date(2026, 1, 25), books.bank, "check", "1001"
    )
    go(qb, dues, paid, back)

    assert [i.kind for i in check(qb.actor).items] == ["invoice", "payment", "refund", "update"]
    run = push(qb.actor)

    assert run.state == RunState.DONE and (run.confirmed, run.failed) == (4, 0), run.note
    cheque = qb.client.read("Purchase", qb_id(qb, "refund", back.pk))
    assert (cheque["PaymentType"], cheque["DocNumber"], Decimal(str(cheque["TotalAmt"]))) == (
        "Check",
        "1001",
        D("30.00"),
    )
    payment = qb.client.read("Payment", qb_id(qb, "payment", paid.pk))
    assert Decimal(str(payment["UnappliedAmt"])) == D("0.00")
    assert Decimal(str(qb.client.read("Customer", customer)["Balance"])) == D("0.00")
    assert member_balance(Member.objects.get(pk=pat.pk)) == D("0.00")
    again = push(qb.actor)
    assert (again.planned, again.confirmed) == (0, 0)
    assert len(list(qb.client.query_all("Purchase", {}))) == 1


def test_a_credit_memo_refund_later_updates_its_zero_payment(qb: Connected) -> None:
    books = qb.books
    lee = books.member("Lee")
    customer = link(qb, lee)
    map_all(qb)
    credit = ledger.post_credit_memo(
        books.actor,
        CreditMemoDraft(
            member=lee,
            date=dt.date(2026, 1, 21),
            lines=[LineDraft(gl_account=books.dues, unit_price=D("40.00"))],
        ),
    )
    go(qb, credit)
    push(qb.actor)
    assert Decimal(str(qb.client.read("Customer", customer)["Balance"])) == D("-40.00")

    back = ledger.refund(books.actor, credit, D("15.00"), dt.date(2026, 2, 1), books.bank)
    go(qb, back)
    run = push(qb.actor)

    assert (run.confirmed, run.failed) == (2, 0), run.note  # the cheque, the credit's uses
    assert Decimal(str(qb.client.read("Customer", customer)["Balance"])) == D("-25.00")
    assert member_balance(Member.objects.get(pk=lee.pk)) == D("-25.00")
    memo = qb.client.read("CreditMemo", qb_id(qb, "credit_memo", credit.pk))
    assert Decimal(str(memo["Balance"])) == D("25.00")
