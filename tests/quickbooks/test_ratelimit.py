"""The per-realm limiter: window and concurrency caps across threads and processes, fairness, expiry."""

import multiprocessing
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis

from memberbooks.quickbooks.online.errors import ADVICE, UNKNOWN, advice_for
from memberbooks.quickbooks.online.ratelimit import Limits, RateLimiter, RedisBackend

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own, removed afterwards."""
    name = f"test:rl:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def limiter(prefix: str | None, limits: Limits) -> RateLimiter:
    """A Redis limiter with its own connection, or an in-process one when prefix is None."""
    if prefix is None:
        return RateLimiter(limits=limits)
    return RateLimiter(redis.Redis.from_url(REDIS_URL), limits=limits, prefix=prefix)


def hammer(limiters: list[RateLimiter], calls: int, hold: float) -> tuple[list[float], int]:
    """Threads, one per limiter, each taking `calls` slots; grant times and peak in-flight."""
    grants: list[float] = []
    in_flight, peak = [0], [0]
    lock = threading.Lock()

    def work(rl: RateLimiter) -> None:
        for _ in range(calls):
            with rl.slot("realm-a"):
                with lock:
                    grants.append(time.monotonic())
                    in_flight[0] += 1
                    peak[0] = max(peak[0], in_flight[0])
                time.sleep(hold)
                with lock:
                    in_flight[0] -= 1

    threads = [threading.Thread(target=work, args=(rl,)) for rl in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(grants), peak[0]


def most_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for u in times if t <= u < t + window) for t in times)


@pytest.mark.parametrize("backend", ["redis", "memory"])
def test_threads_sharing_a_limiter_stay_under_the_window_and_concurrency(
    prefix: str, backend: str
) -> None:
    limits = Limits(requests_per_minute=30, concurrent=3, window=0.5, margin=0.02)
    shared = [limiter(prefix if backend == "redis" else None, limits)]
    limiters = [limiter(prefix, limits) for _ in range(6)] if backend == "redis" else shared * 6
    grants, peak = hammer(limiters, calls=10, hold=0.005)
    assert len(grants) == 60
    assert peak <= 3
    assert most_in_window(grants, 0.5) <= 30
    assert grants[-1] - grants[0] >= 0.5  # the 31st had to wait for the window


def _process_worker(prefix: str, out: str) -> None:
    rl = limiter(prefix, Limits(requests_per_minute=20, concurrent=2, window=0.5, margin=0.02))
    store = redis.Redis.from_url(REDIS_URL)
    for _ in range(15):
        with rl.slot("realm-a"):
            start = time.time()
            time.sleep(0.01)
            store.rpush(out, f"{start} {time.time()}")


def test_two_processes_sharing_redis_never_exceed_the_limits(prefix: str) -> None:
    out = f"{prefix}:out"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_worker, args=(prefix, out)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    rows = [
        tuple(map(float, r.split()))
        for r in redis.Redis.from_url(REDIS_URL, decode_responses=True).lrange(out, 0, -1)
    ]
    assert len(rows) == 30
    starts = sorted(start for start, _ in rows)
    assert most_in_window(starts, 0.5) <= 20
    peak = max(sum(1 for s, e in rows if s <= t < e) for t, _ in rows)
    assert peak <= 2


@pytest.mark.parametrize("backend", ["redis", "memory"])
def test_a_busy_company_does_not_delay_another(prefix: str, backend: str) -> None:
    naps: list[float] = []
    rl = limiter(prefix if backend == "redis" else None, Limits(requests_per_minute=5, window=30))
    rl.sleep = naps.append
    for _ in range(5):
        with rl.slot("busy"):
            pass
    with rl.slot("quiet"):
        pass
    assert naps == []  # the other realm went straight through
    waited = rl.backend.try_acquire("busy", "x", False, rl.limits)
    assert 25 < waited <= 30.5  # the busy realm waits for its own window


def test_batch_calls_have_their_own_per_minute_cap() -> None:
    rl = RateLimiter(limits=Limits(batch_per_minute=2, window=30))
    for _ in range(2):
        with rl.slot("r", batch=True):
            pass
    assert rl.backend.try_acquire("r", "x", True, rl.limits) > 0
    assert rl.backend.try_acquire("r", "y", False, rl.limits) == 0  # plain calls still go


@pytest.mark.parametrize("backend", ["redis", "memory"])
def test_spare_requests_leave_the_batches_their_request_budget(prefix: str, backend: str) -> None:
    """Spare calls stop at 500 - 40 - headroom; batches and plain calls still go after them."""
    limits = Limits(requests_per_minute=12, batch_per_minute=3, spare_headroom=2, window=30)
    rl = limiter(prefix if backend == "redis" else None, limits)
    naps: list[float] = []
    rl.sleep = naps.append
    assert limits.spare_requests_per_minute == 7
    for _ in range(7):
        with rl.slot("r", spare=True):
            pass
    assert naps == []
    spare = replace(limits, requests_per_minute=limits.spare_requests_per_minute)
    assert rl.backend.try_acquire("r", "spare-8", False, spare) > 25  # waits for the window
    for _ in range(3):
        with rl.slot("r", batch=True):
            pass
    for _ in range(2):
        with rl.slot("r"):
            pass
    assert naps == []  # the batches and the reads never waited for the spare calls
    assert rl.backend.try_acquire("r", "13th", False, limits) > 25


@pytest.mark.parametrize("backend", ["redis", "memory"])
def test_would_wait_tells_without_taking_a_slot(prefix: str, backend: str) -> None:
    rl = limiter(prefix if backend == "redis" else None, Limits(batch_per_minute=2, window=30))
    for _ in range(5):
        assert rl.would_wait("r", batch=True) == 0  # asking takes nothing
    for _ in range(2):
        with rl.slot("r", batch=True):
            pass
    assert 25 < rl.would_wait("r", batch=True) <= 30.5  # the batch minute is spent
    assert rl.would_wait("r") == 0  # a plain call would still go


def test_no_spare_budget_when_batches_and_headroom_take_it_all() -> None:
    limits = Limits(requests_per_minute=50, batch_per_minute=45, spare_headroom=10, window=30)
    assert limits.spare_requests_per_minute == 0
    rl = RateLimiter(limits=limits)
    naps: list[float] = []
    rl.sleep = naps.append
    with rl.slot("r", spare=True):  # an ordinary call then: a resend must still go
        pass
    assert naps == []


def test_a_crashed_worker_loses_its_concurrency_slot_after_the_ttl(prefix: str) -> None:
    limits = Limits(concurrent=1, slot_ttl=0.3)
    backend = RedisBackend(REDIS_URL, prefix)
    assert backend.try_acquire("r", "dead-worker", False, limits) == 0  # never released
    assert backend.try_acquire("r", "live", False, limits) > 0
    time.sleep(0.35)
    assert backend.try_acquire("r", "live", False, limits) == 0


def test_every_common_fault_code_has_plain_advice() -> None:
    codes = ["6240", "6140", "610", "5010", "2020", "2010", "2030", "2500", "6000", "6210"]
    codes += ["4000", "4001", "3200", "invalid_grant", "3100", "3001", "10000"]
    for code in codes:
        advice = advice_for(code, 400)
        assert advice is ADVICE[code] and advice.message and advice.fix, code
    assert advice_for("3001", 429).transient and advice_for("xyz", 503).transient
    assert advice_for("500", 400) is ADVICE["500"]  # Unsupported Operation
    assert advice_for("500", 500).transient  # a server error, not the 400 code 500
    assert advice_for("9999", 400) is UNKNOWN


@pytest.mark.parametrize("backend", ["redis", "memory"])
def test_a_throttled_realm_is_held_for_every_worker(prefix: str, backend: str) -> None:
    limits = Limits()
    first = limiter(prefix if backend == "redis" else None, limits)
    second = limiter(prefix, limits) if backend == "redis" else first
    first.hold("r", 5.0)
    first.hold("r", 1.0)  # a shorter hold never cuts a longer one
    assert 4.5 < second.backend.try_acquire("r", "x", False, limits) <= 5.0
    assert second.backend.try_acquire("other", "y", False, limits) == 0
