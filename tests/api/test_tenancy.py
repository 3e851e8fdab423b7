"""One organisation's callers can neither see nor change another's data.

Every route of the table is tried, by slug, by the numbers in the URL and by
numbers put inside a body: the answer is always the one a missing thing gets,
and nothing is written.
"""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from memberbooks.api.routing import Operation
from memberbooks.ledger import actions
from memberbooks.ledger.drafts import PaymentDraft
from memberbooks.ledger.models import Payment
from memberbooks.tenancy.models import Role
from tests.api.conftest import (
    API,
    Caller,
    Scene,
    number_in_path,
    org_operations,
    snapshot,
    token_caller,
    url_for,
    valid_body,
)
from tests.books import Books, D

OPERATIONS = org_operations()
IDS = [f"{op.method} {op.handler.__name__}" for op in OPERATIONS]


def body_for(op: Operation, scene: Scene) -> dict[str, Any] | None:
    return valid_body(op.handler.__name__, scene) if op.unsafe else None


@pytest.mark.parametrize("op", OPERATIONS, ids=IDS)
def test_another_orgs_token_gets_404_on_every_route(
    scene: Scene, outsider: Caller, op: Operation
) -> None:
    before = snapshot(scene.books.org)

    theirs = outsider.request(op.method, url_for(op, "acme", scene), body_for(op, scene))
    nobodys = outsider.request(op.method, url_for(op, "no-such-org", scene), body_for(op, scene))

    assert theirs.status == 404
    assert theirs.body == nobodys.body
    assert theirs.error["message"] == "No such organisation."
    assert snapshot(scene.books.org) == before


@pytest.mark.parametrize("op", OPERATIONS, ids=IDS)
def test_another_orgs_session_gets_404_on_every_route(
    scene: Scene, outsider_session: Caller, op: Operation
) -> None:
    before = snapshot(scene.books.org)

    theirs = outsider_session.request(op.method, url_for(op, "acme", scene), body_for(op, scene))
    nobodys = outsider_session.request(
        op.method, url_for(op, "no-such-org", scene), body_for(op, scene)
    )

    assert theirs.status == 404
    assert theirs.body == nobodys.body
    assert snapshot(scene.books.org) == before


def test_a_token_works_only_in_its_own_organisation(scene: Scene, other_books: Books) -> None:
    """A user in both organisations still needs a token per organisation."""
    acme_token = token_caller(scene.books.org, Role.ADMIN)

    assert acme_token.get("orgs/acme/members/").status == 200
    assert acme_token.get("orgs/other/members/").status == 404


WITH_NUMBERS = [op for op in OPERATIONS if "<str:" in op.path]


@pytest.mark.parametrize("op", WITH_NUMBERS, ids=[f"{op.method} {op.path}" for op in WITH_NUMBERS])
def test_acme_numbers_in_the_other_orgs_urls_are_not_found(
    scene: Scene, outsider: Caller, op: Operation
) -> None:
    """/orgs/other/invoices/A-INV-1/ is a 404 exactly like a number nobody has."""
    before = snapshot(scene.books.org)
    acme_number = number_in_path(op, scene) or ""
    url = url_for(op, "other", scene)

    theirs = outsider.request(op.method, url, body_for(op, scene))
    nobodys = outsider.request(op.method, url.replace(acme_number, NOPE), body_for(op, scene))

    assert theirs.status == 404, theirs.body
    assert swap(theirs.body) == nobodys.body
    assert "Other Club" in theirs.error["message"]
    assert snapshot(scene.books.org) == before


NOPE = "NOPE-1"
ACME_ONLY = ("A-100", "4999", "A-INV-1", "A-INV-2", "A-PMT-1")


def swap(data: Any) -> Any:
    """The same JSON with each acme-only number replaced by one that exists nowhere."""
    text = json.dumps(data)
    for number in ACME_ONLY:
        text = text.replace(number, NOPE)
    return json.loads(text)


@pytest.fixture
def other_payment(other_books: Books) -> Payment:
    """The other organisation has its own member M0001 (as acme does) and payment B-PMT-1."""
    member = other_books.member("Olsen")
    draft = PaymentDraft(
        member=member,
        date=dt.date(2025, 1, 5),
        amount=D("5.00"),
        deposit_account=other_books.bank,
        number="B-PMT-1",
    )
    return actions.record_payment(other_books.actor, draft)


LINE = {"gl_account": "4000", "unit_price": "1.00"}
PAYMENT = {"date": "2025-02-01", "amount": "5.00", "deposit_account": "1000"}
TAMPERED = [
    # (path in the other organisation, a body naming acme's things, the field named in the error)
    (
        "invoices/",
        {"member_number": "A-100", "date": "2025-02-01", "lines": [LINE]},
        "member_number",
    ),
    (
        "invoices/",
        {"member_number": "M0001", "date": "2025-02-01", "lines": [{**LINE, "gl_account": "4999"}]},
        "lines[0].gl_account",
    ),
    ("payments/", {"member_number": "A-100", **PAYMENT}, "member_number"),
    (
        "payments/",
        {
            "member_number": "M0001",
            **PAYMENT,
            "applications": [{"invoice_number": "A-INV-2", "amount": "5.00"}],
        },
        "applications[0].invoice_number",
    ),
    (
        "payments/B-PMT-1/apply",
        {"applications": [{"invoice_number": "A-INV-2", "amount": "5.00"}]},
        "applications[0].invoice_number",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "field"), TAMPERED, ids=[f"{t[0]} {t[2]}" for t in TAMPERED]
)
def test_acme_numbers_inside_a_body_posted_to_the_other_org_are_unknown(
    scene: Scene,
    other_payment: Payment,
    outsider: Caller,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    acme_before, other_before = snapshot(scene.books.org), snapshot(other_payment.organisation)

    theirs = outsider.post(f"orgs/other/{path}", body)
    nobodys = outsider.post(f"orgs/other/{path}", swap(body))

    assert theirs.status == 400, theirs.body
    assert theirs.error["code"] == "unknown_reference"
    assert theirs.error["field"] == field
    assert swap(theirs.body) == nobodys.body
    assert snapshot(scene.books.org) == acme_before
    assert snapshot(other_payment.organisation) == other_before


def test_the_same_bodies_with_the_other_orgs_own_numbers_succeed(
    other_payment: Payment, outsider: Caller
) -> None:
    """The tampering test's control: M0001, 4000 and 1000 do exist in the other organisation."""
    invoice = outsider.post(
        "orgs/other/invoices/", {"member_number": "M0001", "date": "2025-02-01", "lines": [LINE]}
    )
    payment = outsider.post("orgs/other/payments/", {"member_number": "M0001", **PAYMENT})

    assert (invoice.status, payment.status) == (201, 201)


def test_filtering_by_another_orgs_member_is_like_a_missing_member(
    scene: Scene, outsider: Caller
) -> None:
    theirs = outsider.get("orgs/other/invoices/", member="A-100")
    nobodys = outsider.get("orgs/other/invoices/", member=NOPE)

    assert theirs.status == 400 and theirs.error["field"] == "member"
    assert swap(theirs.body) == nobodys.body


def test_openapi_document_is_public_but_data_is_not(scene: Scene) -> None:
    anonymous = Caller(Client())

    assert anonymous.get(API + "openapi.json").status == 200
    assert anonymous.get("orgs/acme/invoices/A-INV-1/").status == 401
