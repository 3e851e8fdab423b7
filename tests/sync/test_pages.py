"""The Sync pages: the check, Continue, progress and results, Retry failed, history, CSVs, settings.

Against the real emulator over loopback; Django's ImmediateBackend runs the push
inside `runs.start`, so the run is finished when Continue's redirect comes back.
"""

import csv
import io
import re

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from memberbooks.audit.models import AuditEntry
from memberbooks.ledger.models import Invoice
from memberbooks.mapping import actions as mapping
from memberbooks.sync.models import OutboxItem, OutboxState, RunState, SyncRun, SyncSettings
from memberbooks.tenancy.actions import create_organisation
from memberbooks.tenancy.models import Role
from tests.mapping.conftest import Connected
from tests.sync.test_check import go, link, map_all


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found, f"no figure {name}"
    return found.group(1).strip()


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined, no-any-return]


def csv_rows(response: object) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(body)))


def url(name: str, *args: object) -> str:
    return reverse(name, args=["acme", *args])


def seen(html: str) -> str:
    found = re.search(r'name="seen" value="(\d+)"', html)
    assert found, "no Continue form"
    return found.group(1)


def one_fails(qb: Connected) -> tuple[Invoice, Invoice, str]:
    """Two invoices for a linked member; the second's item is made inactive in QuickBooks after
    mapping, so the check passes it and QuickBooks refuses it (as in test_push)."""
    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    services = qb.find("Item", "Services")
    mapping.map_gl(qb.actor, books.events, item_id=services["Id"])
    good = books.invoice(pat, "10.00", "2026-01-05")
    bad = books.invoice(pat, "20.00", "2026-01-06", account=books.events)
    go(qb, good, bad)
    qb.client.deactivate("Item", services["Id"], services["SyncToken"])
    return good, bad, str(services["Id"])


def test_check_page_counts_kinds_and_groups_errors_with_fix_links(qb: Connected) -> None:
    books = qb.books
    pat, lee = books.member("Smith"), books.member("Lee")
    link(qb, pat)
    map_all(qb)
    first = books.invoice(pat, "100.00", "2026-01-10")
    second = books.invoice(pat, "50.00", "2026-01-12")
    paid = books.pay(pat, "120.00", "2026-01-20", (first, "100.00"), (second, "20.00"))
    unlinked = books.invoice(lee, "40.00", "2026-01-10")
    pays_unlinked = books.pay(lee, "40.00", "2026-01-21", (unlinked, "40.00"))
    undecided = books.invoice(pat, "5.00", "2026-01-02")
    go(qb, first, second, paid, unlinked, pays_unlinked)
    client = qb.site.client(Role.BOOKKEEPER)

    html = text(client.get(url("qb-sync")))

    assert figure(html, "items") == "3"
    assert (figure(html, "count-invoice"), figure(html, "total-invoice")) == ("2", "150.00")
    assert (figure(html, "count-payment"), figure(html, "total-payment")) == ("1", "120.00")
    assert figure(html, "errors") == "2"  # Lee's invoice and payment: not linked
    assert figure(html, "errors-member_not_linked") == "2"
    assert figure(html, "undecided") == "1" and f"invoice {undecided.number}" not in html
    fix = re.search(r'class="fix-link" href="([^"]+)"', html)
    assert fix is not None
    assert fix.group(1).startswith(url("qb-members") + "?") and "member=M0002" in fix.group(1)
    fixed = client.get(fix.group(1).replace("&amp;", "&"))
    assert fixed.status_code == 200 and "M0002" in text(fixed)
    mark = re.search(r'class="mark-link" href="([^"]+)"', html)
    assert mark is not None
    marking = client.get(mark.group(1).replace("&amp;", "&"))
    assert marking.status_code == 200 and unlinked.number in text(marking)
    assert first.number not in text(marking)  # narrowed to Lee's invoices
    assert 'id="sync-continue"' in html and 'id="sync-held"' not in html


def test_held_items_say_why_and_corrections_are_listed_for_review(qb: Connected) -> None:
    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    mapping.map_gl(qb.actor, books.bank, account_id=qb.find("Account", "Checking")["Id"])
    unmapped = books.invoice(pat, "100.00", "2026-01-10")  # dues GL not mapped
    pays = books.pay(pat, "100.00", "2026-01-20", (unmapped, "100.00"))
    go(qb, unmapped, pays)

    html = text(qb.site.client(Role.BOOKKEEPER).get(url("qb-sync")))

    assert figure(html, "errors-gl_not_mapped") == "1"
    assert f'href="{url("qb-gl")}?gl=4000"' in html
    assert figure(html, "held") == "1" and "Held because invoice" in html


def test_continue_pushes_and_results_list_ids_and_the_failure_with_its_fix(
    qb: Connected,
) -> None:
    good, bad, _ = one_fails(qb)
    client = qb.site.client(Role.BOOKKEEPER)
    before = seen(text(client.get(url("qb-sync"))))

    response = client.post(url("qb-sync-start"), {"seen": before})
    again = client.post(url("qb-sync-start"), {"seen": before})  # the second click

    run = SyncRun.objects.get(organisation=qb.books.org)
    assert response.status_code == again.status_code == 302
    assert response["Location"] == again["Location"] == url("qb-sync-run", run.pk)
    assert (run.state, run.confirmed, run.failed) == (RunState.DONE, 1, 1)
    html = text(client.get(response["Location"]))
    confirmed = OutboxItem.objects.get(run=run, state=OutboxState.CONFIRMED)
    assert f'data-qb-id="{confirmed.qb_id}"' in html and "open in QuickBooks" in html
    failed_row = re.search(
        rf'data-state="failed" data-transaction="invoice {bad.number}">(.*?)</tr>', html, re.S
    )
    assert failed_row is not None and "Fix:" in failed_row.group(1)
    assert f"invoice {good.number}" in html
    only_failed = text(client.get(url("qb-sync-run", run.pk), {"state": "failed"}))
    assert bad.number in only_failed and f"invoice {good.number}" not in only_failed
    assert 'id="sync-retry"' in html and 'data-state="done"' in html

    rows = csv_rows(client.get(url("qb-sync-items-csv", run.pk)))
    assert sorted((r["transaction"], r["state"]) for r in rows) == sorted(
        [(good.number, "confirmed"), (bad.number, "failed")]
    )
    assert next(r for r in rows if r["state"] == "confirmed")["quickbooks_id"] == confirmed.qb_id
    assert next(r for r in rows if r["state"] == "failed")["fix"]


def test_retry_failed_sends_only_the_failed_item_after_the_fix(qb: Connected) -> None:
    good, bad, services = one_fails(qb)
    client = qb.site.client(Role.BOOKKEEPER)
    client.post(url("qb-sync-start"), {"seen": "0"})
    first = SyncRun.objects.get()
    item = qb.client.read("Item", services)
    qb.client.sparse_update("Item", services, item["SyncToken"], {"Active": True})

    response = client.post(url("qb-sync-retry", first.pk), {"seen": str(first.pk)})
    client.post(url("qb-sync-retry", first.pk), {"seen": str(first.pk)})  # second click

    second = SyncRun.objects.exclude(pk=first.pk).get()
    assert response["Location"] == url("qb-sync-run", second.pk)
    assert (second.planned, second.confirmed, second.failed) == (1, 1, 0)
    html = text(client.get(response["Location"]))
    assert f"invoice {bad.number}" in html and f"invoice {good.number}" not in html
    assert len(list(qb.client.query_all("Invoice", {}))) == 2


def test_history_lists_runs_newest_first_with_csv(qb: Connected) -> None:
    one_fails(qb)
    client = qb.site.client(Role.BOOKKEEPER)
    client.post(url("qb-sync-start"), {"seen": "0"})
    client.post(url("qb-sync-start"), {"seen": "1000000"})  # a fresh check: a new run
    runs = list(SyncRun.objects.order_by("-pk"))
    assert len(runs) == 2

    html = text(client.get(url("qb-sync-history")))
    viewer_html = text(qb.site.client(Role.VIEWER).get(url("qb-sync-history")))

    order = [int(n) for n in re.findall(r'data-run="(\d+)"', html)]
    assert order == [r.pk for r in runs] and viewer_html.count("data-run=") == 2
    assert f'href="{url("qb-sync-run", runs[0].pk)}"' in html
    rows = csv_rows(client.get(url("qb-sync-history-csv")))
    assert [(int(r["run"]), r["confirmed"], r["failed"]) for r in rows] == [
        (runs[0].pk, "0", "1"),
        (runs[1].pk, "1", "1"),
    ]
    assert all(r["started_by"] == "bookkeeper-acme" and r["duration_s"] for r in rows)


def test_viewers_see_the_check_read_only_and_cannot_start(qb: Connected) -> None:
    one_fails(qb)
    viewer = qb.site.client(Role.VIEWER)

    html = text(viewer.get(url("qb-sync")))
    refused = viewer.post(url("qb-sync-start"), {"seen": "0"})

    assert 'id="sync-read-only"' in html and 'id="sync-continue"' not in html
    assert refused.status_code == 403 and not SyncRun.objects.exists()
    qb.site.client(Role.BOOKKEEPER).post(url("qb-sync-start"), {"seen": "0"})
    run = SyncRun.objects.get()
    page = text(viewer.get(url("qb-sync-run", run.pk)))
    assert 'data-state="confirmed"' in page and 'id="sync-retry"' not in page
    assert viewer.post(url("qb-sync-retry", run.pk), {"seen": str(run.pk)}).status_code == 403


def test_another_organisations_runs_are_not_found(qb: Connected) -> None:
    one_fails(qb)
    qb.site.client(Role.BOOKKEEPER).post(url("qb-sync-start"), {"seen": "0"})
    run = SyncRun.objects.get()
    other = create_organisation("other", "Other Club")
    outsider = qb.site.client(Role.ADMIN, org=other)

    for name in ("qb-sync-run", "qb-sync-progress", "qb-sync-items-csv"):
        assert outsider.get(reverse(name, args=["other", run.pk])).status_code == 404, name
        assert outsider.get(reverse(name, args=["acme", run.pk])).status_code == 404, name
    assert outsider.post(reverse("qb-sync-retry", args=["other", run.pk])).status_code == 404
    assert outsider.get(reverse("qb-sync-run", args=["other", 99999])).status_code == 404
    assert SyncRun.objects.count() == 1


def test_progress_polls_while_running_and_reloads_into_results_when_done(
    qb: Connected,
) -> None:
    client = qb.site.client(Role.VIEWER)
    queued = SyncRun.objects.create(
        organisation=qb.books.org, started_by="someone", created_at=timezone.now()
    )

    polling = client.get(url("qb-sync-progress", queued.pk), headers={"HX-Request": "true"})

    assert 'hx-trigger="every 1s"' in text(polling) and "HX-Refresh" not in polling
    assert 'hx-trigger="every 1s"' in text(client.get(url("qb-sync-run", queued.pk)))
    SyncRun.objects.filter(pk=queued.pk).update(
        state=RunState.DONE, started_at=timezone.now(), finished_at=timezone.now()
    )
    done = client.get(url("qb-sync-progress", queued.pk), headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in text(done)


def test_sync_button_on_billing_and_hub_for_bookkeepers_only(qb: Connected) -> None:
    bookkeeper, viewer = qb.site.client(Role.BOOKKEEPER), qb.site.client(Role.VIEWER)
    target = f'href="{url("qb-sync")}"'

    assert target in text(bookkeeper.get(url("billing")))
    assert target in text(bookkeeper.get(url("qb-hub")))
    assert target not in text(viewer.get(url("billing")))
    assert url("qb-sync-history") in text(viewer.get(url("qb-hub")))


def test_admins_change_the_settings_and_the_check_follows(qb: Connected) -> None:
    books = qb.books
    lee = books.member("Lee")
    map_all(qb)
    go(qb, books.invoice(lee, "40.00", "2026-01-10"))
    admin, bookkeeper = qb.site.client(Role.ADMIN), qb.site.client(Role.BOOKKEEPER)
    assert figure(text(admin.get(url("qb-sync"))), "errors-member_not_linked") == "1"

    refused = bookkeeper.post(url("qb-sync-settings"), {"create_customers": "on"})
    saved = admin.post(
        url("qb-sync-settings"),
        {"create_customers": "on", "voids": "review", "edits": "automatic"},
    )

    assert refused.status_code == 403 and saved.status_code == 302
    settings = SyncSettings.objects.get(organisation=books.org)
    assert (settings.create_customers, settings.voids, settings.edits) == (
        True,
        "review",
        "automatic",
    )
    assert AuditEntry.objects.filter(action="update_sync_settings").count() == 1
    html = text(admin.get(url("qb-sync")))
    assert 'id="sync-errors"' not in html
    assert (figure(html, "count-customer"), figure(html, "count-invoice")) == ("1", "1")


def test_not_connected_says_so_instead_of_a_plan(qb: Connected) -> None:
    call_command("qbo", "disconnect", "acme", stdout=io.StringIO())
    html = text(qb.site.client(Role.BOOKKEEPER).get(url("qb-sync")))
    assert 'id="check-error"' in html and 'id="sync-continue"' not in html
