"""A per-company (realm) rate limiter shared by every worker that talks to QuickBooks.

QuickBooks allows each app, per company, 500 requests in any rolling minute
(batch calls included), 10 requests in flight at once, and 40 batch calls a
minute (api.md §4, §9). Going over costs a 429 and a long wait, so every call
first takes a slot here. Limits and waiting are per realm: one company that is
busy (its workers queue here) never delays another company's calls.

Two backends share one algorithm:

- `RedisBackend`: the state lives in Redis (three sorted sets per realm), checked
  and updated by one Lua script, so any number of processes and machines agree.
  The clock is Redis' own `TIME`. A concurrency slot is a sorted-set member
  scored with its expiry, so a worker that dies holding one loses it after
  `slot_ttl` seconds instead of blocking the company forever.
- `MemoryBackend`: the same in one process (threads), for installs without Redis.

A *spare* request (`slot(..., spare=True)`) may use only what batches cannot: the
request budget less the batch budget and a small headroom (`spare_headroom`) for
reads. A pusher sends single writes as spare requests alongside its batches, so
they add throughput without ever making a batch wait for the request budget.

A request is counted when its slot is granted. The emulator (and QuickBooks)
count it a little later, when it arrives, so the limiter's window is padded by
`margin` seconds to keep the two minutes from overlapping at the edge.
"""

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Protocol

import redis


@dataclass(frozen=True)
class Limits:
    """QuickBooks' limits per realm; `window` shrinks the minute in tests."""

    requests_per_minute: int = 500
    concurrent: int = 10
    batch_per_minute: int = 40
    window: float = 60.0
    margin: float = 0.5  # seconds added to the window (see the module docstring)
    slot_ttl: float = 150.0  # longer than any call may take (Intuit times out at 120 s)
    spare_headroom: int = 10  # requests a minute kept from spare requests, for reads

    @property
    def spare_requests_per_minute(self) -> int:
        """The request budget spare requests may fill (see the module docstring)."""
        return max(0, self.requests_per_minute - self.batch_per_minute - self.spare_headroom)

    @property
    def padded_window(self) -> float:
        return self.window + self.margin


class Backend(Protocol):
    def try_acquire(
        self, realm: str, token: str, batch: bool, limits: Limits, peek: bool = False
    ) -> float:
        """0 when the slot is granted; otherwise how long to wait before trying again.

        `peek`: only say whether it would be granted now (0) or how long it would wait.
        """
        ...

    def release(self, realm: str, token: str) -> None: ...

    def hold(self, realm: str, seconds: float) -> None:
        """Grant no slot of this realm for `seconds` (after QuickBooks answered 429)."""
        ...


# KEYS: requests zset, batches zset, in-flight zset, hold-until string.
# ARGV: window, request limit, batch limit, concurrency limit, slot ttl, token, is_batch, peek.
# Returns "0" when granted (with peek: when it would be, taking nothing), else the number
# of seconds to wait (as a string).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
local is_batch = ARGV[7] == '1'
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local hold = tonumber(redis.call('GET', KEYS[4]) or '0')
if hold > now then
  return tostring(hold - now)
end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then
  return '0.005'
end
local function wait_for(key, limit)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return math.max(tonumber(oldest[2]) + window - now, 0.001)
  end
  return 0
end
local wait = wait_for(KEYS[1], tonumber(ARGV[2]))
if wait == 0 and is_batch then
  wait = wait_for(KEYS[2], tonumber(ARGV[3]))
end
if wait > 0 then
  return tostring(wait)
end
if ARGV[8] == '1' then
  return '0'
end
redis.call('ZADD', KEYS[1], now, ARGV[6])
if is_batch then
  redis.call('ZADD', KEYS[2], now, ARGV[6])
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), ARGV[6])
local keep = math.ceil(math.max(window, tonumber(ARGV[5]))) + 1
for i = 1, 3 do
  redis.call('EXPIRE', KEYS[i], keep)
end
return '0'
"""

# KEYS: hold-until string. ARGV: seconds. Only ever moves the hold later.
_HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local hold_end = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if hold_end > current then
  redis.call('SET', KEYS[1], tostring(hold_end), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1)
end
return 1
"""


class RedisBackend:
    """Limiter state in Redis, shared by every process; one Lua script per attempt."""

    def __init__(self, client: "redis.Redis | str", prefix: str = "mb:qbo:rl") -> None:
        self.redis = redis.Redis.from_url(client) if isinstance(client, str) else client
        self.prefix = prefix
        self.script = self.redis.register_script(_ACQUIRE)
        self.hold_script = self.redis.register_script(_HOLD)

    def keys(self, realm: str) -> list[str]:
        base = f"{self.prefix}:{realm}"
        return [f"{base}:req", f"{base}:batch", f"{base}:inflight", f"{base}:hold"]

    def try_acquire(
        self, realm: str, token: str, batch: bool, limits: Limits, peek: bool = False
    ) -> float:
        args: list[str | int | float] = [
            limits.padded_window,
            limits.requests_per_minute,
            limits.batch_per_minute,
            limits.concurrent,
            limits.slot_ttl,
            token,
            "1" if batch else "0",
            "1" if peek else "0",
        ]
        answer = self.script(keys=self.keys(realm), args=args)
        text = answer.decode() if isinstance(answer, bytes) else str(answer)
        return float(text)

    def release(self, realm: str, token: str) -> None:
        self.redis.zrem(self.keys(realm)[2], token)

    def hold(self, realm: str, seconds: float) -> None:
        self.hold_script(keys=[self.keys(realm)[3]], args=[max(seconds, 0.0)])


@dataclass
class _RealmState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: deque[float] = field(default_factory=deque)
    batches: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    hold_until: float = 0.0


class MemoryBackend:
    """The same limits for the threads of one process (a single-machine install)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.realms: dict[str, _RealmState] = {}
        self.registry = threading.Lock()

    def state(self, realm: str) -> _RealmState:
        with self.registry:
            return self.realms.setdefault(realm, _RealmState())

    def try_acquire(
        self, realm: str, token: str, batch: bool, limits: Limits, peek: bool = False
    ) -> float:
        state = self.state(realm)
        with state.lock:
            now = self.clock()
            if state.hold_until > now:
                return state.hold_until - now
            window = limits.padded_window
            for times in (state.requests, state.batches):
                while times and times[0] <= now - window:
                    times.popleft()
            if state.in_flight >= limits.concurrent:
                return 0.005
            if len(state.requests) >= limits.requests_per_minute:
                return max(state.requests[0] + window - now, 0.001)
            if batch and len(state.batches) >= limits.batch_per_minute:
                return max(state.batches[0] + window - now, 0.001)
            if peek:
                return 0.0
            state.requests.append(now)
            if batch:
                state.batches.append(now)
            state.in_flight += 1
            return 0.0

    def release(self, realm: str, token: str) -> None:
        state = self.state(realm)
        with state.lock:
            state.in_flight = max(0, state.in_flight - 1)

    def hold(self, realm: str, seconds: float) -> None:
        state = self.state(realm)
        with state.lock:
            state.hold_until = max(state.hold_until, self.clock() + seconds)


class RateLimiter:
    """Per-realm slots: `with limiter.slot(realm): ...` around every QuickBooks call.

    `redis` is a URL (``redis://127.0.0.1:6379/0``) or a client to share the limits
    across processes; None keeps them in this process only.
    """

    def __init__(
        self,
        redis_client: "redis.Redis | str | None" = None,
        *,
        limits: Limits | None = None,
        prefix: str = "mb:qbo:rl",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self.backend: Backend = (
            MemoryBackend() if redis_client is None else RedisBackend(redis_client, prefix)
        )
        self.sleep = sleep

    @contextmanager
    def slot(self, realm: str, *, batch: bool = False, spare: bool = False) -> Iterator[None]:
        """Wait (for this realm only) until a request may start; free the slot afterwards.

        `spare`: count against the spare budget only (see the module docstring); with
        no spare budget at all (batches and headroom take every request) it is an
        ordinary call, so a single already sent can always be sent again.
        """
        token = uuid.uuid4().hex
        limits = self.limits
        if spare and limits.spare_requests_per_minute > 0:
            limits = replace(limits, requests_per_minute=limits.spare_requests_per_minute)
        while True:
            wait = self.backend.try_acquire(realm, token, batch, limits)
            if wait <= 0:
                break
            self.sleep(min(wait, 1.0))
        try:
            yield
        finally:
            self.backend.release(realm, token)

    def would_wait(self, realm: str, *, batch: bool = False) -> float:
        """How long a call would wait for its slot now (0: it would go at once); takes nothing."""
        return self.backend.try_acquire(realm, "peek", batch, self.limits, peek=True)

    def hold(self, realm: str, seconds: float) -> None:
        """QuickBooks throttled this realm: every worker waits `seconds` before its next call."""
        self.backend.hold(realm, seconds)


def redis_from_url(url: str) -> redis.Redis:
    """A client for the limiter, for callers that wire settings (REDIS_URL)."""
    return redis.Redis.from_url(url)
