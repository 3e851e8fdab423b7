"""The Transaction Status page: decisions and outcomes, filters, marking, cursor paging and CSV."""

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from memberbooks.audit.models import AuditEntry
from memberbooks.connections.models import Environment, QboConnection, Status
from memberbooks.events import actions as event_actions
from memberbooks.exports import actions
from memberbooks.exports.models import ExportDecision
from memberbooks.ledger import actions as ledger_actions
from memberbooks.web.views import qb_transactions
from memberbooks.web.views.qb_transactions import quickbooks_url
from tests.web.conftest import Ledger, body


def url(ledger: Ledger, **query: str) -> str:
    base = reverse("qb-transactions", args=[ledger.books.org.slug])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found, f"no figure {name}"
    return found.group(1).strip()


def rows(html: str) -> list[str]:
    """The `type:id` of each listed row, in page order."""
    return re.findall(r'<tr data-doc="([a-z_]+:\d+)"', html)


def row_html(html: str, key: str) -> str:
    found = re.search(rf'<tr data-doc="{key}".*?</tr>', html, re.S)
    assert found, f"no row {key}"
    return found.group(0)


def decisions(ledger: Ledger) -> dict[tuple[str, int], tuple[str, str]]:
    found = ExportDecision.objects.filter(organisation=ledger.books.org)
    return {(r.doc_type, r.doc_id): (r.decision, r.reason) for r in found}


def key(doc_type: str, doc: Any) -> str:
    return f"{doc_type}:{doc.pk}"


def test_viewer_sees_every_transaction_undecided_and_no_forms(
    viewer: Client, ledger: Ledger
) -> None:
    html = body(viewer.get(url(ledger)))
    assert sorted(rows(html)) == sorted(
        [
            key("invoice", ledger.ann_dues),
            key("invoice", ledger.ann_event),
            key("invoice", ledger.bob_dues),
            key("payment", ledger.bob_payment),
            key("credit_memo", ledger.ann_credit),
        ]
    )
    # newest first: Ann's credit 2026-06-10 ... Bob's dues 2026-02-01
    assert rows(html)[0] == key("credit_memo", ledger.ann_credit)
    assert rows(html)[-1] == key("invoice", ledger.bob_dues)
    summary_url = reverse("qb-transactions-summary", args=[ledger.books.org.slug])
    assert f'hx-get="{summary_url}?' in html and 'data-figure="count"' not in html
    inline = body(viewer.get(url(ledger, summary="1")))
    assert figure(inline, "count") == "5" and len(rows(inline)) == 5
    part = body(viewer.get(summary_url))
    assert figure(part, "count") == "5"
    assert figure(part, "undecided-count") == "5"
    # 120 + 80 + 300 + 50 + 15
    assert figure(part, "undecided-total") == "565.00"
    assert figure(part, "invoice-undecided-total") == "500.00"
    assert 'name="doc"' not in html and 'id="mark-form"' not in html
    assert "Undecided" in row_html(html, key("payment", ledger.bob_payment))


def test_viewer_post_is_forbidden_and_writes_nothing(viewer: Client, ledger: Ledger) -> None:
    response = viewer.post(
        url(ledger),
        {"doc": key("invoice", ledger.ann_dues), "decision": "go", "reason": "sneaky"},
    )
    assert response.status_code == 403
    assert decisions(ledger) == {}


def test_outsider_gets_404_for_page_and_csv(outsider: Client, ledger: Ledger) -> None:
    assert outsider.get(url(ledger)).status_code == 404
    csv_url = reverse("qb-transactions-csv", args=[ledger.books.org.slug])
    assert outsider.get(csv_url).status_code == 404
    response = outsider.post(
        url(ledger), {"doc": key("invoice", ledger.ann_dues), "decision": "go", "reason": "x"}
    )
    assert response.status_code == 404 and decisions(ledger) == {}


def test_bookkeeper_marks_many_with_a_reason(bookkeeper: Client, ledger: Ledger) -> None:
    ticked = [key("invoice", ledger.bob_dues), key("payment", ledger.bob_payment)]
    response = bookkeeper.post(
        url(ledger, type="invoice"),
        {"doc": ticked, "decision": "no_go", "reason": "already in QuickBooks"},
    )
    assert response.status_code == 302 and response["Location"] == url(ledger, type="invoice")
    assert decisions(ledger) == {
        ("invoice", ledger.bob_dues.pk): ("no_go", "already in QuickBooks"),
        ("payment", ledger.bob_payment.pk): ("no_go", "already in QuickBooks"),
    }
    audit = AuditEntry.objects.filter(action="export.mark").order_by("pk")
    assert [(a.subject_type, a.actor, a.after["decision"]) for a in audit] == [
        ("invoice", "bea", "no_go"),
        ("payment", "bea", "no_go"),
    ]
    html = body(bookkeeper.get(url(ledger)))
    assert "Marked 2 transactions Do not export." in html
    assert "already in QuickBooks" in row_html(html, key("invoice", ledger.bob_dues))
    assert "Do not export" in row_html(html, key("payment", ledger.bob_payment))
    html = body(bookkeeper.get(url(ledger, summary="1")))
    assert (figure(html, "no_go-count"), figure(html, "no_go-total")) == ("2", "350.00")
    assert figure(html, "undecided-count") == "3"

    bookkeeper.post(
        url(ledger),
        {"doc": key("invoice", ledger.bob_dues), "decision": "go", "reason": "changed my mind"},
    )
    assert decisions(ledger)[("invoice", ledger.bob_dues.pk)] == ("go", "changed my mind")
    last = AuditEntry.objects.filter(action="export.mark").latest("pk")
    assert last.before["decision"] == "no_go" and last.after["decision"] == "go"


def test_missing_reason_and_nothing_ticked_show_errors_and_write_nothing(
    bookkeeper: Client, ledger: Ledger
) -> None:
    ticked = key("invoice", ledger.ann_dues)
    response = bookkeeper.post(url(ledger), {"doc": ticked, "decision": "go", "reason": " "})
    assert response.status_code == 400
    html = body(response)
    assert "This field is required" in html
    assert re.search(rf'value="{ticked}"[^>]*checked', html)  # the tick is kept
    response = bookkeeper.post(url(ledger), {"decision": "go", "reason": "ok"})
    assert response.status_code == 400
    assert "No transaction is ticked. Tick the rows to mark" in body(response)
    assert decisions(ledger) == {}
    assert not AuditEntry.objects.filter(action="export.mark").exists()


def test_another_organisations_document_is_refused(
    bookkeeper: Client, ledger: Ledger, foreign: Ledger
) -> None:
    ticked = [key("invoice", ledger.ann_dues), key("invoice", foreign.ann_dues)]
    response = bookkeeper.post(url(ledger), {"doc": ticked, "decision": "go", "reason": "mine"})
    assert response.status_code == 400
    assert f"No invoice with id {foreign.ann_dues.pk}. Check the id." in body(response)
    assert not ExportDecision.objects.exists()
    response = bookkeeper.post(url(ledger), {"doc": "invoice:x", "decision": "go", "reason": "r"})
    assert "is not a transaction" in body(response) and not ExportDecision.objects.exists()


def test_filters_by_type_dates_decision_member_and_source(viewer: Client, ledger: Ledger) -> None:
    books = ledger.books
    actions.mark(books.actor, [("invoice", ledger.ann_event.pk)], True, "event income")
    assert rows(body(viewer.get(url(ledger, type="payment")))) == [
        key("payment", ledger.bob_payment)
    ]
    html = body(viewer.get(url(ledger, date_from="2026-04-01", date_to="2026-05-31")))
    assert rows(html) == [key("payment", ledger.bob_payment), key("invoice", ledger.ann_event)]
    assert rows(body(viewer.get(url(ledger, decision="go")))) == [key("invoice", ledger.ann_event)]
    assert len(rows(body(viewer.get(url(ledger, decision="undecided"))))) == 4
    assert rows(body(viewer.get(url(ledger, status="pending")))) == [
        key("invoice", ledger.ann_event)
    ]
    html = body(viewer.get(url(ledger, member_number=ledger.bob.member_number, summary="1")))
    assert sorted(rows(html)) == sorted(
        [key("invoice", ledger.bob_dues), key("payment", ledger.bob_payment)]
    )
    assert (figure(html, "count"), figure(html, "total")) == ("2", "350.00")
    gala = event_actions.register(
        books.actor, ledger.event, ledger.bob, ledger.fee, dt.date(2026, 6, 20)
    )
    source = rows(body(viewer.get(url(ledger, source="event"))))
    assert source == [key("invoice", gala.invoice)]
    assert key("invoice", gala.invoice) not in rows(body(viewer.get(url(ledger, source="dues"))))
    response = viewer.get(url(ledger, member_number="NOPE"))
    assert "No member NOPE" in body(response) and rows(body(response)) == []
    bad = body(viewer.get(url(ledger, date_from="2026-05-01", date_to="2026-04-01")))
    assert "The end date is before the start date." in bad
    part = reverse("qb-transactions-summary", args=[books.org.slug])
    assert viewer.get(part + "?type=payment").status_code == 200
    assert figure(body(viewer.get(part + "?type=payment")), "count") == "1"
    assert viewer.get(part + "?member_number=NOPE").status_code == 400


def test_exported_failed_changed_and_voided_rows(viewer: Client, ledger: Ledger) -> None:
    books = ledger.books
    refs = [("invoice", ledger.ann_dues.pk), ("invoice", ledger.bob_dues.pk)]
    refs.append(("payment", ledger.bob_payment.pk))
    actions.mark(books.actor, refs, True, "go")
    at = dt.datetime(2026, 7, 1, 9, 30, tzinfo=timezone.get_current_timezone())
    actions.mark_exported(ledger.ann_dues, "145", at)
    actions.mark_failed(ledger.bob_payment, "The customer is inactive in QuickBooks.")
    actions.mark_exported(ledger.bob_dues, "146", at)
    ledger_actions.void_payment(books.actor, ledger.bob_payment, dt.date(2026, 7, 2), "bounced")
    ledger_actions.void_invoice(books.actor, ledger.bob_dues, dt.date(2026, 7, 2), "twice")
    html = body(viewer.get(url(ledger)))
    exported = row_html(html, key("invoice", ledger.ann_dues))
    assert "Exported" in exported and "QuickBooks #145" in exported
    assert "2026-07-01 09:30" in exported
    assert "open in QuickBooks" not in exported  # not connected: no link
    failed = row_html(html, key("payment", ledger.bob_payment))
    assert "Failed" in failed and "The customer is inactive in QuickBooks." in failed
    assert 'class="voided"' in failed and "voided 2026-07-02" in failed
    changed = row_html(html, key("invoice", ledger.bob_dues))
    assert "Changed since export" in changed and "QuickBooks #146" in changed
    assert rows(body(viewer.get(url(ledger, status="exported")))) == [
        key("invoice", ledger.ann_dues)
    ]


def test_quickbooks_url_for_emulator_and_intuit(org: Any) -> None:
    emulator = QboConnection(
        organisation=org,
        environment=Environment.EMULATOR,
        emulator_url="http://127.0.0.1:8765",
        realm_id="9130",
        status=Status.CONNECTED,
    )
    assert quickbooks_url(emulator, "invoice", "12") == (
        "http://127.0.0.1:8765/_emulator/companies/9130/"
    )
    intuit = QboConnection(
        organisation=org, environment=Environment.PRODUCTION, status=Status.CONNECTED
    )
    assert quickbooks_url(intuit, "invoice", "12") == (
        "https://app.qbo.intuit.com/app/invoice?txnId=12"
    )
    assert quickbooks_url(intuit, "payment", "7").endswith("/app/recvpayment?txnId=7")
    assert quickbooks_url(intuit, "credit_memo", "8").endswith("/app/creditmemo?txnId=8")
    sandbox = QboConnection(
        organisation=org, environment=Environment.SANDBOX, status=Status.CONNECTED
    )
    assert quickbooks_url(sandbox, "refund", "9") == (
        "https://app.sandbox.qbo.intuit.com/app/refundreceipt?txnId=9"
    )
    assert quickbooks_url(intuit, "invoice", "") == ""
    intuit.status = Status.DISCONNECTED
    assert quickbooks_url(intuit, "invoice", "12") == ""
    assert quickbooks_url(None, "invoice", "12") == ""


def next_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]*)" rel="next">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_cursor_pages_cover_every_row_once(
    viewer: Client, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qb_transactions, "PER_PAGE", 2)
    first = body(viewer.get(url(ledger)))
    assert "First page" in first and 'href="?after=' not in first.split("First page")[0][-40:]
    seen, html, pages = rows(first), first, 1
    while (link := next_link(html)) is not None:
        assert "after=" in link
        html = body(viewer.get(url(ledger) + link))
        seen += rows(html)
        pages += 1
    assert pages == 3 and len(seen) == 5 and len(set(seen)) == 5
    assert seen == rows(body(viewer.get(url(ledger))))[:2] + seen[2:]
    # a filter is kept across pages
    html = body(viewer.get(url(ledger, type="invoice")))
    link = next_link(html)
    assert link is not None and "type=invoice" in link
    assert rows(body(viewer.get(url(ledger) + link))) == [key("invoice", ledger.bob_dues)]
    broken = body(viewer.get(url(ledger, after="garbage")))
    assert "is not a page cursor" in broken and len(rows(broken)) == 2


def test_csv_has_every_filtered_row_not_just_the_page(
    viewer: Client, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qb_transactions, "PER_PAGE", 2)
    monkeypatch.setattr(qb_transactions, "CSV_BATCH", 2)
    books = ledger.books
    actions.mark(books.actor, [("invoice", ledger.bob_dues.pk)], False, "=cmd|' /C calc'!A0")
    actions.mark(books.actor, [("invoice", ledger.ann_dues.pk)], True, "go")
    actions.mark_exported(
        ledger.ann_dues, "77", dt.datetime(2026, 7, 1, tzinfo=timezone.get_current_timezone())
    )
    csv_url = reverse("qb-transactions-csv", args=[books.org.slug])
    response = viewer.get(csv_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(body(response).lstrip("\ufeff"))))
    assert lines[0] == list(qb_transactions.CSV_HEADER)
    assert len(lines) == 6
    by_id = {(line[0], int(line[1])): line for line in lines[1:]}
    assert by_id[("invoice", ledger.bob_dues.pk)][5] == "300.00"
    assert by_id[("invoice", ledger.bob_dues.pk)][8:10] == ["no_go", "'=cmd|' /C calc'!A0"]
    exported = by_id[("invoice", ledger.ann_dues.pk)]
    assert exported[8:12] == ["go", "go", "exported", "77"] and exported[12].startswith(
        "2026-07-01"
    )
    assert by_id[("payment", ledger.bob_payment.pk)][8] == "undecided"
    filtered = body(viewer.get(csv_url + f"?member_number={ledger.ann.member_number}"))
    assert len(list(csv.reader(io.StringIO(filtered.lstrip("\ufeff"))))) == 1 + 3
    bad = viewer.get(csv_url + "?member_number=NOPE")
    assert bad.status_code == 400 and "No member NOPE" in body(bad)
