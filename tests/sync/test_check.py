"""Stage 1: the check lists what a sync would send, in order, and every error with its fix."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from memberbooks.exports import actions as exports
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.models import Invoice, Member, Payment
from memberbooks.mapping import actions as mapping
from memberbooks.sync.check import check
from memberbooks.sync.markers import note_with_marker
from memberbooks.sync.models import SyncSettings
from tests.mapping.conftest import Connected


def go(qb: Connected, *docs: Invoice | Payment) -> None:
    exports.mark(qb.actor, [(exports.doc_type_of(d), d.pk) for d in docs], True, "send it")


def link(qb: Connected, member: Member) -> str:
    customer = qb.customer(member.display_name)
    mapping.link_member(qb.actor, member, customer["Id"])
    return str(customer["Id"])


def map_all(qb: Connected) -> None:
    mapping.map_gl(qb.actor, qb.books.dues, item_id=qb.find("Item", "Annual Membership")["Id"])
    mapping.map_gl(qb.actor, qb.books.bank, account_id=qb.find("Account", "Checking")["Id"])


def codes(plan_json: dict[str, object]) -> list[tuple[str, str]]:
    errors = plan_json["errors"]
    assert isinstance(errors, list)
    return sorted((e["transaction"], e["code"]) for e in errors)


def close_books(qb: Connected, on: str) -> None:
    """Set QuickBooks' closing date (Preferences BookCloseDate) in the emulator."""
    prefs = qb.client.request("GET", "preferences")["Preferences"]
    qb.client.sparse_update(
        "Preferences",
        prefs["Id"],
        prefs["SyncToken"],
        {"AccountingInfoPrefs": {"BookCloseDate": on}},
    )


def test_a_clean_plan_counts_and_totals_per_kind_in_dependency_order(qb: Connected) -> None:
    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    first = books.invoice(pat, "100.00", "2026-01-10")
    second = books.invoice(pat, "50.00", "2026-01-12")
    paid = books.pay(pat, "120.00", "2026-01-20", (first, "100.00"), (second, "20.00"))
    go(qb, first, second, paid)

    plan = check(qb.actor)

    assert [(i.kind, i.doc.doc_id) for i in plan.items] == [
        ("invoice", first.pk),
        ("invoice", second.pk),
        ("payment", paid.pk),
    ]
    assert plan.as_json()["by_kind"] == {
        "invoice": {"count": 2, "total": "150.00"},
        "payment": {"count": 1, "total": "120.00"},
    }
    assert plan.errors == [] and plan.held == []


def test_unlinked_unmapped_and_closed_books_are_errors_and_dependants_held(
    qb: Connected,
) -> None:
    books = qb.books
    pat, lee = books.member("Smith"), books.member("Lee")
    link(qb, pat)
    mapping.map_gl(qb.actor, books.bank, account_id=qb.find("Account", "Checking")["Id"])
    unmapped = books.invoice(pat, "100.00", "2026-01-10")  # dues GL not mapped
    unlinked = books.invoice(lee, "40.00", "2026-01-10")
    pays_unmapped = books.pay(pat, "100.00", "2026-01-20", (unmapped, "100.00"))
    go(qb, unmapped, unlinked, pays_unmapped)

    plan = check(qb.actor).as_json()

    assert codes(plan) == sorted(
        [
            (f"invoice {unlinked.number}", "gl_not_mapped"),
            (f"invoice {unlinked.number}", "member_not_linked"),
            (f"invoice {unmapped.number}", "gl_not_mapped"),
        ]
    )
    assert [(h["transaction"], h["code"]) for h in plan["held"]] == [  # type: ignore[union-attr]
        (f"payment {pays_unmapped.number}", "held")
    ]
    error = next(e for e in plan["errors"] if e["code"] == "member_not_linked")  # type: ignore[union-attr]
    assert "Link member M0002 on Member Status" in error["fix"]
    assert error["fix_page"] == "qb-members"
    assert plan["items"] == 0


def test_closing_date_inactive_customer_and_a_taken_number(qb: Connected) -> None:
    books = qb.books
    pat, lee = books.member("Smith"), books.member("Lee")
    link(qb, pat)
    lee_customer = qb.client.read("Customer", link(qb, lee))
    qb.client.deactivate("Customer", lee_customer["Id"], lee_customer["SyncToken"])
    map_all(qb)
    old = books.invoice(pat, "10.00", "2025-12-20")
    taken = books.invoice(pat, "20.00", "2026-02-01")
    inactive = books.invoice(lee, "30.00", "2026-02-01")
    go(qb, old, taken, inactive)
    close_books(qb, "2025-12-31")
    qb.client.create(
        "Invoice",
        {
            "DocNumber": taken.number,
            "CustomerRef": {"value": qb.client.query_all("Customer", {}).__next__()["Id"]},
            "Line": [
                {
                    "Amount": 5,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
                }
            ],
        },
    )

    plan = check(qb.actor).as_json()

    assert codes(plan) == sorted(
        [
            (f"invoice {inactive.number}", "customer_inactive"),
            (f"invoice {old.number}", "books_closed"),
            (f"invoice {taken.number}", "doc_number_taken"),
        ]
    )


def test_a_document_already_in_quickbooks_with_our_marker_is_adopted_not_sent_again(
    qb: Connected,
) -> None:
    books = qb.books
    pat = books.member("Smith")
    customer_id = link(qb, pat)
    map_all(qb)
    invoice = books.invoice(pat, "10.00", "2026-02-01")
    go(qb, invoice)
    made = qb.client.create(
        "Invoice",
        {
            "DocNumber": invoice.number,
            "CustomerRef": {"value": customer_id},
            "PrivateNote": note_with_marker("", books.org.slug, "invoice", invoice.pk),
            "Line": [
                {
                    "Amount": 10,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
                }
            ],
        },
    )

    plan = check(qb.actor)

    assert [(i.operation, i.qb_id) for i in plan.items] == [("adopt", made["Id"])]


def test_no_go_invoice_makes_its_payment_an_error_and_undecided_are_counted(
    qb: Connected,
) -> None:
    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    kept_out = books.invoice(pat, "100.00", "2026-01-10")
    paid = books.pay(pat, "100.00", "2026-01-20", (kept_out, "100.00"))
    books.invoice(pat, "5.00", "2026-01-11")  # undecided, no in-sync point
    exports.mark(qb.actor, [("invoice", kept_out.pk)], False, "entered by hand")
    go(qb, paid)

    plan = check(qb.actor).as_json()

    assert codes(plan) == [(f"payment {paid.number}", "depends_on_unexported")]
    assert plan["undecided"] == 1


def test_corrections_follow_the_settings_and_customers_are_created_when_allowed(
    qb: Connected,
) -> None:
    books = qb.books
    pat, lee = books.member("Smith"), books.member("Lee")
    link(qb, pat)
    map_all(qb)
    sent = books.invoice(pat, "100.00", "2026-01-10")
    go(qb, sent)
    exports.mark_exported(sent, "77", dt.datetime(2026, 1, 11, tzinfo=dt.UTC))
    ledger.void_invoice(books.actor, sent, dt.date(2026, 1, 15), "duplicate")
    new = books.invoice(lee, "40.00", "2026-01-16")
    go(qb, new)
    SyncSettings.objects.create(organisation=books.org, create_customers=True, voids="review")

    plan = check(qb.actor)

    assert [(i.kind, i.doc.doc_id) for i in plan.items] == [
        ("customer", lee.pk),
        ("invoice", new.pk),
    ]
    assert [(i.kind, i.qb_id) for i in plan.review] == [("void", "77")]
    SyncSettings.objects.filter(organisation=books.org).update(voids="automatic")
    assert [i.kind for i in check(qb.actor).items] == ["customer", "invoice", "void"]


def test_cli_check_json_has_items_by_kind_and_errors(qb: Connected) -> None:
    books = qb.books
    pat = books.member("Smith")
    invoice = books.invoice(pat, "12.50", "2026-01-10")
    go(qb, invoice)
    out = StringIO()
    call_command("sync", books.org.slug, "--check", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["items"] == 0 and data["by_kind"] == {}
    assert {e["code"] for e in data["errors"]} == {"member_not_linked", "gl_not_mapped"}
    assert all(set(e) >= {"transaction", "code", "message", "fix"} for e in data["errors"])


def test_check_needs_a_bookkeeper(qb: Connected) -> None:
    with pytest.raises(PermissionDenied):
        check(qb.viewer)
