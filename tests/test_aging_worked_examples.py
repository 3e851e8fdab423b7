"""Worked examples of the aging report, computed by hand.

Each case states the books in a bookkeeper's words and the exact figures the
report must show.
"""

import datetime as dt

from memberbooks.ledger import actions
from memberbooks.ledger.aging import aging, open_items
from memberbooks.ledger.drafts import ApplicationDraft, CreditMemoDraft, LineDraft
from tests.books import Books, D


def as_of(books: Books, date: str) -> dict[str, object]:
    return aging(books.org, dt.date.fromisoformat(date)).as_json()


def test_one_invoice_moves_through_every_bucket(books: Books) -> None:
    # Pat is billed 100.00 on Jan 1, due Jan 31, and never pays.
    pat = books.member()
    books.invoice(pat, "100.00", "2026-01-01", due="2026-01-31")

    assert as_of(books, "2025-12-31")["total"] == "0.00"  # not yet billed
    assert as_of(books, "2026-01-31")["buckets"]["current"] == "100.00"  # due today is current
    assert as_of(books, "2026-02-01")["buckets"]["1-30"] == "100.00"  # 1 day late
    assert as_of(books, "2026-03-02")["buckets"]["1-30"] == "100.00"  # 30 days late
    assert as_of(books, "2026-03-03")["buckets"]["31-60"] == "100.00"  # 31 days late
    assert as_of(books, "2026-04-01")["buckets"]["31-60"] == "100.00"  # 60 days
    assert as_of(books, "2026-04-02")["buckets"]["61-90"] == "100.00"  # 61 days
    assert as_of(books, "2026-05-01")["buckets"]["61-90"] == "100.00"  # 90 days
    assert as_of(books, "2026-05-02")["buckets"]["over-90"] == "100.00"  # 91 days


def test_partial_payment_counts_only_from_its_date(books: Books) -> None:
    # Invoice 250.00 on Mar 1 due Mar 31; 100.00 paid Apr 15.
    pat = books.member()
    inv = books.invoice(pat, "250.00", "2026-03-01", due="2026-03-31")
    books.pay(pat, "100.00", "2026-04-15", (inv, "100.00"))

    before = as_of(books, "2026-04-14")
    after = as_of(books, "2026-04-15")
    assert before["total"] == "250.00" and before["buckets"]["1-30"] == "250.00"
    assert after["total"] == "150.00" and after["buckets"]["1-30"] == "150.00"
    assert after["members"][0]["member_number"] == "M0001"
    assert after["members"][0]["total"] == "150.00"


def test_three_members_and_the_totals(books: Books) -> None:
    # As of 2026-06-30:
    #   Ann: 120.00 due 06-30 (current) + 80.00 due 05-15 (46 days: 31-60)          = 200.00
    #   Bob: 300.00 due 03-01 (121 days: over-90), 50.00 paid                      = 250.00
    #   Cy : 75.00 due 06-10 (20 days: 1-30), paid in full 06-20                   =   0.00
    ann, bob, cy = books.member("Ann"), books.member("Bob"), books.member("Cy")
    books.invoice(ann, "120.00", "2026-06-01", due="2026-06-30")
    books.invoice(ann, "80.00", "2026-04-15", due="2026-05-15")
    bob_inv = books.invoice(bob, "300.00", "2026-02-01", due="2026-03-01")
    books.pay(bob, "50.00", "2026-05-01", (bob_inv, "50.00"))
    cy_inv = books.invoice(cy, "75.00", "2026-05-11", due="2026-06-10")
    books.pay(cy, "75.00", "2026-06-20", (cy_inv, "75.00"))

    report = as_of(books, "2026-06-30")
    assert report["total"] == "450.00"
    assert report["buckets"] == {
        "current": "120.00",
        "1-30": "0.00",
        "31-60": "80.00",
        "61-90": "0.00",
        "over-90": "250.00",
    }
    by_member = {m["member_number"]: m for m in report["members"]}  # type: ignore[union-attr]
    assert set(by_member) == {"M0001", "M0002"}  # Cy is paid up and not listed
    assert by_member["M0001"]["total"] == "200.00"
    assert by_member["M0002"]["over-90"] == "250.00"


def test_void_counts_from_its_date_and_keeps_the_record(books: Books) -> None:
    pat = books.member()
    inv = books.invoice(pat, "90.00", "2026-01-10", due="2026-02-09")
    actions.void_invoice(books.actor, inv, dt.date(2026, 3, 1), "Billed in error")

    assert as_of(books, "2026-02-28")["total"] == "90.00"
    assert as_of(books, "2026-03-01")["total"] == "0.00"
    inv.refresh_from_db()
    assert inv.voided_on == dt.date(2026, 3, 1) and inv.void_reason == "Billed in error"


def test_voided_payment_reopens_the_invoice_from_the_void_date(books: Books) -> None:
    # A 60.00 check bounces: paid Feb 1, voided Feb 20.
    pat = books.member()
    inv = books.invoice(pat, "60.00", "2026-01-01", due="2026-01-31")
    check = books.pay(pat, "60.00", "2026-02-01", (inv, "60.00"))
    actions.void_payment(books.actor, check, dt.date(2026, 2, 20), "NSF check")

    assert as_of(books, "2026-02-19")["total"] == "0.00"
    assert as_of(books, "2026-02-20")["buckets"]["1-30"] == "60.00"
    inv.refresh_from_db()
    assert inv.amount_applied == D("0.00")


def test_overpayment_and_credit_memo_show_as_member_credit(books: Books) -> None:
    # Invoice 100.00; paid 130.00 (30.00 credit); credit memo 20.00 applied to a second invoice of 50.00.
    pat = books.member()
    first = books.invoice(pat, "100.00", "2026-01-01", due="2026-01-31")
    second = books.invoice(pat, "50.00", "2026-01-05", due="2026-02-04")
    books.pay(pat, "130.00", "2026-01-20", (first, "100.00"))
    actions.post_credit_memo(
        books.actor,
        CreditMemoDraft(
            member=pat,
            date=dt.date(2026, 1, 25),
            lines=[
                LineDraft(
                    gl_account=books.dues,
                    unit_price=D("20.00"),
                    description="Early renewal discount",
                )
            ],
            applications=[ApplicationDraft(invoice=second, amount=D("20.00"))],
        ),
    )
    report = aging(books.org, dt.date(2026, 2, 10))
    assert report.total == D("30.00")  # second invoice: 50 - 20
    assert report.credit == D("30.00")  # unapplied overpayment
    assert report.net == D("0.00")
    items = open_items(books.org, pat, dt.date(2026, 2, 10))
    assert [(i.number, i.open_balance, i.days_past_due, i.bucket) for i in items] == [
        (second.number, D("30.00"), 6, "1-30")
    ]


def test_refund_reduces_member_credit_from_its_date(books: Books) -> None:
    pat = books.member()
    payment = books.pay(pat, "40.00", "2026-01-10")
    actions.refund(books.actor, payment, D("15.00"), dt.date(2026, 1, 20), books.bank)

    assert aging(books.org, dt.date(2026, 1, 19)).credit == D("40.00")
    assert aging(books.org, dt.date(2026, 1, 20)).credit == D("25.00")
