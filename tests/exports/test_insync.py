"""The in-sync point and the AR comparison, against the real emulator over loopback."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import httpx
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from memberbooks.audit.models import AuditEntry
from memberbooks.connections.clients import client_for
from memberbooks.exports import actions
from memberbooks.exports.models import ExportDecision, InSyncPoint, MarkBatch
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import CreditMemoDraft, LineDraft
from memberbooks.mapping.actions import link_member
from memberbooks.quickbooks.online import wire
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role
from tests.books import Books, D
from tests.connections.conftest import Site
from tests.connections.test_refresh import cli_connect

POINT = dt.date(2026, 3, 1)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def admin(books: Books) -> Actor:
    return Actor(books.org, Role.ADMIN, "admin")


def qb_invoice(site: Site, customer: str, amount: str, date: str) -> None:
    body = wire.invoice_json(
        wire.QbInvoice(
            id=None,
            customer_id=customer,
            txn_date=day(date),
            lines=(wire.QbLine(amount=Decimal(amount), item_id="1"),),
        )
    )
    with httpx.Client(timeout=30) as http:
        client_for(site.connection(), http).create("Invoice", body)


def qb_customer(site: Site, name: str) -> str:
    with httpx.Client(timeout=30) as http:
        made = client_for(site.connection(), http).create("Customer", {"DisplayName": name})
    return str(made["Id"])


def hand_built(books: Books) -> dict[tuple[str, int], str]:
    """A ledger around the point; returns each document's expected decision."""
    pat, lee = books.member("Smith"), books.member("Lee")
    jan = books.invoice(pat, "100.00", "2026-01-10")
    voided = books.invoice(pat, "50.00", "2026-02-20")
    ledger.void_invoice(books.actor, voided, day("2026-03-05"), "billed twice")
    pay = books.pay(pat, "60.00", "2026-02-28", (jan, "60.00"))
    memo = ledger.post_credit_memo(
        books.actor,
        CreditMemoDraft(
            member=pat, date=day("2026-02-15"), lines=[LineDraft(books.dues, D("30.00"))]
        ),
    )
    memo_refund = ledger.refund(books.actor, memo, D("30.00"), day("2026-03-02"), books.bank)
    mar = books.invoice(lee, "200.00", "2026-03-01")
    later = books.pay(lee, "250.00", "2026-03-10", (mar, "200.00"))
    pay_refund = ledger.refund(books.actor, later, D("50.00"), day("2026-03-15"), books.bank)
    voided_payment = books.pay(lee, "5.00", "2026-02-27")
    ledger.void_payment(books.actor, voided_payment, day("2026-03-03"), "bounced")
    return {
        ("invoice", jan.pk): "no_go",
        ("invoice", voided.pk): "no_go",
        ("payment", pay.pk): "no_go",
        ("payment", voided_payment.pk): "no_go",
        ("credit_memo", memo.pk): "no_go",
        ("refund", memo_refund.pk): "go",
        ("invoice", mar.pk): "go",
        ("payment", later.pk): "go",
        ("refund", pay_refund.pk): "go",
    }


def test_insync_point_marks_exactly_before_no_go_and_on_or_after_go(site: Site) -> None:
    cli_connect(site)
    books = Books(site.org)
    expected = hand_built(books)
    point = actions.set_insync_point(admin(books), POINT)
    rows = ExportDecision.objects.filter(organisation=site.org)
    assert {(r.doc_type, r.doc_id): r.decision for r in rows} == expected
    reasons = {r.decision: r.reason for r in rows}
    assert reasons == {"no_go": "before in-sync point", "go": "on or after in-sync point"}
    comparison = actions.compare_ar(admin(books), POINT)
    assert (point.mms_ar_total, point.mms_ar_net) == (comparison.mms_total, comparison.mms_net)
    assert point.qb_ar_total == D("0.00") and point.batch is not None
    assert point.batch.count == len(expected)
    assert AuditEntry.objects.filter(action="export.set_insync_point").count() == 1
    actions.undo_mass_mark(admin(books), point.batch.pk)
    assert not ExportDecision.objects.filter(organisation=site.org).exists()


def test_compare_ar_equals_hand_computed_figures(site: Site) -> None:
    cli_connect(site)
    books = Books(site.org)
    pat, lee = books.member("Smith"), books.member("Lee")
    jan = books.invoice(pat, "100.00", "2026-01-10")
    books.pay(pat, "30.00", "2026-01-20", (jan, "30.00"))
    books.invoice(lee, "80.00", "2026-01-15")
    books.pay(lee, "20.00", "2026-01-25")  # unapplied: a credit in MMS AR
    smith, lee_c = qb_customer(site, "Pat Smith"), qb_customer(site, "Pat Lee")
    qb_invoice(site, smith, "70.00", "2026-01-10")
    qb_invoice(site, lee_c, "80.00", "2026-01-15")
    qb_invoice(site, lee_c, "15.00", "2026-01-28")  # the difference: only in QuickBooks
    link_member(books.actor, pat, smith)
    link_member(books.actor, lee, lee_c)
    comparison = actions.compare_ar(Actor(site.org, Role.VIEWER, "v"), day("2026-01-31"))
    # MMS: Smith 100 - 30 = 70, Lee 80 open = 150; net of Lee's 20 credit = 130.
    assert (comparison.mms_total, comparison.mms_net) == (D("150.00"), D("130.00"))
    # QuickBooks: 70 + 80 + 15 = 165.
    assert comparison.qb_total == D("165.00")
    assert comparison.difference == D("-35.00")
    # Per linked customer: Smith 70 = 70 (not listed); Lee 80 - 20 credit = 60 against 95.
    assert [c.as_json() for c in comparison.customers] == [
        {
            "member_id": lee.pk,
            "member": lee.member_number,
            "qb_customer_id": lee_c,
            "mms": "60.00",
            "quickbooks": "95.00",
            "difference": "-35.00",
        }
    ]
    with httpx.Client(timeout=30) as http:
        report = client_for(site.connection(), http).report(
            "AgedReceivables", report_date=day("2026-01-31")
        )
    assert actions.quickbooks_ar(report) == (D("165.00"), {smith: D("70.00"), lee_c: D("95.00")})
    out = StringIO()
    call_command("insync", "acme", "--date", "2026-01-31", "--json", "--compare-only", stdout=out)
    data = json.loads(out.getvalue())
    assert data["insync_point"] is None
    assert data["comparison"]["mms_ar_total"] == "150.00"
    assert data["comparison"]["quickbooks_ar"] == "165.00"
    assert data["comparison"]["difference"] == "-35.00"
    assert data["comparison"]["links_available"] is True
    assert [c["member"] for c in data["comparison"]["customers"]] == [lee.member_number]
    assert not InSyncPoint.objects.exists() and not ExportDecision.objects.exists()


def test_insync_cli_sets_the_point_by_default(site: Site) -> None:
    cli_connect(site)
    books = Books(site.org)
    old = books.invoice(books.member(), "10.00", "2026-01-10")
    new = books.invoice(books.member("Lee"), "12.00", "2026-02-10")
    out = StringIO()
    call_command("insync", "acme", "--date", "2026-02-01", stdout=out)
    assert "In-sync point set at 2026-02-01: 2 documents marked" in out.getvalue()
    assert ExportDecision.objects.get(doc_id=old.pk, doc_type="invoice").decision == "no_go"
    assert ExportDecision.objects.get(doc_id=new.pk, doc_type="invoice").decision == "go"
    assert InSyncPoint.objects.get().date == day("2026-02-01")


def test_bookkeeper_cannot_set_point_and_future_date_is_refused(books: Books) -> None:
    books.invoice(books.member(), "10.00", "2026-01-10")
    with pytest.raises(PermissionDenied):
        actions.set_insync_point(books.actor, day("2026-01-01"))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(actions.ExportError, match="is in the future") as caught:
        actions.set_insync_point(admin(books), tomorrow)
    assert caught.value.field == "date" and "Pick today or an earlier date" in str(caught.value)
    with pytest.raises(CommandError, match="is in the future"):
        call_command("insync", "acme", "--date", tomorrow.isoformat())
    assert not ExportDecision.objects.exists() and not InSyncPoint.objects.exists()
    assert not MarkBatch.objects.exists() and not AuditEntry.objects.exists()


def test_not_connected_is_a_clear_error(books: Books) -> None:
    with pytest.raises(actions.ExportError, match="not connected to QuickBooks"):
        actions.compare_ar(admin(books), day("2026-01-31"))
