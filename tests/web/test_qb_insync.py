"""The Starting-in-sync page: AR comparison against the real emulator, confirm, mass marking, undo."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from memberbooks.audit.models import AuditEntry
from memberbooks.exports import actions
from memberbooks.exports.models import ExportDecision, InSyncPoint, MarkBatch
from memberbooks.mapping.actions import link_member
from memberbooks.quickbooks.online import wire
from memberbooks.tenancy.actions import add_user
from memberbooks.tenancy.models import Role
from tests.books import Books
from tests.connections.conftest import emulator_url, site
from tests.mapping.conftest import Connected, qb
from tests.web.conftest import PASSWORD, body

__all__ = ["emulator_url", "qb", "site"]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found, f"no figure {name}"
    return found.group(1).strip()


def page_url(slug: str, date: str = "") -> str:
    return reverse("qb-insync", args=[slug]) + (f"?date={date}" if date else "")


def decisions(books: Books) -> dict[tuple[str, int], tuple[str, str]]:
    found = ExportDecision.objects.filter(organisation=books.org)
    return {(r.doc_type, r.doc_id): (r.decision, r.reason) for r in found}


def qb_invoice(qb: Connected, customer: str, amount: str, date: str) -> None:
    qb.client.create(
        "Invoice",
        wire.invoice_json(
            wire.QbInvoice(
                id=None,
                customer_id=customer,
                txn_date=day(date),
                lines=(wire.QbLine(amount=Decimal(amount), item_id="1"),),
            )
        ),
    )


def two_members_in_both_systems(qb: Connected) -> dict[str, Any]:
    """MMS: Smith 100 - 30 paid = 70; Lee 80 open and 20 unapplied -> AR 150, net 130.
    QuickBooks: Smith 70; Lee 80 + 15 = 95 -> 165. Difference 130 - 165 = -35, all Lee's."""
    books = qb.books
    pat, lee = books.member("Smith"), books.member("Lee")
    jan = books.invoice(pat, "100.00", "2026-01-10")
    books.pay(pat, "30.00", "2026-01-20", (jan, "30.00"))
    books.invoice(lee, "80.00", "2026-01-15")
    books.pay(lee, "20.00", "2026-01-25")
    smith = str(qb.customer("Pat Smith")["Id"])
    lee_c = str(qb.customer("Pat Lee")["Id"])
    qb_invoice(qb, smith, "70.00", "2026-01-10")
    qb_invoice(qb, lee_c, "80.00", "2026-01-15")
    qb_invoice(qb, lee_c, "15.00", "2026-01-28")
    link_member(books.actor, pat, smith)
    link_member(books.actor, lee, lee_c)
    return {"lee": lee, "jan": jan}


def test_comparison_shows_hand_computed_ar_and_per_customer_difference(qb: Connected) -> None:
    made = two_members_in_both_systems(qb)
    viewer = qb.site.client(Role.VIEWER)
    html = body(viewer.get(page_url("acme", "2026-01-31")))
    assert figure(html, "mms-total") == "150.00"
    assert figure(html, "mms-net") == "130.00"
    assert figure(html, "qb-total") == "165.00"
    assert figure(html, "difference") == "-35.00"
    lee = made["lee"]
    assert figure(html, f"difference-{lee.member_number}") == "-35.00"
    assert html.count("<tr data-member=") == 1  # Smith agrees, so only Lee is listed
    assert "Only an admin can confirm the in-sync point; you are a viewer." in html
    assert "qb-insync-confirm" not in html and "/qb/insync/confirm/" not in html
    assert 'action="/o/acme/qb/insync/mark/"' not in html  # viewers get no mass-mark form
    # the day before QuickBooks' extra 15.00 both sides agree on Lee's invoices only
    html = body(viewer.get(page_url("acme", "2026-01-16")))
    assert (figure(html, "mms-net"), figure(html, "qb-total")) == ("180.00", "150.00")


def test_admin_confirms_the_point_and_bookkeeper_cannot(qb: Connected) -> None:
    books = qb.books
    old = books.invoice(books.member("Smith"), "10.00", "2026-01-10")
    new = books.invoice(books.member("Lee"), "12.00", "2026-02-10")
    bookkeeper = qb.site.client(Role.BOOKKEEPER)
    html = body(bookkeeper.get(page_url("acme", "2026-02-01")))
    assert "Only an admin can confirm the in-sync point; you are a bookkeeper." in html
    assert bookkeeper.post("/o/acme/qb/insync/confirm/", {"date": "2026-02-01"}).status_code == 403
    assert not InSyncPoint.objects.exists() and not ExportDecision.objects.exists()

    admin = qb.site.client(Role.ADMIN)
    html = body(admin.get(page_url("acme", "2026-02-01")))
    assert "Confirm in sync at 2026-02-01" in html and "No in-sync point yet." in html
    response = admin.post(reverse("qb-insync-confirm", args=["acme"]), {"date": "2026-02-01"})
    assert response.status_code == 302
    point = InSyncPoint.objects.get()
    assert (point.date, point.set_by) == (day("2026-02-01"), "admin-acme")
    assert (point.mms_ar_total, point.mms_ar_net, point.qb_ar_total) == (
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("0.00"),
    )
    assert decisions(books) == {
        ("invoice", old.pk): ("no_go", "before in-sync point"),
        ("invoice", new.pk): ("go", "on or after in-sync point"),
    }
    assert AuditEntry.objects.get(action="export.set_insync_point").actor == "admin-acme"
    html = body(admin.get(response["Location"]))
    assert "In sync at 2026-02-01: 2 transactions marked" in html
    assert figure(html, "current-date") == "2026-02-01"
    assert re.search(r'data-point="\d+" class="current"><td>2026-02-01', html)
    # the page defaults to the current point's date
    assert 'name="date" value="2026-02-01"' in body(admin.get(page_url("acme")))


def test_confirming_a_future_date_is_refused_with_the_fix(qb: Connected) -> None:
    admin = qb.site.client(Role.ADMIN)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = admin.post(reverse("qb-insync-confirm", args=["acme"]), {"date": tomorrow})
    html = body(admin.get(response["Location"]))
    assert f"{tomorrow} is in the future. Pick today or an earlier date." in html
    assert not InSyncPoint.objects.exists() and not MarkBatch.objects.exists()


@pytest.fixture
def admin(books: Books) -> Client:
    client = Client()
    client.force_login(add_user(books.org, "ada", PASSWORD, Role.ADMIN))
    return client


def test_not_connected_says_so_and_links_to_config(viewer: Client, books: Books) -> None:
    html = body(viewer.get(page_url("acme")))
    assert "Not connected to QuickBooks" in html
    assert reverse("qbo-config", args=["acme"]) in html
    assert 'data-figure="qb-total"' not in html


MARK = reverse("qb-insync-mark", args=["acme"])


def mark_data(**extra: object) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date_from": "",
        "date_to": "2026-01-31",
        "types": ["invoice", "payment"],
        "decision": "no_go",
        "reason": "entered in QuickBooks by hand",
    }
    return data | extra


@pytest.fixture
def jan_feb(books: Books) -> dict[str, Any]:
    pat = books.member("Smith")
    jan = books.invoice(pat, "100.00", "2026-01-10")
    pay = books.pay(pat, "40.00", "2026-01-31", (jan, "40.00"))
    feb = books.invoice(pat, "25.00", "2026-02-01")
    return {"jan": jan, "pay": pay, "feb": feb}


def test_mass_mark_preview_then_apply_without_connection(
    bookkeeper: Client, books: Books, jan_feb: dict[str, Any]
) -> None:
    response = bookkeeper.post(MARK, mark_data(action="preview"))
    assert response.status_code == 200
    html = body(response)
    assert (figure(html, "preview-count"), figure(html, "preview-total")) == ("2", "140.00")
    assert figure(html, "preview-invoice-total") == "100.00"
    assert figure(html, "preview-payment-count") == "1"
    assert "Not connected to QuickBooks" in html
    assert not ExportDecision.objects.exists() and not MarkBatch.objects.exists()
    assert 'name="previewed" value="2"' in html

    response = bookkeeper.post(
        MARK, mark_data(action="apply", previewed="2", previewed_total="140.00")
    )
    assert response.status_code == 302
    jan, pay = jan_feb["jan"], jan_feb["pay"]
    reason = "entered in QuickBooks by hand"
    assert decisions(books) == {
        ("invoice", jan.pk): ("no_go", reason),
        ("payment", pay.pk): ("no_go", reason),
    }
    batch = MarkBatch.objects.get()
    assert (batch.count, batch.total, batch.marked_by) == (2, Decimal("140.00"), "bea")
    assert AuditEntry.objects.filter(action="export.mass_mark").count() == 1
    html = body(bookkeeper.get(response["Location"]))
    assert f"Batch {batch.pk}: marked 2 transactions totalling 140.00 Do not export." in html
    assert re.search(rf'name="batch" value="{batch.pk}"', html)


def test_apply_after_the_books_changed_shows_the_new_preview(
    bookkeeper: Client, books: Books, jan_feb: dict[str, Any]
) -> None:
    books.invoice(books.member("Lee"), "5.00", "2026-01-05")  # posted after the preview of 2
    response = bookkeeper.post(
        MARK, mark_data(action="apply", previewed="2", previewed_total="140.00")
    )
    assert response.status_code == 409
    html = body(response)
    assert "changed since the preview" in html and figure(html, "preview-count") == "3"
    assert not ExportDecision.objects.exists() and not MarkBatch.objects.exists()


def test_mass_mark_needs_reason_types_and_dates_in_order(
    bookkeeper: Client, jan_feb: dict[str, Any]
) -> None:
    response = bookkeeper.post(MARK, mark_data(action="preview", reason=""))
    assert response.status_code == 400 and "This field is required" in body(response)
    response = bookkeeper.post(MARK, mark_data(action="apply", types=[], previewed="0"))
    assert response.status_code == 400 and "Tick at least one type." in body(response)
    response = bookkeeper.post(MARK, mark_data(action="preview", date_from="2026-02-01"))
    assert "The end date is before the start date." in body(response)
    assert not ExportDecision.objects.exists() and not MarkBatch.objects.exists()


def test_undo_only_the_latest_batch(
    bookkeeper: Client, books: Books, jan_feb: dict[str, Any]
) -> None:
    jan, feb = jan_feb["jan"], jan_feb["feb"]
    actions.mark(books.actor, [("invoice", jan.pk)], True, "exported by hand")
    first = actions.mass_mark(books.actor, None, day("2026-01-31"), ["invoice"], False, "old")
    second = actions.mass_mark(books.actor, day("2026-02-01"), None, ["invoice"], True, "new")
    html = body(bookkeeper.get(page_url("acme")))
    assert re.search(rf'name="batch" value="{second.pk}"', html)
    assert not re.search(rf'name="batch" value="{first.pk}"', html)
    undo = reverse("qb-insync-undo", args=["acme"])
    response = bookkeeper.post(undo, {"batch": str(first.pk)})
    html = body(bookkeeper.get(response["Location"]))
    assert f"Batch {second.pk} came after batch {first.pk}. Undo the later batches first." in html
    bookkeeper.post(undo, {"batch": str(second.pk)})
    bookkeeper.post(undo, {"batch": str(first.pk)})
    assert decisions(books) == {("invoice", jan.pk): ("go", "exported by hand")}
    assert ("invoice", feb.pk) not in decisions(books)
    assert AuditEntry.objects.filter(action="export.undo_mass_mark", actor="bea").count() == 2
    html = body(bookkeeper.get(page_url("acme")))
    assert html.count("undone by bea") == 2 and 'name="batch"' not in html


def test_viewer_posts_are_forbidden_and_outsiders_get_404(
    viewer: Client, outsider: Client, admin: Client, books: Books, jan_feb: dict[str, Any]
) -> None:
    batch = actions.mass_mark(books.actor, None, day("2026-01-31"), [], False, "old")
    assert viewer.post(MARK, mark_data(action="preview")).status_code == 403
    undo = reverse("qb-insync-undo", args=["acme"])
    assert viewer.post(undo, {"batch": str(batch.pk)}).status_code == 403
    confirm = reverse("qb-insync-confirm", args=["acme"])
    assert viewer.post(confirm, {"date": "2026-01-01"}).status_code == 403
    html = body(viewer.get(page_url("acme")))
    assert "you are a viewer" in html and 'name="batch"' not in html
    assert outsider.get(page_url("acme")).status_code == 404
    assert outsider.post(MARK, mark_data(action="preview")).status_code == 404
    assert outsider.post(undo, {"batch": str(batch.pk)}).status_code == 404
    assert MarkBatch.objects.get().undone_at is None
    # an admin without a connection cannot confirm: the comparison says why
    response = admin.post(confirm, {"date": "2026-01-01"})
    assert "not connected to QuickBooks" in body(admin.get(response["Location"]))
    assert not InSyncPoint.objects.exists()
