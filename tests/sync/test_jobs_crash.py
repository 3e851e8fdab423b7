"""A database worker killed (-9) in the middle of a sync; the next worker finishes it, once.

The worker is a real `memberbooks jobs worker` process on the test database (SQLite
file or PostgreSQL). Its lease lasts 3 s here (MEMBERBOOKS_SYNC_LEASE_SECONDS), so
the test need not wait a minute for the dead worker's lease to expire.

The first test checks what the job layer promises: the new worker queues the
abandoned run again, takes it over, and nothing reaches QuickBooks twice. The
second checks that the takeover alone leaves the books whole, including a void
the killed run had queued after its document's create was confirmed (the
document is `changed` until the void is sent).
"""

import os
import signal
import subprocess
import time
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from memberbooks.config import tasks
from memberbooks.sync import runs
from memberbooks.sync.models import OutboxItem, OutboxState, RunState, SyncLease, SyncRun
from tests.mapping.conftest import Connected
from tests.sync.scenario import assert_invariants, build, set_knobs
from tests.sync.workers import ROOT, Workers, memberbooks, worker_env, workers

__all__ = ["workers"]  # fixture

pytestmark = pytest.mark.slow

LEASE_SECONDS = "3"


def wait_until(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def crash_and_replace(qb: Connected, settings: Any, workers: Workers) -> SyncRun:
    """Queue a sync, kill -9 its worker half way, start a new worker: the finished run."""
    settings.TASKS = tasks.backends("database")
    build(qb, invoices=60)
    set_knobs(qb, latency_ms=100)  # the sync lasts seconds: room to kill it half way
    run = runs.start(qb.actor)
    env = worker_env(qb, "database", MEMBERBOOKS_SYNC_LEASE_SECONDS=LEASE_SECONDS)
    workers.start("first", env)
    sending = OutboxItem.objects.filter(organisation=qb.books.org)
    wait_until(
        lambda: sending.filter(state=OutboxState.CONFIRMED).exists(),
        "the first worker to confirm something",
    )

    first, _ = workers.running[0]
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)

    run.refresh_from_db()
    assert run.state == RunState.PUSHING  # half done: the kill landed mid-sync
    assert sending.exclude(state=OutboxState.CONFIRMED).exists()
    wait_until(
        lambda: not SyncLease.objects.filter(expires_at__gt=timezone.now()).exists(),
        "the dead worker's lease to expire",
    )
    second = subprocess.run(
        memberbooks("jobs", "worker", "--batch"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"Queued again the sync(s) a stopped worker left: [{run.pk}]" in second.stdout
    run.refresh_from_db()
    return run


def test_a_worker_killed_mid_sync_is_replaced_and_nothing_is_sent_twice(
    qb: Connected,
    settings: Any,
    workers: Workers,
) -> None:
    run = crash_and_replace(qb, settings, workers)

    assert run.state == RunState.DONE and run.failed == 0, run.note
    assert SyncRun.objects.filter(organisation=qb.books.org).count() == 1
    for entity, key in (("Invoice", "DocNumber"), ("CreditMemo", "DocNumber")):
        numbers = Counter(str(d[key]) for d in qb.client.query_all(entity, {}))
        assert numbers and max(numbers.values()) == 1, (entity, numbers.most_common(3))
    payments = [p for p in qb.client.query_all("Payment", {}) if p.get("PaymentRefNum")]
    paid = Counter(str(p["PaymentRefNum"]) for p in payments)
    assert max(paid.values(), default=1) == 1, paid.most_common(3)
    rows = OutboxItem.objects.filter(organisation=qb.books.org)
    assert not rows.filter(state=OutboxState.SENT).exists()  # no outcome left unknown
    assert max(Counter(rows.values_list("doc_type", "doc_id", "operation")).values()) == 1


def test_the_takeover_run_leaves_nothing_pending_and_the_invariants_hold(
    qb: Connected,
    settings: Any,
    workers: Workers,
) -> None:
    run = crash_and_replace(qb, settings, workers)

    assert run.state == RunState.DONE and run.failed == 0, run.note
    left = OutboxItem.objects.filter(organisation=qb.books.org).exclude(state=OutboxState.CONFIRMED)
    assert list(left.values_list("doc_type", "doc_id", "operation", "state")) == []
    assert_invariants(qb)  # exactly once in QuickBooks, AR to the cent, no no-go
