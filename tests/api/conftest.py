"""API fixtures: two organisations, callers with tokens or sessions, and a scene of documents.

`scene` is acme's books with numbers that exist only in acme (member A-100,
GL account 4999, invoices A-INV-1 and A-INV-2, payment A-PMT-1), so a request
in the other organisation that names them must behave as if they did not exist.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.db.models import Model
from django.test import Client

from memberbooks.api.routing import Operation
from memberbooks.api.views import api
from memberbooks.ledger import actions
from memberbooks.ledger.drafts import ApplicationDraft, InvoiceDraft, LineDraft, PaymentDraft
from memberbooks.ledger.models import (
    Application,
    GLAccount,
    Invoice,
    InvoiceLine,
    Member,
    NumberSequence,
    Payment,
)
from memberbooks.tenancy.actions import add_user
from memberbooks.tenancy.models import ApiToken, Membership, Organisation, Role
from tests.books import Books, D

API = "/api/v1/"


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        assert set(self.body) == {"error"}, self.body
        assert set(self.body["error"]) == {"code", "message", "field", "fix"}, self.body
        return dict(self.body["error"])


@dataclass
class Caller:
    """Calls the API as one user (by token, or by session when `token` is empty)."""

    client: Client
    token: str = ""
    user: AbstractUser | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: object = None, **query: str) -> Reply:
        headers = dict(self.extra_headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = path if path.startswith("/") else API + path
        data = json.dumps(body) if isinstance(body, (dict, list)) else (body or "")
        response = self.client.generic(
            method,
            url,
            data=data if method != "GET" else "",
            content_type="application/json",
            headers=headers,
            query_params=query or None,
        )
        payload = json.loads(response.content) if response.content else None
        return Reply(response.status_code, payload, dict(response.headers))

    def get(self, path: str, **query: str) -> Reply:
        return self.request("GET", path, **query)

    def post(self, path: str, body: object) -> Reply:
        return self.request("POST", path, body)

    def patch(self, path: str, body: object) -> Reply:
        return self.request("PATCH", path, body)


def make_user(org: Organisation, role: Role, name: str = "") -> AbstractUser:
    return add_user(org, name or f"{org.slug}-{role.value}", "correct-horse-battery-9", role)


def token_caller(org: Organisation, role: Role, **client: bool) -> Caller:
    user = make_user(org, role)
    _, raw = ApiToken.issue(Membership.objects.get(user=user, organisation=org))
    return Caller(Client(**client), token=raw, user=user)


def session_caller(org: Organisation, role: Role, **client: bool) -> Caller:
    user = make_user(org, role, f"{org.slug}-{role.value}-web")
    browser = Client(**client)
    browser.force_login(user)
    return Caller(browser, user=user)


@pytest.fixture
def bookkeeper(books: Books) -> Caller:
    return token_caller(books.org, Role.BOOKKEEPER)


@pytest.fixture
def viewer(books: Books) -> Caller:
    return token_caller(books.org, Role.VIEWER)


@pytest.fixture
def outsider(other_books: Books) -> Caller:
    """An admin of the other organisation, with a token."""
    return token_caller(other_books.org, Role.ADMIN)


@pytest.fixture
def outsider_session(other_books: Books) -> Caller:
    return session_caller(other_books.org, Role.ADMIN)


@dataclass
class Scene:
    books: Books
    member: Member
    invoice: Invoice  # 100.00, fully paid by payment
    invoice2: Invoice  # 80.00, open
    payment: Payment  # 150.00: 100.00 applied to invoice, 50.00 unapplied


@pytest.fixture
def scene(books: Books) -> Scene:
    actor = books.actor
    member = actions.create_member(actor, "A-100", first_name="Ada", last_name="Acme")
    special = actions.create_gl_account(actor, "4999", "Acme-only income", "income")

    def invoice(number: str, amount: str, account: GLAccount) -> Invoice:
        draft = InvoiceDraft(
            member=member,
            date=dt.date(2025, 1, 10),
            number=number,
            lines=[LineDraft(gl_account=account, unit_price=D(amount), description="Dues")],
        )
        return actions.post_invoice(actor, draft)

    first, second = invoice("A-INV-1", "100.00", books.dues), invoice("A-INV-2", "80.00", special)
    payment = actions.record_payment(
        actor,
        PaymentDraft(
            member=member,
            date=dt.date(2025, 1, 20),
            amount=D("150.00"),
            deposit_account=books.bank,
            number="A-PMT-1",
            applications=[ApplicationDraft(invoice=first, amount=D("100.00"))],
        ),
    )
    return Scene(books, member, first, second, payment)


def valid_body(handler: str, scene: Scene) -> dict[str, Any]:
    """A body that succeeds for each write operation in acme (so a refusal is never by accident)."""
    return {
        "create_member": {"member_number": "NEW-1", "last_name": "Newman"},
        "update_member": {"email": "changed@example.org"},
        "create_gl_account": {"number": "4200", "name": "Sponsorship", "kind": "income"},
        "post_invoice": {
            "member_number": scene.member.member_number,
            "date": "2025-02-01",
            "lines": [{"gl_account": "4000", "unit_price": "50.00"}],
        },
        "void_invoice": {"date": "2025-02-01", "reason": "Duplicate"},
        "record_payment": {
            "member_number": scene.member.member_number,
            "date": "2025-02-01",
            "amount": "20.00",
            "deposit_account": "1000",
        },
        "apply_payment": {
            "applications": [{"invoice_number": scene.invoice2.number, "amount": "10.00"}]
        },
        "void_payment": {"date": "2025-02-01", "reason": "Bounced"},
    }[handler]


def org_operations() -> list[Operation]:
    """The ledger routes of views.py; the QuickBooks Interface's (interface.py) need a connected
    organisation and have the same checks in tests/api/test_interface_access.py."""
    return [
        op
        for ops in api.operations.values()
        for op in ops.values()
        if op.role is not None and op.handler.__module__ == "memberbooks.api.views"
    ]


def number_in_path(op: Operation, scene: Scene) -> str | None:
    """Which of acme's numbers the operation's URL names, if any."""
    if "<str:member_number>" in op.path:
        return scene.member.member_number
    if "<str:number>" in op.path:
        return scene.invoice.number if "invoices/" in op.path else scene.payment.number
    return None


def url_for(op: Operation, slug: str, scene: Scene) -> str:
    """The operation's URL in organisation `slug`, naming acme's documents."""
    number = number_in_path(op, scene) or ""
    path = op.path.replace("<str:member_number>", number).replace("<str:number>", number)
    return API + path.replace("<slug:org>", slug)


def snapshot(org: Organisation) -> dict[str, list[Any]]:
    """Everything a write could change in an organisation, to prove that nothing did."""

    def rows(model: type[Model], *fields: str, **scope: Any) -> list[Any]:
        scope = scope or {"organisation": org}
        return sorted(model._default_manager.filter(**scope).values_list(*fields), key=repr)

    return {
        "members": rows(Member, "member_number", "first_name", "last_name", "email", "status"),
        "gl": rows(GLAccount, "number", "name", "kind"),
        "invoices": rows(Invoice, "number", "total", "amount_applied", "voided_on"),
        "lines": rows(InvoiceLine, "invoice__number", "amount", invoice__organisation=org),
        "payments": rows(Payment, "number", "amount", "amount_applied", "voided_on"),
        "applications": rows(Application, "invoice__number", "amount", "unapplied_on"),
        "sequences": rows(NumberSequence, "kind", "next_value"),
    }
