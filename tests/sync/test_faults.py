"""End to end against the emulator over HTTP with faults on: exactly once, AR to the cent."""

from typing import Any

from memberbooks.sync.models import OutboxItem, OutboxState, RunState
from memberbooks.sync.push import SINGLE_PREFIX, push, single_key
from tests.mapping.conftest import Connected
from tests.sync.scenario import assert_invariants, build, set_knobs


def test_a_clean_run_leaves_the_invariants(qb: Connected) -> None:
    build(qb, invoices=120)
    run = push(qb.actor)
    assert run.state == RunState.DONE and run.failed == 0, run.note
    assert_invariants(qb)


def test_5xx_commit_then_fail_timeouts_throttles_and_token_expiry(
    qb: Connected, settings: Any
) -> None:
    """QuickBooks' minute is 0.6 s here (time_scale), for the emulator and our limiter alike.

    The emulator allows 4 batches a minute where our limiter expects 40, so the push
    runs into 429s (a storm) besides the random 5xx, lost answers and timeouts.
    """
    build(qb, invoices=150)
    settings.QBO_EMULATOR_TIME_SCALE = 0.01
    set_knobs(
        qb,
        error_rate=0.05,
        commit_then_fail=0.02,
        timeout_rate=0.01,
        timeout_seconds=130,
        throttle=True,
        batch_per_minute=4,
        time_scale=0.01,
        expire_tokens=True,
        seed=7,
    )
    runs = [push(qb.actor)]
    while runs[-1].state != RunState.DONE and len(runs) < 4:
        runs.append(push(qb.actor))

    assert runs[-1].state == RunState.DONE, [r.note for r in runs]
    retried: dict[str, int] = {}
    for run in runs:
        for code, count in run.retries.items():
            retried[code] = retried.get(code, 0) + count
    assert retried.get("3001", 0) + retried.get("429", 0) > 0, retried  # throttled
    assert set(retried) & {"10000", "503", "504", "500"}, retried  # server faults and lost answers
    assert sum(r.failed for r in runs) == 0
    assert not OutboxItem.objects.exclude(state=OutboxState.CONFIRMED).exists()
    assert_invariants(qb)


def test_singles_beside_the_batches_under_faults_write_each_document_once(
    qb: Connected, settings: Any
) -> None:
    """A push needing more batches than a minute allows also sends single writes, in the
    request budget the batches leave; with 5xx, lost answers and timeouts on, each
    document is still written once, and a single is settled like a batch of one."""
    build(qb, invoices=150)
    settings.QBO_EMULATOR_TIME_SCALE = 0.01
    settings.QBO_BATCH_PER_MINUTE = 2
    set_knobs(
        qb,
        error_rate=0.05,
        commit_then_fail=0.05,
        timeout_rate=0.01,
        timeout_seconds=130,
        throttle=True,
        batch_per_minute=2,
        time_scale=0.01,
        seed=11,
    )
    runs = [push(qb.actor)]
    while runs[-1].state != RunState.DONE and len(runs) < 4:
        runs.append(push(qb.actor))

    assert runs[-1].state == RunState.DONE, [r.note for r in runs]
    assert sum(r.failed for r in runs) == 0
    confirmed = OutboxItem.objects.filter(state=OutboxState.CONFIRMED)
    singles = confirmed.filter(batch_key__startswith=SINGLE_PREFIX)
    assert singles.count() >= 10, singles.count()
    assert confirmed.exclude(batch_key__startswith=SINGLE_PREFIX).count() >= 30
    assert all(row.batch_key == single_key(row) for row in singles)
    assert not OutboxItem.objects.exclude(state=OutboxState.CONFIRMED).exists()
    assert_invariants(qb)
