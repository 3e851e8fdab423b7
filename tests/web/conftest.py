"""Fixtures for the page tests: users of each role, and small known ledgers in two organisations."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client

from memberbooks.events import actions as event_actions
from memberbooks.events.models import Event, FeeType
from memberbooks.ledger import actions
from memberbooks.ledger.drafts import CreditMemoDraft, LineDraft
from memberbooks.ledger.models import CreditMemo, Invoice, Member, Payment
from memberbooks.tenancy.actions import add_user
from memberbooks.tenancy.models import Role
from tests.books import Books, D

PASSWORD = "correct horse battery staple"


@dataclass
class Ledger:
    """One organisation's small, known books (figures in each test's comments)."""

    books: Books
    ann: Member
    bob: Member
    ann_dues: Invoice
    ann_event: Invoice
    bob_dues: Invoice
    bob_payment: Payment
    ann_credit: CreditMemo
    event: Event
    fee: FeeType


def build_ledger(books: Books) -> Ledger:
    """As of 2026-06-30:
    Ann  (M0001): dues 120.00 due 2026-06-30 (current); event 80.00 due 2026-05-15 (46 days: 31-60),
                  credit memo 15.00 unapplied.
    Bob  (M0002): dues 300.00 due 2026-03-01 (121 days: over-90); paid 50.00 on 2026-05-01 -> 250.00.
    Totals: current 120.00, 31-60 80.00, over-90 250.00 = 450.00; credit 15.00; net 435.00.
    """
    ann = books.member("Adams", "Ann", email="ann@example.org", city="Springfield")
    bob = books.member("Baker", "Bob", company="Baker Bakery")
    ann_dues = books.invoice(ann, "120.00", "2026-06-01", due="2026-06-30")
    ann_event = books.invoice(ann, "80.00", "2026-04-15", due="2026-05-15", account=books.events)
    bob_dues = books.invoice(bob, "300.00", "2026-02-01", due="2026-03-01")
    bob_payment = books.pay(bob, "50.00", "2026-05-01", (bob_dues, "50.00"))
    ann_credit = actions.post_credit_memo(
        books.actor,
        CreditMemoDraft(
            member=ann,
            date=dt.date(2026, 6, 10),
            memo="Volunteer discount",
            lines=[LineDraft(gl_account=books.dues, unit_price=D("15.00"))],
        ),
    )
    event = event_actions.create_event(books.actor, "GALA", "Summer gala", dt.date(2026, 7, 15))
    fee = event_actions.add_fee_type(books.actor, event, "Member", books.events, D("45.00"))
    return Ledger(
        books, ann, bob, ann_dues, ann_event, bob_dues, bob_payment, ann_credit, event, fee
    )


@pytest.fixture
def ledger(books: Books) -> Ledger:
    return build_ledger(books)


@pytest.fixture
def foreign(other_books: Books) -> Ledger:
    """The same books in another organisation, whose ids the tests try to reach."""
    return build_ledger(other_books)


def _client(books: Books, username: str, role: Role) -> Client:
    client = Client()
    client.force_login(add_user(books.org, username, PASSWORD, role))
    return client


@pytest.fixture
def viewer(books: Books) -> Client:
    return _client(books, "vera", Role.VIEWER)


@pytest.fixture
def bookkeeper(books: Books) -> Client:
    return _client(books, "bea", Role.BOOKKEEPER)


@pytest.fixture
def outsider(other_books: Books) -> Client:
    """A bookkeeper of the other organisation: may write there, must see nothing here."""
    return _client(other_books, "otto", Role.BOOKKEEPER)


def lines_data(*lines: tuple[int, str, str, str], extra_blank: int = 2) -> dict[str, str]:
    """Formset fields for the line table: (GL account id, description, quantity, unit price)."""
    data = {"lines-TOTAL_FORMS": str(len(lines) + extra_blank), "lines-INITIAL_FORMS": "0"}
    for index, (account, description, quantity, price) in enumerate(lines):
        data |= {
            f"lines-{index}-gl_account": str(account),
            f"lines-{index}-description": description,
            f"lines-{index}-quantity": quantity,
            f"lines-{index}-unit_price": price,
        }
    for index in range(len(lines), len(lines) + extra_blank):
        data |= {f"lines-{index}-gl_account": "", f"lines-{index}-quantity": "1"}
    return data


def body(response: HttpResponseBase) -> str:
    """The text of a response, streamed or not.

    Reading a streamed response to its end closes it, as the test client wraps it; calling
    `close()` here instead would also close the test database connection.
    """
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    return response.content.decode()  # type: ignore[attr-defined]
