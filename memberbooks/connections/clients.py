"""The QuickBooks client for an organisation's connection, sharing this process's rate limiter.

Every worker process builds one `RateLimiter`; with MEMBERBOOKS_REDIS_URL set it
keeps its counts in Redis, so all workers of all machines share one per-company
budget (500 requests a minute, 10 at once, MEMBERBOOKS_QBO_BATCH_PER_MINUTE batch
requests a minute: 40 unless set). Without Redis the budget is per
process, which is right for a single-machine install with one worker.
"""

from functools import cache

import httpx
from django.conf import settings

from memberbooks.connections.actions import endpoints_of
from memberbooks.connections.models import QboConnection
from memberbooks.connections.tokens import ConnectionTokens
from memberbooks.quickbooks.online.client import QboClient
from memberbooks.quickbooks.online.ratelimit import Limits, RateLimiter

MINUTE = 60.0
MIN_MARGIN = 0.1  # seconds, unscaled (see `_limiter`)


def time_scale(connection: QboConnection) -> float:
    """1 for Intuit; the emulator's time scale (MEMBERBOOKS_QBO_EMULATOR_TIME_SCALE) for it."""
    if connection.environment != "emulator":
        return 1.0
    return float(settings.QBO_EMULATOR_TIME_SCALE)


def limiter(scale: float = 1.0) -> RateLimiter:
    return _limiter(settings.REDIS_URL or None, scale, settings.QBO_BATCH_PER_MINUTE)


@cache
def _limiter(redis_url: str | None, scale: float, batch_per_minute: int) -> RateLimiter:
    # The margin covers the delay between a slot being granted and the request reaching
    # QuickBooks; that delay does not shrink with the emulator's time scale.
    limits = Limits(
        window=MINUTE * scale,
        margin=max(0.5 * scale, MIN_MARGIN),
        batch_per_minute=batch_per_minute,
    )
    prefix = "mb:qbo:rl" if scale == 1.0 else f"mb:qbo:rl:x{scale}"
    return RateLimiter(redis_url, limits=limits, prefix=prefix)


def client_for(connection: QboConnection, http: httpx.Client | None = None) -> QboClient:
    """A client for this connection's company; pass `http` to reuse a pool (or a test transport)."""
    scale = time_scale(connection)
    return QboClient(
        endpoints_of(connection),
        ConnectionTokens(connection),
        http=http,
        limiter=limiter(scale),
        throttle_wait=MINUTE * scale,
    )
