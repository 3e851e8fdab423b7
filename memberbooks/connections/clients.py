"""The QuickBooks client for an organisation's connection, sharing this process's rate limiter.

Every worker process builds one `RateLimiter`; with MEMBERBOOKS_REDIS_URL set it
keeps its counts in Redis, so all workers of all machines share one per-company
budget (500 requests a minute, 10 at once). Without Redis the budget is per
process, which is right for a single-machine install with one worker.
"""

from functools import cache

import httpx
from django.conf import settings

from memberbooks.connections.actions import endpoints_of
from memberbooks.connections.models import QboConnection
from memberbooks.connections.tokens import ConnectionTokens
from memberbooks.quickbooks.online.client import QboClient
from memberbooks.quickbooks.online.ratelimit import RateLimiter


@cache
def limiter() -> RateLimiter:
    return RateLimiter(settings.REDIS_URL or None)


def client_for(connection: QboConnection, http: httpx.Client | None = None) -> QboClient:
    """A client for this connection's company; pass `http` to reuse a pool (or a test transport)."""
    return QboClient(
        endpoints_of(connection), ConnectionTokens(connection), http=http, limiter=limiter()
    )
