"""Crash test: kill -9 the sync worker 20 times over one run of about 1,000 transactions.

The worker is a real process (`python -m memberbooks sync acme --push --json`) on
the pytest database; the emulator runs in this process, so it outlives every
kill. Each round waits for the dead worker's lease to expire (1 s here, through
MEMBERBOOKS_SYNC_LEASE_SECONDS), starts a worker and kills it with SIGKILL at a
point chosen by a seeded random generator:

- progress: once it has confirmed a random number of further rows (kills spread
  over the whole run: documents, payments and credit applications, voids);
  Polled every 5 ms, this often lands between the outbox rows' commit and the
  export decisions' commit, and with other batches still in the air;
- in_flight: 0-300 ms after it has marked a fresh batch `sent` (the emulator's
  latency is raised to 400 ms, so the request is still in the air: it may not
  have left, or QuickBooks commits it after the worker is dead and nobody reads
  the answer);
- resend: the same, while it resends a dead worker's `sent` batch under its id;
- timed: a random time after the start (Django start-up, the check, the queue).

Then the sync runs to completion and the same invariants as the fault tests
hold, plus: every outbox row confirmed, once; QuickBooks received exactly one
create per MMS document and one void per voided invoice (its change log).

A second, shorter test does the same with a batch limit so low that most
writes go as singles beside the batches (push.py, "Singles"): the kills then
leave single writes in the air too, and they are resent alone under their key.

Marked slow (a couple of minutes: 20 worker start-ups); nothing deselects it, so
both CI passes (SQLite and PostgreSQL) run it.
"""

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from memberbooks.audit.models import AuditEntry
from memberbooks.exports.models import Decision, ExportDecision, ExportStatus
from memberbooks.ledger.models import Application, Invoice
from memberbooks.quickbooks.online.client import request_id
from memberbooks.sync.markers import owner
from memberbooks.sync.models import OutboxItem, OutboxState, SyncLease
from memberbooks.sync.push import SINGLE_PREFIX
from qbemulator.online.server import base_url, serve, stop
from qbemulator.online.state import Company, Emulator
from tests.connections.conftest import CALLBACK
from tests.connections.test_processes import ROOT, database_url
from tests.mapping.conftest import Connected
from tests.sync.scenario import assert_invariants, build, set_knobs

pytestmark = pytest.mark.slow

INVOICES = 540  # with their payments, credit memos, applications and voids: about 1,000 writes
KILLS = 20
SEED = 20261126
LEASE_SECONDS = "1"
LATENCY_MS = 40  # every QuickBooks call takes this long: a run lasts long enough to be killed
IN_FLIGHT_LATENCY_MS = 400  # for the in_flight kills: the batch is surely still in the air
MODES = ["progress"] * 11 + ["in_flight"] * 4 + ["resend"] * 2 + ["timed"] * 3
WAIT = 120.0  # seconds: a worker that neither progresses nor exits by then is a failure


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def emulator_url(emulator: Emulator, settings: Any) -> Iterator[str]:
    """As tests/connections/conftest.py, keeping hold of the emulator to read its change log."""
    server, thread = serve(emulator, "127.0.0.1", 0)
    url = base_url(server)
    settings.QBO_ENVIRONMENT = "emulator"
    settings.QBO_EMULATOR_URL = url
    settings.QBO_REDIRECT_URI = CALLBACK
    settings.QBO_CLIENT_ID = ""
    settings.QBO_CLIENT_SECRET = ""
    yield url
    stop(server, thread)


@dataclass
class Kill:
    """What one kill hit: where the worker was, and what it left in the air."""

    mode: str
    after_s: float
    alive: bool  # False: the worker had finished before the kill came
    confirmed: int  # outbox rows confirmed when it died
    sent_rows: int  # rows marked sent whose answer was never recorded
    sent_batches: list[str]  # their batch keys
    landed: int = 0  # of those batches, how many QuickBooks had committed after all


@dataclass
class Crasher:
    """Starts sync workers on the test database and kills them."""

    qb: Connected
    emulator: Emulator
    logs: Path
    rng: random.Random
    env: dict[str, str] | None = None  # more settings for the workers

    @property
    def company(self) -> Company:
        found = self.emulator.company(self.qb.site.connection().realm_id)
        assert found is not None
        return found

    def start(self, n: int) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "MEMBERBOOKS_SYNC_LEASE_SECONDS": LEASE_SECONDS,
            **(self.env or {}),
        }
        with (
            (self.logs / f"worker-{n}.out").open("wb") as out,
            (self.logs / f"worker-{n}.err").open("wb") as err,
        ):
            return subprocess.Popen(
                [sys.executable, "-m", "memberbooks", "sync", "acme", "--push", "--json"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )

    def round(self, n: int, mode: str, rounds_left: int, expected: int) -> Kill:
        """Wait for a free lease, start a worker, kill it where `mode` says."""
        slow = mode in ("in_flight", "resend")
        set_knobs(self.qb, latency_ms=IN_FLIGHT_LATENCY_MS if slow else LATENCY_MS)
        wait_for_free_lease(self.qb)
        before = confirmed(self.qb)
        started, began = timezone.now(), time.monotonic()
        worker = self.start(n)
        # Whatever the mode, a worker dies at the latest after `step` more confirmations,
        # so the kills spread over the whole run however fast this machine is.
        step = self.rng.randint(1, max(1, (expected - before) // (2 * rounds_left)))

        def capped() -> bool:
            return confirmed(self.qb) >= before + step

        if mode == "timed":
            deadline = began + self.rng.uniform(0.2, 3.0)
            until(worker, lambda: time.monotonic() >= deadline or capped())
        elif slow:
            again = mode == "resend" and left_sent(self.qb)
            mode = "resend" if again else "in_flight"  # nothing left `sent`: a fresh batch
            until(worker, lambda: sent_since(self.qb, started, again=again) or capped())
            time.sleep(self.rng.uniform(0.0, 0.3))  # on its way, or waiting in QuickBooks
        else:
            until(worker, capped)
        alive = worker.poll() is None
        if alive:
            os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        left = OutboxItem.objects.filter(organisation=self.qb.books.org, state=OutboxState.SENT)
        kill = Kill(
            mode,
            round(time.monotonic() - began, 2),
            alive,
            confirmed(self.qb),
            left.count(),
            sorted(set(left.values_list("batch_key", flat=True))),
        )
        wait_for_free_lease(self.qb)  # by now a request the dead worker left in the air is done
        kill.landed = self.landed(kill)
        return kill

    def landed(self, kill: Kill) -> int:
        """Of the batches (and singles) a kill left `sent`, those QuickBooks committed (their
        requestid is stored)."""
        realm = self.company.realm_id
        with self.emulator.lock:
            stored = set(self.company.requests)
        return sum(sent_request_id(self.qb, realm, key) in stored for key in kill.sent_batches)

    def finish(self, n: int) -> dict[str, Any]:
        """Run the sync to completion, uninterrupted (twice at most: the second settles `sent`)."""
        set_knobs(self.qb)
        outcome: dict[str, Any] = {}
        for attempt in range(2):
            wait_for_free_lease(self.qb)
            worker = self.start(n + attempt)
            assert worker.wait(timeout=WAIT) in (0, 1)
            text = (self.logs / f"worker-{n + attempt}.out").read_text()
            outcome = json.loads(text) if text.strip() else {"error": self.log(n + attempt)}
            if outcome.get("state") == "done":
                break
        return outcome

    def log(self, n: int) -> str:
        return (self.logs / f"worker-{n}.err").read_text()[-3000:]


SINGLE_OPERATIONS = {"create": "create", "void": "void", "update": "sparse"}


def sent_request_id(qb: Connected, realm: str, key: str) -> str:
    """The requestid the client sent a batch (or a single) under, by the client's own rule."""
    if not key.startswith(SINGLE_PREFIX):
        return request_id(realm, "batch", "batch", None, f"{key}:0")
    row = OutboxItem.objects.get(organisation=qb.books.org, batch_key=key)
    return request_id(realm, row.qb_entity, SINGLE_OPERATIONS[row.operation], None, key)


def until(worker: subprocess.Popen[bytes], condition: Callable[[], bool]) -> None:
    """Poll the database until `condition` holds or the worker has exited."""
    deadline = time.monotonic() + WAIT
    while worker.poll() is None and not condition():
        assert time.monotonic() < deadline, "the worker neither progressed nor exited"
        time.sleep(0.005)


def confirmed(qb: Connected) -> int:
    return OutboxItem.objects.filter(organisation=qb.books.org, state=OutboxState.CONFIRMED).count()


def left_sent(qb: Connected) -> bool:
    return OutboxItem.objects.filter(organisation=qb.books.org, state=OutboxState.SENT).exists()


def sent_since(qb: Connected, started: dt.datetime, *, again: bool) -> bool:
    """Has this worker marked a batch `sent`: a first send, or (again) a resend of a dead one's?"""
    rows = OutboxItem.objects.filter(
        organisation=qb.books.org, state=OutboxState.SENT, sent_at__gte=started
    )
    return (rows.filter(attempts__gt=1) if again else rows.filter(attempts=1)).exists()


def live_lease(qb: Connected) -> bool:
    return SyncLease.objects.filter(
        organisation=qb.books.org, expires_at__gt=timezone.now()
    ).exists()


def fresh_statistics() -> None:
    """PostgreSQL plans the check's queries from table statistics; freshly built books have none.

    Without them the check of these 1,000 documents takes 10 s or more instead of
    0.2 s (production's autovacuum analyses tables as they grow).
    """
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def wait_for_free_lease(qb: Connected) -> None:
    """A dead worker's lease is taken over once it expires; wait for that instead of failing."""
    deadline = time.monotonic() + WAIT
    while live_lease(qb):
        assert time.monotonic() < deadline, "the lease never expired"
        time.sleep(0.05)


def expected_rows(qb: Connected) -> set[tuple[str, int, str]]:
    """The writes the MMS books call for: one create per go document, an application per
    applied credit memo, a void per voided invoice."""
    org = qb.books.org
    go = ExportDecision.objects.filter(organisation=org, decision=Decision.GO)
    rows = {(t, i, "create") for t, i in go.values_list("doc_type", "doc_id")}
    applied = Application.objects.filter(
        credit_memo__organisation=org, unapplied_on__isnull=True
    ).values_list("credit_memo_id", flat=True)
    rows |= {("credit_application", m, "create") for m in applied}
    voided = Invoice.objects.filter(
        organisation=org, voided_on__isnull=False, pk__in=go.values("doc_id")
    )
    rows |= {("invoice", i, "void") for i in voided.values_list("pk", flat=True)}
    return rows


def quickbooks_writes(company: Company, since: int) -> Counter[tuple[str, str]]:
    """(entity, operation) -> count of what QuickBooks committed after the change log's `since`."""
    return Counter((c["entity"], c["op"]) for c in company.changes[since:] if c["op"] != "Update")


def writes_expected(rows: set[tuple[str, int, str]]) -> Counter[tuple[str, str]]:
    entity = {
        "invoice": "Invoice",
        "credit_memo": "CreditMemo",
        "payment": "Payment",
        "credit_application": "Payment",
    }
    return Counter((entity[t], "Void" if op == "void" else "Create") for t, _, op in rows)


def assert_once_in_quickbooks(qb: Connected, rows: set[tuple[str, int, str]]) -> None:
    """Every MMS document once in QuickBooks by its marker, zero payments included."""
    slug = qb.books.org.slug
    found: Counter[tuple[str, int]] = Counter()
    for entity in ("Invoice", "CreditMemo", "Payment"):
        for doc in qb.client.query_all(entity, {}):
            mine = owner(str(doc.get("PrivateNote") or ""))
            if mine is not None and mine[0] == slug:
                found[(mine[1], mine[2])] += 1
    wanted = Counter((t, i) for t, i, op in rows if op == "create")
    assert found == wanted, {
        "missing": sorted(set(wanted) - set(found)),
        "twice": sorted(k for k, c in found.items() if c > 1),
        "unexpected": sorted(set(found) - set(wanted)),
    }


def assert_outbox_confirmed_once(qb: Connected, rows: set[tuple[str, int, str]]) -> None:
    """One confirmed row per expected write; every go document exported under one QuickBooks id."""
    org = qb.books.org
    outbox = OutboxItem.objects.filter(organisation=org)
    states = Counter(outbox.values_list("doc_type", "operation", "state"))
    assert {state for _, _, state in states} == {OutboxState.CONFIRMED}, str(diagnose(qb))
    keys = Counter(outbox.values_list("doc_type", "doc_id", "operation"))
    assert set(keys) == rows and max(keys.values()) == 1, {
        "missing": sorted(rows - set(keys))[:20],
        "unexpected": sorted(set(keys) - rows)[:20],
        "twice": [k for k, c in keys.items() if c > 1][:20],
    }
    go = ExportDecision.objects.filter(organisation=org, decision=Decision.GO)
    assert set(go.values_list("status", flat=True)) == {ExportStatus.EXPORTED}
    recorded: dict[tuple[str, str], set[str]] = {}
    entries = AuditEntry.objects.filter(organisation=org, action="export.exported")
    for doc_type, doc_id, note in entries.values_list("subject_type", "subject_id", "note"):
        recorded.setdefault((doc_type, doc_id), set()).add(note)
    assert set(recorded) == {(t, str(i)) for t, i in go.values_list("doc_type", "doc_id")}
    assert all(len(notes) == 1 for notes in recorded.values()), [
        (k, n) for k, n in recorded.items() if len(n) > 1
    ]


def diagnose(qb: Connected) -> dict[str, Any]:
    """What a failure needs to show: outbox states, and rows no later run will settle."""
    org = qb.books.org
    outbox = OutboxItem.objects.filter(organisation=org)
    exported = set(
        ExportDecision.objects.filter(
            organisation=org, status__in=[ExportStatus.EXPORTED, ExportStatus.CHANGED]
        ).values_list("doc_type", "doc_id")
    )
    creates = outbox.filter(state=OutboxState.CONFIRMED, operation="create").exclude(
        doc_type="credit_application"
    )
    last_run = outbox.order_by("-run_id").values_list("run_id", flat=True).first()
    fields = ("doc_type", "doc_id", "operation", "state", "qb_id", "run_id", "batch_key")
    return {
        "states": Counter(outbox.values_list("doc_type", "operation", "state")),
        "confirmed_but_not_exported": [
            r for r in creates.values_list(*fields) if (r[0], r[1]) not in exported
        ][:10],
        "failed": list(
            outbox.filter(state=OutboxState.FAILED)
            .values_list("doc_type", "doc_id", "run_id", "error_code", "message")
            .distinct()[:5]
        ),
        "left_by_dead_runs": list(
            outbox.exclude(state=OutboxState.CONFIRMED)
            .exclude(run_id=last_run)
            .values_list(*fields)[:10]
        ),
    }


def assert_exactly_once_after_kills(
    crasher: Crasher, outcome: dict[str, Any], rows: set[tuple[str, int, str]], since: int
) -> None:
    """The finishing run settled everything, and every write is in QuickBooks once."""
    qb = crasher.qb
    assert outcome.get("state") == "done", f"{outcome}\n{diagnose(qb)}"
    assert outcome["failed"] == 0 and outcome["held"] == 0, f"{outcome}\n{diagnose(qb)}"
    assert_outbox_confirmed_once(qb, rows)
    assert_invariants(qb)
    assert_once_in_quickbooks(qb, rows)
    with crasher.emulator.lock:
        writes = quickbooks_writes(crasher.company, since)
    assert writes == writes_expected(rows), (writes, writes_expected(rows))


def test_kill_9_twenty_times_then_exactly_once(
    qb: Connected, emulator: Emulator, tmp_path: Path
) -> None:
    build(qb, invoices=INVOICES)
    fresh_statistics()
    rows = expected_rows(qb)
    assert 950 <= len(rows) <= 1100, len(rows)
    rng = random.Random(SEED)
    crasher = Crasher(qb, emulator, tmp_path, rng)
    since = len(crasher.company.changes)  # what the scenario itself wrote (hand-entered invoices)
    modes = list(MODES)
    rng.shuffle(modes)
    kills = [crasher.round(n, mode, KILLS - n, len(rows)) for n, mode in enumerate(modes)]
    outcome = crasher.finish(KILLS)
    report = "\n".join(str(k) for k in kills)
    print(report)  # pytest -s shows where the kills landed

    assert_exactly_once_after_kills(crasher, outcome, rows, since)
    # The kills were not idle: workers died all through the run, with requests in the air.
    assert sum(k.alive for k in kills) >= KILLS - 3, report
    assert any(k.confirmed < len(rows) // 2 for k in kills), report  # documents phase
    assert any(len(rows) * 3 // 4 < k.confirmed < len(rows) for k in kills), report  # payments
    assert sum(1 for k in kills if k.sent_rows) >= 5, report  # batches sent, answer unrecorded
    assert sum(k.landed for k in kills) >= 5, report  # QuickBooks wrote, the worker never heard


SINGLES_KILLS = 10
SINGLES_ENV = {
    # QuickBooks' minute is 3 s for the workers' limiter, and it allows one batch in it:
    # most writes go as singles in the spare request budget.
    "MEMBERBOOKS_QBO_EMULATOR_TIME_SCALE": "0.05",
    "MEMBERBOOKS_QBO_BATCH_PER_MINUTE": "1",
}


def test_kill_9_with_singles_in_the_air_then_exactly_once(
    qb: Connected, emulator: Emulator, tmp_path: Path
) -> None:
    build(qb, invoices=INVOICES // 2)
    fresh_statistics()
    rows = expected_rows(qb)
    rng = random.Random(SEED + 1)
    crasher = Crasher(qb, emulator, tmp_path, rng, env=SINGLES_ENV)
    since = len(crasher.company.changes)
    modes = ["progress"] * 5 + ["in_flight"] * 4 + ["resend"]
    rng.shuffle(modes)
    kills = [crasher.round(n, mode, SINGLES_KILLS - n, len(rows)) for n, mode in enumerate(modes)]
    outcome = crasher.finish(SINGLES_KILLS)
    report = "\n".join(str(k) for k in kills)
    print(report)

    assert_exactly_once_after_kills(crasher, outcome, rows, since)
    singles = OutboxItem.objects.filter(
        organisation=qb.books.org, batch_key__startswith=SINGLE_PREFIX
    )
    assert singles.count() >= len(rows) // 10, singles.count()  # singles carried a share
    left = [key for k in kills for key in k.sent_batches if key.startswith(SINGLE_PREFIX)]
    assert len(left) >= 3, report  # kills left singles sent, their answer unrecorded
    assert sum(k.landed for k in kills) >= 2, report
