"""Realism knobs: latency, QuickBooks' throttles, random faults, commit-then-fail, token expiry.

A company's knobs live in `company.knobs` (set through `PUT /_emulator/companies/{realm}/knobs`);
a run can set defaults for every company with `set_run_knobs()` (the `--throttle` and
`--knobs` options of the server). A knob missing from both takes its value from `DEFAULTS`:
everything off, so tests and scripts get a plain, fast QuickBooks unless they ask otherwise.

The contract with api.py, per API call of a company:

    refusal = knobs.gate(request, emulator, company)   # outside emulator.lock: it may sleep
    if refusal is not None:
        return refusal                                  # nothing was registered
    try:
        ... handle the call; after a committed write:
        if knobs.lose_response(company):
            return knobs.lost_response(company)         # the write stands, the answer is lost
    finally:
        knobs.done(company)                             # releases the concurrency slot

Meters (request timestamps, in-flight counts, the seeded random generator) are
runtime only: they are kept beside the company, never in it, so `save()` does not
persist them and a restart starts with fresh windows, as a new minute would.
"""

import random
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from qbemulator.online.faults import Fault, qbo_time
from qbemulator.online.http import Request, Response
from qbemulator.online.state import Company, Emulator

DEFAULTS: dict[str, Any] = {
    "latency_ms": 0,  # added to every API call, scaled by time_scale
    "throttle": False,  # the real limits below; `make demo` turns them on
    "requests_per_minute": 500,  # per realm, batch requests included (api.md §9)
    "concurrent": 10,  # in-flight requests per realm (api.md §9)
    "batch_per_minute": 40,  # batch requests per realm (api.md §4; 120 since 2025, see README)
    "throttle_format": "xml",  # the only recorded 429 bodies are XML; "json" for the JSON twin
    "time_scale": 1.0,  # multiplies every window and sleep: 0.01 makes the minute 0.6 s
    "error_rate": 0.0,  # probability of a 500 (SystemFault 10000) or a 503 (gateway page)
    "timeout_rate": 0.0,  # probability of answering only after timeout_seconds (then 504)
    "timeout_seconds": 130,  # past Intuit's 120 s request timeout and the usual client timeouts
    "commit_then_fail": 0,  # int: the next N writes lose their response; float: a probability
    "seed": None,  # makes error_rate, timeout_rate and commit_then_fail reproducible
    "expire_tokens": False,  # one shot: the company's tokens expire, then the knob resets
}

MINUTE = 60.0

THROTTLE_MESSAGE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"
THROTTLE_DETAIL = "The request limit was reached.  Try again later"  # two spaces, as recorded

GATEWAY_503 = (
    "<html><head><title>503 Service Temporarily Unavailable</title></head><body>\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\n</body></html>\n"
)
GATEWAY_504 = (
    "<html><head><title>504 Gateway Time-out</title></head><body>\n"
    "<center><h1>504 Gateway Time-out</h1></center>\n</body></html>\n"
)


@dataclass
class Meter:
    """One company's runtime counters. Guarded by its own lock, never by emulator.lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    recent: deque[float] = field(default_factory=deque)  # accepted requests, monotonic times
    batches: deque[float] = field(default_factory=deque)  # accepted batch requests
    in_flight: int = 0
    rng: random.Random = field(default_factory=random.Random)
    seed: Any = None


_meters: dict[int, Meter] = {}
_run_knobs: dict[int, dict[str, Any]] = {}
_registry_lock = threading.Lock()


def meter(company: Company) -> Meter:
    """The company's meter, created on first use and dropped when the company is."""
    key = id(company)
    with _registry_lock:
        found = _meters.get(key)
        if found is None:
            found = _meters[key] = Meter()
            weakref.finalize(company, _meters.pop, key, None)
        return found


def set_run_knobs(emulator: Emulator, values: dict[str, Any]) -> None:
    """Defaults for every company of this emulator (a company's own knobs still win)."""
    key = id(emulator)
    with _registry_lock:
        if key not in _run_knobs:
            weakref.finalize(emulator, _run_knobs.pop, key, None)
        _run_knobs[key] = dict(values)


def knob(company: Company, name: str, emulator: Emulator | None = None) -> Any:
    """The value in force: the company's knob, else the run's, else the built-in default."""
    if name in company.knobs:
        return company.knobs[name]
    if emulator is not None:
        run = _run_knobs.get(id(emulator), {})
        if name in run:
            return run[name]
    return DEFAULTS[name]


def scale(company: Company, emulator: Emulator | None = None) -> float:
    return float(knob(company, "time_scale", emulator) or 1.0)


def gate(request: Request, emulator: Emulator, company: Company) -> Response | None:
    """Before an API call is handled: a throttle, latency or injected fault may answer instead.

    None means go ahead, and the call now holds one of the company's concurrency
    slots until `done(company)`. A Response means answer with it; no slot is held.
    """
    _expire_tokens_once(emulator, company)
    refusal = _admit(request, emulator, company)
    if refusal is not None:
        return refusal
    latency = float(knob(company, "latency_ms", emulator) or 0) / 1000.0
    if latency > 0:
        time.sleep(latency * scale(company, emulator))
    fault = _random_fault(emulator, company)
    if fault is not None:
        done(company)
    return fault


def done(company: Company) -> None:
    """The call that `gate()` let through has been answered: release its concurrency slot."""
    found = meter(company)
    with found.lock:
        found.in_flight = max(0, found.in_flight - 1)


def lose_response(company: Company) -> bool:
    """After a write committed: True when the knobs say the response must be lost.

    An int N loses the next N writes' responses (the knob counts down); a float is a
    probability drawn from the company's (seeded) generator.
    """
    setting = company.knobs.get("commit_then_fail", DEFAULTS["commit_then_fail"])
    if isinstance(setting, bool):
        return setting
    if isinstance(setting, int):
        if setting <= 0:
            return False
        company.knobs["commit_then_fail"] = setting - 1
        return True
    probability = float(setting or 0)
    return probability > 0 and _rng(company).random() < probability


def lost_response(company: Company, emulator: Emulator | None = None) -> Response:
    """What the caller sees of a write whose response was lost: a 500 system fault.

    Drawn like a random error: the caller cannot tell it from a failed write, which is
    the point; only a retry with the same requestid is safe.
    """
    return _server_error(company)


def throttled(company: Company, emulator: Emulator | None = None) -> Response:
    """The 429 QuickBooks sends: code 3001, type SERVICE; no Retry-After (none is recorded)."""
    if knob(company, "throttle_format", emulator) == "json":
        fault = Fault("3001", THROTTLE_MESSAGE, THROTTLE_DETAIL, fault_type="SERVICE", status=429)
        return fault.response()
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{qbo_time()}" xmlns="http://schema.intuit.com/finance/v3">\n'
        '  <Fault type="SERVICE">\n'
        '    <Error code="3001">\n'
        f"      <Message>{THROTTLE_MESSAGE}</Message>\n"
        f"      <Detail>{THROTTLE_DETAIL}</Detail>\n"
        "    </Error>\n"
        "  </Fault>\n"
        "</IntuitResponse>\n"
    )
    return Response(429, body.encode(), [("Content-Type", "application/xml")])


def is_batch(request: Request) -> bool:
    return request.method == "POST" and request.path.rstrip("/").lower().endswith("/batch")


def _admit(request: Request, emulator: Emulator, company: Company) -> Response | None:
    """Count the call against the company's limits; refuse it with a 429 when one is reached."""
    found = meter(company)
    limited = bool(knob(company, "throttle", emulator))
    window = MINUTE * scale(company, emulator)
    batch = is_batch(request)
    now = time.monotonic()
    with found.lock:
        if limited:
            _forget_before(found.recent, now - window)
            _forget_before(found.batches, now - window)
            if (
                found.in_flight >= int(knob(company, "concurrent", emulator))
                or len(found.recent) >= int(knob(company, "requests_per_minute", emulator))
                or (
                    batch and len(found.batches) >= int(knob(company, "batch_per_minute", emulator))
                )
            ):
                return throttled(company, emulator)
            found.recent.append(now)
            if batch:
                found.batches.append(now)
        found.in_flight += 1
    return None


def _forget_before(times: deque[float], cutoff: float) -> None:
    while times and times[0] <= cutoff:
        times.popleft()


def _random_fault(emulator: Emulator, company: Company) -> Response | None:
    error_rate = float(knob(company, "error_rate", emulator) or 0)
    timeout_rate = float(knob(company, "timeout_rate", emulator) or 0)
    if not error_rate and not timeout_rate:
        return None
    rng = _rng(company)
    draw = rng.random()
    if draw < timeout_rate:
        time.sleep(float(knob(company, "timeout_seconds", emulator)) * scale(company, emulator))
        return Response(504, GATEWAY_504.encode(), [("Content-Type", "text/html")])
    if draw < timeout_rate + error_rate:
        return _server_error(company)
    return None


def _server_error(company: Company) -> Response:
    """Half the time QBO's 500 SystemFault, half the time the gateway's 503 page (api.md §8)."""
    if _rng(company).random() < 0.5:
        return Fault(
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred",
            fault_type="SystemFault",
            status=500,
        ).response()
    return Response(503, GATEWAY_503.encode(), [("Content-Type", "text/html")])


def _rng(company: Company) -> random.Random:
    """The company's generator, reseeded whenever its `seed` knob changes."""
    found = meter(company)
    seed = company.knobs.get("seed")
    with found.lock:
        if seed != found.seed:
            found.seed = seed
            found.rng = random.Random(seed)
        return found.rng


def _expire_tokens_once(emulator: Emulator, company: Company) -> None:
    """`expire_tokens: true` expires the company's tokens once, then resets itself.

    Tested and reset under the lock: two requests arriving together must not both
    expire the tokens, or the second would also end the token the first one's
    client has just refreshed (a one-shot knob firing twice).
    """
    from qbemulator.online import oauth

    with emulator.lock:
        if not company.knobs.get("expire_tokens"):
            return
        company.knobs["expire_tokens"] = False
        expire = getattr(oauth, "expire_tokens", None)
        if expire is not None:
            expire(emulator, company.realm_id)
