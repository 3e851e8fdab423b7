"""The sync's background job: which backend runs it, and the database worker running a real sync.

The database test queues a run through runs.start with django-tasks-db configured,
then runs `memberbooks jobs worker --batch` as a separate process against the same
test database (SQLite file or PostgreSQL) and the test's emulator over loopback.
"""

import datetime as dt
import subprocess
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from memberbooks.config import tasks
from memberbooks.ledger.models import Invoice
from memberbooks.sync import jobs, lease, runs
from memberbooks.sync.models import OutboxItem, OutboxState, RunState, SyncRun
from tests.mapping.conftest import Connected
from tests.sync.test_check import go, link, map_all
from tests.sync.workers import ROOT, memberbooks, worker_env

DATABASE = tasks.backends("database")


def books_to_send(qb: Connected, count: int = 3) -> list[Invoice]:
    """A linked member, mapped GLs and `count` invoices marked go."""
    books = qb.books
    pat = books.member("Smith")
    link(qb, pat)
    map_all(qb)
    invoices = [books.invoice(pat, f"{40 + n}.00", f"2026-02-{n + 1:02d}") for n in range(count)]
    go(qb, *invoices)
    return invoices


def qb_numbers(qb: Connected) -> Counter[str]:
    return Counter(str(i["DocNumber"]) for i in qb.client.query_all("Invoice", {}))


def test_mode_defaults_to_the_database_worker_and_is_immediate_under_pytest() -> None:
    assert tasks.mode({}, {}) == "database"
    assert tasks.mode({"MEMBERBOOKS_TASKS": "Celery"}, {}) == "celery"
    assert tasks.mode({"MEMBERBOOKS_TASKS": "celery"}, {"pytest": object()}) == "immediate"
    assert tasks.mode({"PYTEST_VERSION": "9"}, {}) == "immediate"  # a process a test started
    assert tasks.mode({"PYTEST_VERSION": "9", "MEMBERBOOKS_TASKS": "database"}, {}) == "database"
    with pytest.raises(RuntimeError, match="use database, celery or immediate"):
        tasks.mode({"MEMBERBOOKS_TASKS": "rq"}, {})
    assert django_settings.TASKS_MODE == "immediate"
    assert django_settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")


def test_celery_results_go_to_a_redis_broker_or_where_told() -> None:
    assert tasks.result_backend("redis://127.0.0.1:6379/0", "") == "redis://127.0.0.1:6379/0"
    assert tasks.result_backend("amqp://guest:guest@127.0.0.1:5672//", "") == ""
    assert tasks.result_backend("amqp://h//", "redis://h:6379/2") == "redis://h:6379/2"
    assert tasks.backends("celery")["default"]["OPTIONS"]["CELERY_APP"] == tasks.CELERY_APP


def test_the_worker_command_says_why_there_is_nothing_to_run_when_immediate() -> None:
    with pytest.raises(CommandError, match="no worker to start"):
        call_command("jobs", "worker")
    out = StringIO()
    call_command("jobs", "info", stdout=out)
    assert "mode: immediate" in out.getvalue()


@pytest.mark.slow
def test_the_database_worker_runs_a_queued_sync(qb: Connected, settings: Any) -> None:
    settings.TASKS = DATABASE
    invoices = books_to_send(qb)

    run = runs.start(qb.actor)

    assert run.state == RunState.QUEUED  # handed to the queue, not run in the caller
    job = DBTaskResult.objects.get()
    assert job.task_path == "memberbooks.sync.jobs.push_job" and job.args_kwargs["args"] == [run.pk]
    assert runs.start(qb.actor) == run  # a second click joins it; nothing more is queued
    assert DBTaskResult.objects.count() == 1

    done = subprocess.run(
        memberbooks("jobs", "worker", "--batch"),
        cwd=ROOT,
        env=worker_env(qb, "database"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    run.refresh_from_db()
    assert run.state == RunState.DONE, (run.note, done.stdout + done.stderr)
    assert (run.confirmed, run.failed) == (3, 0)
    assert qb_numbers(qb) == Counter(i.number for i in invoices)
    job.refresh_from_db()
    assert job.status == "SUCCESSFUL", job.traceback
    assert job.return_value == {
        "run": run.pk,
        "state": "done",
        "confirmed": 3,
        "failed": 0,
        "held": 0,
    }
    assert SyncRun.objects.filter(organisation=qb.books.org).count() == 1


def test_a_job_delivered_again_after_its_sync_finished_sends_nothing(qb: Connected) -> None:
    invoices = books_to_send(qb, count=2)
    run = runs.start(qb.actor)  # ImmediateBackend: pushed at once
    assert run.state == RunState.DONE and run.confirmed == 2, run.note

    again = jobs.push_job.call(run.pk)

    assert again == {"run": run.pk, "state": "done", "skipped": "already finished"}
    run.refresh_from_db()
    assert (run.state, run.planned, run.confirmed) == (RunState.DONE, 2, 2)
    assert qb_numbers(qb) == Counter(i.number for i in invoices)
    assert OutboxItem.objects.filter(organisation=qb.books.org).count() == 2


def test_a_job_that_finds_the_lease_taken_joins_and_looks_again_later(
    qb: Connected, settings: Any
) -> None:
    settings.TASKS = DATABASE  # queue only: this test plays the worker itself
    books_to_send(qb, count=2)
    run = runs.start(qb.actor)
    first = DBTaskResult.objects.get()
    other = lease.new_holder()
    assert lease.acquire(qb.books.org, other)
    lease.attach(qb.books.org, other, run)

    answer = jobs.push_job.call(run.pk)

    assert {k: answer[k] for k in ("run", "joined", "running")} == {
        "run": run.pk,
        "joined": True,
        "running": run.pk,
    }
    run.refresh_from_db()
    assert run.state == RunState.QUEUED
    assert not OutboxItem.objects.filter(organisation=qb.books.org).exists()
    assert not qb_numbers(qb)
    again = DBTaskResult.objects.exclude(pk=first.pk).get()  # the look once the lease expires
    assert again.args_kwargs["args"] == [run.pk]
    assert again.run_after.isoformat() == answer["look_again_at"]
    assert again.run_after >= timezone.now() + lease.ttl()


def test_the_later_look_takes_over_the_sync_of_a_holder_that_died(
    qb: Connected, settings: Any
) -> None:
    settings.TASKS = DATABASE
    invoices = books_to_send(qb, count=2)
    run = runs.start(qb.actor)
    dead = lease.new_holder()
    assert lease.acquire(qb.books.org, dead, lifetime=dt.timedelta(seconds=-1))  # never renewed
    SyncRun.objects.filter(pk=run.pk).update(state=RunState.PUSHING)  # it had started

    answer = jobs.push_job.call(run.pk)

    assert answer["state"] == RunState.DONE and answer["confirmed"] == 2, answer
    assert qb_numbers(qb) == Counter(i.number for i in invoices)
    assert set(OutboxItem.objects.values_list("state", flat=True)) == {OutboxState.CONFIRMED}
    assert jobs.push_job.call(run.pk)["skipped"] == "already finished"


def test_a_starting_worker_queues_again_the_sync_a_dead_worker_left(
    qb: Connected, settings: Any
) -> None:
    settings.TASKS = DATABASE
    books_to_send(qb, count=1)
    run = runs.start(qb.actor)
    DBTaskResult.objects.all().delete()  # the dead worker had taken the job
    SyncRun.objects.filter(pk=run.pk).update(state=RunState.PUSHING)
    alive = lease.new_holder()
    assert lease.acquire(qb.books.org, alive)

    assert jobs.resume_abandoned() == []  # its lease is live: someone is pushing it
    lease.release(qb.books.org, alive)
    assert lease.acquire(qb.books.org, alive, lifetime=dt.timedelta(seconds=-1))  # expired

    assert jobs.resume_abandoned() == [run.pk]
    job = DBTaskResult.objects.get()
    assert job.args_kwargs["args"] == [run.pk]
    assert jobs.push_job.call(run.pk)["state"] == RunState.DONE
    assert jobs.resume_abandoned() == []
