"""Faults the emulator injects: expired tokens, 500/503, timeouts, lost responses, throttles."""

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import pytest

from memberbooks.quickbooks.online import wire
from memberbooks.quickbooks.online.client import BatchItem, QboClient, error_from_response
from memberbooks.quickbooks.online.errors import (
    AuthQboError,
    TerminalQboError,
    TransientQboError,
)
from memberbooks.quickbooks.online.ratelimit import Limits, RateLimiter
from tests.quickbooks.conftest import Qbo, endpoints


@dataclass
class RealSleep:
    """Really sleeps, and records what was asked."""

    asked: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        time.sleep(seconds)


SCALED_MINUTE = 0.6  # the emulator's minute at time_scale 0.01, and the client's throttle wait


def invoice_body(customer_id: str) -> dict[str, object]:
    doc = wire.QbInvoice(
        id=None,
        customer_id=customer_id,
        lines=(wire.QbLine(amount=Decimal("75.00"), item_id="1"),),
    )
    return wire.invoice_json(doc)


def test_expired_token_is_refreshed_once_and_the_call_succeeds(qbo: Qbo) -> None:
    client = qbo.client()
    client.company_info()
    qbo.knobs(expire_tokens=True)
    info = client.company_info()
    assert info["CompanyName"] == "Riverside Chamber"
    assert client.tokens.refreshes == 1  # type: ignore[attr-defined]
    assert client.attempts == 3


class RevokedTokens:
    realm_id: str

    def __init__(self, realm: str) -> None:
        self.realm_id = realm
        self.refreshes = 0

    def access_token(self) -> str:
        return "revoked-token"

    def refresh(self) -> str:
        self.refreshes += 1
        return "still-revoked"


def test_a_token_that_stays_refused_raises_reconnect_after_one_refresh(qbo: Qbo) -> None:
    tokens = RevokedTokens(qbo.realm)
    client = qbo.client()
    client.tokens = tokens
    with pytest.raises(AuthQboError) as caught:
        client.company_info()
    assert tokens.refreshes == 1 and client.attempts == 2
    assert caught.value.code == "3200" and caught.value.status == 401
    assert "Connect to QuickBooks" in caught.value.fix


def test_500s_and_503s_are_retried_until_they_succeed(qbo: Qbo) -> None:
    qbo.knobs(error_rate=0.4, seed=11)
    client = qbo.client()
    for _ in range(20):
        assert client.company_info()["Id"] == "1"
    assert client.retries.get("10000", 0) > 0 and client.retries.get("503", 0) > 0
    assert len(qbo.sleeps) == sum(client.retries.values())
    assert all(0 <= s <= 30 for s in qbo.sleeps)


def test_too_many_server_errors_give_a_transient_error_with_advice(qbo: Qbo) -> None:
    qbo.knobs(error_rate=1.0, seed=3)
    client = qbo.client(max_retries=2)
    with pytest.raises(TransientQboError) as caught:
        client.company_info()
    assert client.attempts == 3
    assert "tries again automatically" in caught.value.fix


def test_timeouts_over_real_http_are_retried(loopback: Qbo) -> None:
    loopback.knobs(timeout_rate=0.3, seed=5, timeout_seconds=130, time_scale=0.005)  # 0.65 s
    client = loopback.client(timeout=httpx.Timeout(0.25, connect=1))
    for _ in range(12):
        assert client.company_info()["Id"] == "1"
    assert client.retries.get("timeout", 0) > 0


@pytest.mark.parametrize("key", ["outbox-17", None])
def test_commit_then_fail_retry_with_same_requestid_writes_once(qbo: Qbo, key: str | None) -> None:
    client = qbo.client()
    cust = client.create("Customer", {"DisplayName": "Lost Answer"}, idempotency_key=key)
    qbo.knobs(commit_then_fail=1)
    made = client.create("Invoice", invoice_body(str(cust["Id"])), idempotency_key=key)
    assert sum(client.retries.values()) == 1
    rows = qbo.rows("Invoice")
    assert list(rows) == [made["Id"]]
    assert rows[made["Id"]]["TotalAmt"] == Decimal("75.00")


def test_commit_then_fail_over_real_http_many_writes_no_duplicates(loopback: Qbo) -> None:
    client = loopback.client()
    cust = client.create("Customer", {"DisplayName": "Flaky Writer"})
    loopback.knobs(commit_then_fail=0.5, seed=9)
    for n in range(10):
        client.create("Invoice", invoice_body(str(cust["Id"])), idempotency_key=f"row-{n}")
    assert client.retries  # some responses were lost
    assert len(loopback.rows("Invoice")) == 10


def test_a_sparse_update_whose_answer_is_lost_is_not_applied_twice(qbo: Qbo) -> None:
    client = qbo.client()
    cust = client.create("Customer", {"DisplayName": "Once"})
    qbo.knobs(commit_then_fail=1)
    updated = client.sparse_update("Customer", str(cust["Id"]), "0", {"CompanyName": "C"})
    assert updated["SyncToken"] == "1"  # a second application would be a 5010
    assert client.read("Customer", str(cust["Id"]))["SyncToken"] == "1"


@pytest.mark.parametrize("body", ["xml", "json"])
def test_throttle_storm_the_client_waits_and_succeeds(qbo: Qbo, body: str) -> None:
    """Real time: a 0.6 s minute of 20 requests; the client waits that scaled minute on a 429."""
    qbo.knobs(throttle=True, requests_per_minute=20, time_scale=0.01, throttle_format=body)
    sleep = RealSleep()
    client = qbo.client(sleep=sleep, throttle_wait=SCALED_MINUTE, backoff_base=0.01)
    for _ in range(50):
        assert client.company_info()["Id"] == "1"
    assert client.retries.get("3001", 0) > 0
    assert all(asked >= SCALED_MINUTE for asked in sleep.asked)  # Intuit: wait a minute


def test_the_limiter_prevents_the_429s(qbo: Qbo) -> None:
    qbo.knobs(throttle=True, requests_per_minute=20, time_scale=0.01)
    limiter = RateLimiter(limits=Limits(requests_per_minute=20, window=0.6, margin=0.02))
    client = qbo.client(limiter=limiter, sleep=RealSleep(), throttle_wait=SCALED_MINUTE)
    for _ in range(50):
        assert client.company_info()["Id"] == "1"
    assert client.retries.get("3001", 0) <= 1


def test_the_limiter_keeps_concurrent_calls_under_the_cap(loopback: Qbo) -> None:
    loopback.knobs(throttle=True, concurrent=3, latency_ms=30)
    limiter = RateLimiter(limits=Limits(concurrent=3))
    clients = [loopback.client(limiter=limiter) for _ in range(6)]
    failures: list[BaseException] = []

    def work(client: QboClient) -> None:
        try:
            for _ in range(5):
                client.company_info()
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(sum(c.retries.values()) for c in clients) == 0  # no 429 at all


XML_429 = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<IntuitResponse time="x" xmlns="http://schema.intuit.com/finance/v3">'
    '<Fault type="SERVICE"><Error code="3001">'
    "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
    "<Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
    "</IntuitResponse>"
)


def test_throttle_bodies_in_xml_and_json_and_retry_after_are_understood() -> None:
    xml = error_from_response(
        httpx.Response(429, text=XML_429, headers={"Content-Type": "application/xml"})
    )
    assert isinstance(xml, TransientQboError)
    assert (xml.code, xml.fault_type, xml.retry_after) == ("3001", "SERVICE", None)
    body = '{"Fault":{"Error":[{"Message":"m","Detail":"d","code":"3001"}],"type":"SERVICE"}}'
    headers = {"Retry-After": "7", "intuit_tid": "1-abc"}
    json_429 = error_from_response(httpx.Response(429, text=body, headers=headers))
    assert (json_429.code, json_429.retry_after, json_429.intuit_tid) == ("3001", 7.0, "1-abc")
    lower = '{"fault":{"error":[{"message":"m","detail":"Token expired","code":"3200"}],"type":"AUTHENTICATION"}}'
    auth = error_from_response(httpx.Response(401, text=lower))
    assert isinstance(auth, AuthQboError) and auth.detail == "Token expired"
    html = error_from_response(httpx.Response(503, text="<html>503 Service</html>"))
    assert isinstance(html, TransientQboError) and html.code == "503"
    bad = error_from_response(httpx.Response(400, text='{"Fault":{"Error":[{"code":"6210"}]}}'))
    assert isinstance(bad, TerminalQboError) and "closed" in bad.message_for_bookkeeper


def test_retry_after_is_honoured(qbo: Qbo) -> None:
    client = qbo.client()
    error = error_from_response(httpx.Response(429, text="{}", headers={"Retry-After": "3"}))
    assert 3 <= client.delay(error, 0) <= 3.5


def test_batches_stay_under_the_batch_limit(qbo: Qbo) -> None:
    qbo.knobs(throttle=True, batch_per_minute=2, time_scale=0.01)
    limiter = RateLimiter(limits=Limits(batch_per_minute=2, window=0.6, margin=0.02))
    client = qbo.client(limiter=limiter, sleep=RealSleep(), throttle_wait=SCALED_MINUTE)
    items = [BatchItem("create", "Customer", {"DisplayName": f"Batch {n}"}) for n in range(100)]
    results = client.batch(items)
    assert all(r.fault is None for r in results) and len(qbo.rows("Customer")) == 100
    assert client.attempts == 4 and client.retries == {}


def test_an_unreachable_quickbooks_is_a_transient_network_error(qbo: Qbo) -> None:
    with httpx.Client() as http:
        client = QboClient(
            endpoints("http://127.0.0.1:9"),
            qbo.tokens(),
            http=http,
            sleep=qbo.sleeps.append,
            max_retries=1,
        )
        with pytest.raises(TransientQboError) as caught:
            client.company_info()
    assert caught.value.code == "timeout" and client.attempts == 2
    assert "could not be reached" in caught.value.message_for_bookkeeper
