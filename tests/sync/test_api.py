"""The sync API: check, start or join, a run's progress and outcome, its items; roles and tenancy.

Against the real emulator over loopback. POST sync/runs/ queues the run on
Django's DummyBackend (nothing runs it), as a real worker backend would leave it
for a moment, and `finish()` then runs the job as the worker does.
"""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from memberbooks.mapping.models import CustomerLink
from memberbooks.sync.jobs import push_job
from memberbooks.sync.models import OutboxItem, SyncRun
from memberbooks.sync.settings_actions import update_sync_settings
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.actions import create_organisation
from memberbooks.tenancy.models import Role
from tests.api.conftest import token_caller
from tests.mapping.conftest import Connected
from tests.sync.test_check import go, link, map_all
from tests.sync.test_pages import one_fails

CHECK = "orgs/acme/sync/check"
RUNS = "orgs/acme/sync/runs/"


@pytest.fixture
def queued_only(settings: Any) -> None:
    """Jobs are queued and left alone, as with a worker that has not picked them up yet."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def finish(run: dict[str, Any]) -> None:
    """Run the queued run's job, as the worker would."""
    push_job.call(run["id"])


def test_check_gives_counts_per_kind_errors_with_fixes_held_and_undecided(qb: Connected) -> None:
    books = qb.books
    pat, lee = books.member("Smith"), books.member("Lee")
    link(qb, pat)
    map_all(qb)
    first = books.invoice(pat, "100.00", "2026-01-10")
    paid = books.pay(pat, "60.00", "2026-01-20", (first, "60.00"))
    unlinked = books.invoice(lee, "40.00", "2026-01-10")
    pays_unlinked = books.pay(lee, "40.00", "2026-01-21", (unlinked, "40.00"))
    books.invoice(pat, "5.00", "2026-01-02")  # undecided
    go(qb, first, paid, unlinked, pays_unlinked)

    reply = token_caller(books.org, Role.BOOKKEEPER).get(CHECK)

    assert reply.status == 200, reply.body
    plan = reply.body
    assert (plan["items"], plan["total"], plan["undecided"]) == (2, "160.00", 1)
    assert plan["by_kind"]["invoice"] == {"count": 1, "total": "100.00"}
    assert plan["by_kind"]["payment"] == {"count": 1, "total": "60.00"}
    assert plan["by_kind"]["void"] == {"count": 0, "total": "0.00"}
    assert plan["error_counts"] == [{"code": "member_not_linked", "count": 2}]
    error = next(e for e in plan["errors"] if e["transaction"] == f"invoice {unlinked.number}")
    assert error["fix"] and "M0002" in error["message"]
    assert error["fix_url"] == "/o/acme/qb/members/?member=M0002&q=M0002"
    assert plan["held"] == [] and plan["review"] == []


def test_viewers_may_not_check_or_start(qb: Connected) -> None:
    one_fails(qb)
    viewer = token_caller(qb.books.org, Role.VIEWER)

    assert viewer.get(CHECK).status == 403
    assert viewer.post(RUNS, {}).status == 403
    assert not SyncRun.objects.exists()


def test_start_answers_202_with_the_queued_run_and_a_second_post_joins_it(
    qb: Connected, queued_only: None
) -> None:
    one_fails(qb)
    bookkeeper = token_caller(qb.books.org, Role.BOOKKEEPER)

    started = bookkeeper.post(RUNS, {"seen_run": 0})
    again = bookkeeper.post(RUNS, {})  # while it waits: joins it

    assert started.status == again.status == 202, started.body
    run = started.body
    assert again.body["id"] == run["id"] and SyncRun.objects.count() == 1
    assert (run["state"], run["phase"], run["progress"]["done"]) == (
        "queued",
        "waiting for a worker",
        0,
    )
    assert run["url"] == f"/api/v1/{RUNS}{run['id']}/"
    assert run["page_url"] == f"/o/acme/qb/sync/runs/{run['id']}/"

    finish(run)
    done = bookkeeper.get(run["url"]).body
    late_click = bookkeeper.post(RUNS, {"seen_run": 0})  # decided before that run: joins it

    assert (done["state"], done["planned"], done["confirmed"], done["failed"]) == ("done", 2, 1, 1)
    assert done["progress"]["done"] == 2 and done["progress"]["percent"] == 100
    assert done["progress"]["eta_s"] is None and done["duration_ms"] is not None
    assert done["by_kind"]["invoice"] == {"count": 2, "total": "30.00"}
    assert late_click.status == 202 and late_click.body["id"] == run["id"]
    assert SyncRun.objects.count() == 1


def test_start_with_the_immediate_backend_answers_the_finished_run(qb: Connected) -> None:
    one_fails(qb)
    reply = token_caller(qb.books.org, Role.BOOKKEEPER).post(RUNS, {})
    assert reply.status == 202 and reply.body["state"] == "done"


def test_items_list_ids_and_failures_with_their_fix_filtered_by_state(
    qb: Connected, queued_only: None
) -> None:
    good, bad, _ = one_fails(qb)
    bookkeeper = token_caller(qb.books.org, Role.BOOKKEEPER)
    run = bookkeeper.post(RUNS, {}).body
    finish(run)
    viewer = token_caller(qb.books.org, Role.VIEWER)

    every = viewer.get(run["items_url"])
    failed = viewer.get(run["items_url"], state="failed")

    assert every.status == 200 and every.body["count"] == 2
    confirmed = next(i for i in every.body["results"] if i["state"] == "confirmed")
    assert (confirmed["number"], confirmed["kind"], confirmed["member_number"]) == (
        good.number,
        "invoice",
        "M0001",
    )
    assert confirmed["qb_id"] == OutboxItem.objects.get(doc_id=good.pk).qb_id
    assert failed.body["count"] == 1
    item = failed.body["results"][0]
    assert (item["number"], item["qb_id"], item["error_code"]) == (bad.number, None, "610")
    assert item["message"] and item["fix"]
    assert viewer.get(run["items_url"], state="sometimes").status == 400


def test_runs_are_listed_newest_first_and_paginated(qb: Connected, queued_only: None) -> None:
    one_fails(qb)
    bookkeeper = token_caller(qb.books.org, Role.BOOKKEEPER)
    first = bookkeeper.post(RUNS, {}).body
    finish(first)
    second = bookkeeper.post(RUNS, {"seen_run": first["id"]}).body  # after it: a new run
    finish(second)
    second = bookkeeper.get(second["url"]).body
    viewer = token_caller(qb.books.org, Role.VIEWER)

    page = viewer.get(RUNS, page_size="1")

    assert second["id"] != first["id"]
    assert (page.body["count"], [r["id"] for r in page.body["results"]]) == (2, [second["id"]])
    assert (
        page.body["next"] and viewer.get(page.body["next"]).body["results"][0]["id"] == first["id"]
    )
    assert second["confirmed"] == 0 and second["failed"] == 1  # only the failed one again


def test_another_organisations_runs_are_not_found(qb: Connected, queued_only: None) -> None:
    one_fails(qb)
    run = token_caller(qb.books.org, Role.BOOKKEEPER).post(RUNS, {}).body
    outsider = token_caller(create_organisation("other", "Other Club"), Role.ADMIN)

    for path in (f"orgs/other/sync/runs/{run['id']}/", f"orgs/other/sync/runs/{run['id']}/items/"):
        assert outsider.get(path).status == 404, path
    assert outsider.get(run["url"]).status == 404
    assert outsider.get("orgs/other/sync/runs/").body["count"] == 0
    assert token_caller(qb.books.org, Role.VIEWER).get(RUNS + "nope/").status == 404


def test_not_connected_is_a_409_with_the_fix(qb: Connected) -> None:
    call_command("qbo", "disconnect", "acme", stdout=StringIO())

    reply = token_caller(qb.books.org, Role.BOOKKEEPER).get(CHECK)

    assert reply.status == 409 and reply.error["code"] == "not_connected"
    assert "Connect" in reply.error["fix"]


def test_a_customer_to_create_is_counted_and_created_before_its_invoice(
    qb: Connected, queued_only: None
) -> None:
    books = qb.books
    lee = books.member("Lee")
    map_all(qb)
    go(qb, books.invoice(lee, "40.00", "2026-01-10"))
    update_sync_settings(
        Actor(books.org, Role.ADMIN, "admin"),
        create_customers=True,
        voids="automatic",
        edits="review",
    )
    bookkeeper = token_caller(books.org, Role.BOOKKEEPER)

    plan = bookkeeper.get(CHECK).body
    run = bookkeeper.post(RUNS, {}).body
    finish(run)
    items = bookkeeper.get(run["items_url"]).body["results"]

    assert plan["by_kind"]["customer"]["count"] == 1 and plan["errors"] == []
    assert [(i["kind"], i["state"], i["member_number"]) for i in items] == [
        ("invoice", "confirmed", "M0001")
    ]
    assert CustomerLink.objects.filter(member=lee).exists()  # the customer came first
