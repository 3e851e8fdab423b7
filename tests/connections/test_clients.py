"""`client_for`: an organisation's QuickBooks client, with the shared (Redis) rate limiter."""

from typing import Any

import httpx
import redis

from memberbooks.connections import clients
from memberbooks.quickbooks.online.ratelimit import RedisBackend
from tests.connections.conftest import Site
from tests.connections.test_refresh import cli_connect


def test_client_for_reads_the_company_through_the_shared_limiter(site: Site, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    clients._limiter.cache_clear()
    with redis.Redis.from_url(settings.REDIS_URL) as store, httpx.Client() as http:
        store.flushdb()
        try:
            connection = cli_connect(site)
            client = clients.client_for(connection, http)
            assert isinstance(client.limiter.backend, RedisBackend)  # type: ignore[union-attr]
            assert client.company_info()["CompanyName"] == "Acme Association"
            assert store.keys(f"*{connection.realm_id}*")  # the request was counted in Redis
        finally:
            clients._limiter.cache_clear()


def test_the_limiter_keeps_to_the_configured_batch_limit(settings: Any) -> None:
    """Intuit's production batch limit rose from 40 to 120 a minute; deployments set theirs."""
    settings.REDIS_URL = ""
    clients._limiter.cache_clear()
    try:
        assert clients.limiter().limits.batch_per_minute == 40
        settings.QBO_BATCH_PER_MINUTE = 120
        assert clients.limiter().limits.batch_per_minute == 120
        assert clients.limiter().limits.requests_per_minute == 500  # batches still count here
    finally:
        clients._limiter.cache_clear()
