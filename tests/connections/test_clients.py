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
