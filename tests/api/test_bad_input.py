"""Bad input: one error shape naming the field and the fix, and nothing written."""

from typing import Any

import pytest

from tests.api.conftest import Caller, Scene, snapshot

INVOICE = {
    "member_number": "A-100",
    "date": "2025-02-01",
    "lines": [{"gl_account": "4000", "unit_price": "50.00"}],
}
PAYMENT = {
    "member_number": "A-100",
    "date": "2025-02-01",
    "amount": "20.00",
    "deposit_account": "1000",
}


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def line(**changes: Any) -> dict[str, Any]:
    return {**INVOICE, "lines": [{**INVOICE["lines"][0], **changes}]}


CASES = [
    # (id, path, body, status, code, field, words in the fix)
    (
        "missing date",
        "invoices/",
        without(INVOICE, "date"),
        400,
        "invalid_input",
        "date",
        "required",
    ),
    (
        "missing lines",
        "invoices/",
        without(INVOICE, "lines"),
        400,
        "invalid_input",
        "lines",
        "required",
    ),
    ("no lines", "invoices/", {**INVOICE, "lines": []}, 400, "invalid_input", "lines", "line"),
    (
        "month 13",
        "invoices/",
        {**INVOICE, "date": "2025-13-01"},
        400,
        "invalid_input",
        "date",
        "YYYY-MM-DD",
    ),
    (
        "day first",
        "invoices/",
        {**INVOICE, "date": "01/02/2025"},
        400,
        "invalid_input",
        "date",
        "YYYY-MM-DD",
    ),
    (
        "due before date",
        "invoices/",
        {**INVOICE, "due_date": "2025-01-01"},
        400,
        "invalid_input",
        "due_date",
        "2025-02-01",
    ),
    (
        "float price",
        "invoices/",
        line(unit_price=50.25),
        400,
        "invalid_input",
        "lines[0].unit_price",
        '"50.25"',
    ),
    (
        "integer price",
        "invoices/",
        line(unit_price=50),
        400,
        "invalid_input",
        "lines[0].unit_price",
        '"50"',
    ),
    (
        "thousands separator",
        "invoices/",
        line(unit_price="1,250.00"),
        400,
        "invalid_input",
        "lines[0].unit_price",
        "separator",
    ),
    (
        "currency sign",
        "invoices/",
        line(unit_price="$50"),
        400,
        "invalid_input",
        "lines[0].unit_price",
        "currency sign",
    ),
    (
        "three decimals",
        "invoices/",
        line(unit_price="50.005"),
        400,
        "invalid_input",
        "lines[0].unit_price",
        "two decimals",
    ),
    (
        "negative price",
        "invoices/",
        line(unit_price="-5.00"),
        400,
        "invalid_input",
        "lines[0].unit_price",
        "digits",
    ),
    (
        "zero quantity",
        "invoices/",
        line(quantity="0"),
        400,
        "invalid_input",
        "lines[0].quantity",
        "credit memo",
    ),
    (
        "float quantity",
        "invoices/",
        line(quantity=1.5),
        400,
        "invalid_input",
        "lines[0].quantity",
        "string",
    ),
    (
        "unknown GL account",
        "invoices/",
        line(gl_account="9999"),
        400,
        "unknown_reference",
        "lines[0].gl_account",
        "gl-accounts/",
    ),
    (
        "unknown member",
        "invoices/",
        {**INVOICE, "member_number": "Z-9"},
        400,
        "unknown_reference",
        "member_number",
        "members/",
    ),
    (
        "bad source",
        "invoices/",
        {**INVOICE, "source": "gift"},
        400,
        "invalid_input",
        "source",
        "dues, event, other",
    ),
    (
        "typo in a field",
        "invoices/",
        {**INVOICE, "memmo": "x"},
        400,
        "invalid_input",
        "memmo",
        "memo",
    ),
    (
        "number taken",
        "invoices/",
        {**INVOICE, "number": "A-INV-1"},
        400,
        "invalid_input",
        "number",
        "new number",
    ),
    (
        "lines not a list",
        "invoices/",
        {**INVOICE, "lines": {"gl_account": "4000"}},
        400,
        "invalid_input",
        "lines",
        "array",
    ),
    (
        "float amount",
        "payments/",
        {**PAYMENT, "amount": 20.0},
        400,
        "invalid_input",
        "amount",
        '"20.0"',
    ),
    (
        "zero amount",
        "payments/",
        {**PAYMENT, "amount": "0.00"},
        400,
        "invalid_input",
        "amount",
        "positive",
    ),
    (
        "bad method",
        "payments/",
        {**PAYMENT, "method": "barter"},
        400,
        "invalid_input",
        "method",
        "check",
    ),
    (
        "unknown deposit account",
        "payments/",
        {**PAYMENT, "deposit_account": "1999"},
        400,
        "unknown_reference",
        "deposit_account",
        "gl-accounts/",
    ),
    (
        "over-applied invoice",
        "payments/",
        {
            **PAYMENT,
            "amount": "90.00",
            "applications": [{"invoice_number": "A-INV-2", "amount": "90.00"}],
        },
        409,
        "over_application",
        "applications",
        "80.00",
    ),
    (
        "applied more than paid",
        "payments/",
        {**PAYMENT, "applications": [{"invoice_number": "A-INV-2", "amount": "30.00"}]},
        409,
        "over_application",
        "applications",
        "20.00",
    ),
    (
        "unknown invoice",
        "payments/",
        {**PAYMENT, "applications": [{"invoice_number": "X", "amount": "1.00"}]},
        400,
        "unknown_reference",
        "applications[0].invoice_number",
        "invoices/",
    ),
    (
        "apply nothing",
        "payments/A-PMT-1/apply",
        {"applications": []},
        400,
        "invalid_input",
        "applications",
        "invoice_number",
    ),
    (
        "void without reason",
        "invoices/A-INV-2/void",
        {"date": "2025-02-01", "reason": " "},
        400,
        "invalid_input",
        "reason",
        "audit",
    ),
    (
        "void without date",
        "payments/A-PMT-1/void",
        {"reason": "Bounced"},
        400,
        "invalid_input",
        "date",
        "required",
    ),
    (
        "member without a name",
        "members/",
        {"member_number": "N-1"},
        400,
        "invalid_input",
        "last_name",
        "name",
    ),
    (
        "member number too long",
        "members/",
        {"member_number": "N" * 31, "last_name": "Long"},
        400,
        "invalid_input",
        "member_number",
        "Shorten",
    ),
    (
        "member name not a string",
        "members/",
        {"member_number": "N-1", "last_name": 7},
        400,
        "invalid_input",
        "last_name",
        "quotes",
    ),
    (
        "member email",
        "members/",
        {"member_number": "N-1", "last_name": "X", "email": "not an email"},
        400,
        "invalid_input",
        "email",
        "@",
    ),
    (
        "member number taken",
        "members/",
        {"member_number": "A-100", "last_name": "Twin"},
        400,
        "invalid_input",
        "member_number",
        "another",
    ),
    (
        "GL kind",
        "gl-accounts/",
        {"number": "5000", "name": "Assets", "kind": "asset"},
        400,
        "invalid_input",
        "kind",
        "income",
    ),
    ("body not an object", "gl-accounts/", ["5000"], 400, "invalid_input", None, "object"),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "field", "fix_words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_names_field_and_fix_and_writes_nothing(
    scene: Scene,
    bookkeeper: Caller,
    path: str,
    body: Any,
    status: int,
    code: str,
    field: str | None,
    fix_words: str,
) -> None:
    before = snapshot(scene.books.org)

    reply = bookkeeper.post(f"orgs/acme/{path}", body)

    assert reply.status == status, reply.body
    assert reply.error["code"] == code
    assert reply.error["field"] == field
    assert reply.error["message"]
    assert fix_words in reply.error["fix"], reply.error
    assert snapshot(scene.books.org) == before


@pytest.mark.parametrize(
    "raw",
    [b"", b"{not json", b'{"amount": NaN}', b"\xff\xfe"],
    ids=["empty", "broken", "NaN", "bytes"],
)
def test_a_body_that_is_not_json_is_refused(scene: Scene, bookkeeper: Caller, raw: bytes) -> None:
    before = snapshot(scene.books.org)

    reply = bookkeeper.client.post(
        "/api/v1/orgs/acme/payments/",
        raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {bookkeeper.token}"},
    )

    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "invalid_input"
    assert "JSON" in reply.json()["error"]["fix"]
    assert snapshot(scene.books.org) == before


def test_a_bad_query_parameter_is_refused(scene: Scene, bookkeeper: Caller) -> None:
    for query, field in (
        ({"status": "overdue"}, "status"),
        ({"from": "yesterday"}, "from"),
        ({"page_size": "500"}, "page_size"),
        ({"page": "0"}, "page"),
    ):
        reply = bookkeeper.get("orgs/acme/invoices/", **query)
        assert reply.status == 400, query
        assert reply.error["field"] == field
        assert reply.error["fix"]


def test_patch_with_nothing_wrong_but_a_null_keeps_the_field(
    scene: Scene, bookkeeper: Caller
) -> None:
    reply = bookkeeper.patch("orgs/acme/members/A-100/", {"first_name": None, "city": "York"})

    assert reply.status == 200
    assert (reply.body["first_name"], reply.body["city"]) == ("Ada", "York")
