"""Real Celery worker processes (Redis broker, PostgreSQL) running the sync's job.

Skipped unless DATABASE_URL is PostgreSQL (CI's PostgreSQL pass runs them). The
workers are `memberbooks jobs worker` subprocesses with MEMBERBOOKS_TASKS=celery;
the test process enqueues through django.tasks with the Celery backend, exactly as
the web process does in production. Broker and results use their own Redis
database (tests/sync/workers.py), flushed before and after.
"""

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus

from memberbooks.config import tasks
from memberbooks.config.celery import app as celery_app
from memberbooks.sync import jobs, runs
from memberbooks.sync.models import OutboxItem, OutboxState, RunState, SyncRun
from tests.mapping.conftest import Connected
from tests.sync.scenario import assert_invariants, build, set_knobs
from tests.sync.test_jobs import books_to_send, qb_numbers
from tests.sync.workers import (
    CELERY_QUEUE,
    Celery,
    Workers,
    celery_broker,
    worker_env,
    workers,
)

__all__ = ["celery_broker", "workers"]  # fixtures

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="The Celery worker tests run against PostgreSQL only: set "
        "DATABASE_URL=postgresql://... (CI's PostgreSQL pass runs them).",
    ),
]


@pytest.fixture
def celery_jobs(settings: Any, celery_broker: Celery) -> Iterator[Celery]:
    """This process enqueues to Celery on the test broker and queue (as the web process would)."""
    settings.TASKS = tasks.backends("celery")
    settings.CELERY_BROKER_URL = celery_broker.broker
    settings.CELERY_RESULT_BACKEND = celery_broker.results
    settings.CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE
    celery_app.conf.update(
        broker_url=celery_broker.broker,
        result_backend=celery_broker.results,
        task_default_queue=CELERY_QUEUE,
    )
    celery_app.control.purge()  # jobs an interrupted earlier run left on the test queue
    yield celery_broker
    celery_app.control.purge()


def start_worker(workers: Workers, qb: Connected, celery: Celery, name: str) -> None:
    env = worker_env(
        qb,
        "celery",
        MEMBERBOOKS_CELERY_BROKER_URL=celery.broker,
        MEMBERBOOKS_CELERY_RESULT_BACKEND=celery.results,
        MEMBERBOOKS_CELERY_QUEUE=CELERY_QUEUE,
    )
    log = workers.start(name, env, "--pool", "solo", "--hostname", f"{name}@%h")
    workers.wait_ready(log)


def finished(run: SyncRun, workers: Workers, timeout: float = 60.0) -> SyncRun:
    """The run once a worker has finished it (polling the database, as the progress page does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state not in runs.ACTIVE:
            return run
        time.sleep(0.2)
    pytest.fail(f"run {run.pk} still {run.state} after {timeout} s:\n{workers.log_text()}")


def outcome(result_id: str, workers: Workers, timeout: float = 30.0) -> dict[str, Any]:
    """A job's return value, read back from Celery's result backend through django.tasks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = jobs.push_job.get_result(result_id)
        if result.status == TaskResultStatus.SUCCESSFUL:
            value = result.return_value
            assert isinstance(value, dict)
            return value
        assert result.status != TaskResultStatus.FAILED, workers.log_text()
        time.sleep(0.2)
    pytest.fail(f"job {result_id} gave no result:\n{workers.log_text()}")


def test_a_celery_worker_process_runs_a_real_sync(
    qb: Connected,
    celery_jobs: Celery,
    workers: Workers,
) -> None:
    invoices = books_to_send(qb)
    run = runs.start(qb.actor)
    assert run.state == RunState.QUEUED  # on the broker; no worker is running yet

    start_worker(workers, qb, celery_jobs, "solo1")
    run = finished(run, workers)

    assert run.state == RunState.DONE, (run.note, workers.log_text())
    assert (run.confirmed, run.failed) == (3, 0)
    assert qb_numbers(qb) == Counter(i.number for i in invoices)
    scheme = celery_jobs.broker.split("://")[0]
    assert f".> transport:   {scheme}://" in workers.log_text()  # the broker under test
    assert "memberbooks.sync.jobs.push_job" in workers.log_text()
    assert workers.wait_any("push_job[") == workers.wait_any("succeeded in") == "solo1"


def test_two_celery_workers_given_the_same_company_run_one_sync(
    qb: Connected,
    celery_jobs: Celery,
    workers: Workers,
) -> None:
    """Two workers each get a job for the same company at once: one syncs, the other joins."""
    build(qb, invoices=60)
    set_knobs(qb, latency_ms=150)  # the sync lasts seconds, so the second job meets it running
    start_worker(workers, qb, celery_jobs, "w1")
    start_worker(workers, qb, celery_jobs, "w2")

    run = runs.start(qb.actor)
    assert runs.start(qb.actor).pk == run.pk  # a second click joins; nothing more is queued
    second = jobs.push_job.enqueue(run.pk)  # a second server (or a redelivery) gives it again

    run = finished(run, workers)
    answer = outcome(second.id, workers)  # read back through django.tasks' get_result

    assert run.state == RunState.DONE and run.failed == 0, (run.note, workers.log_text())
    # Which of the two jobs reached the lease first is a race; exactly one of them synced.
    assert answer["run"] == run.pk and (answer.get("joined") or answer.get("state") == "done")
    synced_in = workers.wait_any("'state': 'done'")
    joined_in = workers.wait_any("'joined': True")
    assert joined_in != synced_in, workers.log_text()  # one worker synced, the other joined
    assert "'look_again_at': '" in workers.log_text()  # the joiner queued a later look
    assert SyncRun.objects.filter(organisation=qb.books.org).count() == 1
    rows = OutboxItem.objects.filter(organisation=qb.books.org)
    assert rows.count() == run.confirmed == run.planned
    assert set(rows.values_list("state", flat=True)) == {OutboxState.CONFIRMED}
    keys = Counter(rows.values_list("doc_type", "doc_id", "operation"))
    assert max(keys.values()) == 1
    assert max(qb_numbers(qb).values()) == 1
    assert_invariants(qb)
