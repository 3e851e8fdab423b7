"""End to end against the emulator over HTTP with faults on: exactly once, AR to the cent."""

from memberbooks.sync.models import OutboxItem, OutboxState, RunState
from memberbooks.sync.push import push
from tests.mapping.conftest import Connected
from tests.sync.scenario import assert_invariants, build, set_knobs


def test_a_clean_run_leaves_the_invariants(qb: Connected) -> None:
    build(qb, invoices=120)
    run = push(qb.actor)
    assert run.state == RunState.DONE and run.failed == 0, run.note
    assert_invariants(qb)


def test_5xx_commit_then_fail_timeouts_throttles_and_token_expiry(qb: Connected) -> None:
    build(qb, invoices=150)
    set_knobs(
        qb,
        error_rate=0.05,
        commit_then_fail=0.02,
        timeout_rate=0.01,
        timeout_seconds=130,
        throttle=True,
        batch_per_minute=6,
        requests_per_minute=60,
        time_scale=0.02,
        expire_tokens=True,
        seed=7,
    )
    runs = [push(qb.actor)]
    while runs[-1].state != RunState.DONE and len(runs) < 4:
        runs.append(push(qb.actor))

    assert runs[-1].state == RunState.DONE, [r.note for r in runs]
    assert sum(r.failed for r in runs) == 0
    assert not OutboxItem.objects.exclude(state=OutboxState.CONFIRMED).exists()
    assert_invariants(qb)
