"""Realism knobs: gate()/done()/lose_response() driven directly with a bare Company, then through the API."""

import json
import time
import xml.etree.ElementTree as ET

import httpx

from qbemulator.online import knobs, oauth
from qbemulator.online.http import Request
from qbemulator.online.state import Company, Emulator, new_company

REALM = "9130350000000001"


def call(path: str = f"/v3/company/{REALM}/customer/1", method: str = "GET") -> Request:
    return Request(method=method, path=path, query={}, headers={}, body=b"")


def batch() -> Request:
    return call(f"/v3/company/{REALM}/batch", "POST")


def company(**settings: object) -> Company:
    return Company(realm_id=REALM, name="Knobs Ltd", knobs=dict(settings))


def statuses(emulator: Emulator, firm: Company, count: int, request: Request) -> list[int]:
    """`count` calls answered one after another (each releases its slot)."""
    seen = []
    for _ in range(count):
        refusal = knobs.gate(request, emulator, firm)
        if refusal is None:
            knobs.done(firm)
            seen.append(200)
        else:
            seen.append(refusal.status)
    return seen


def test_the_501st_request_in_a_minute_is_throttled_and_the_next_window_admits_again() -> None:
    emulator, firm = Emulator(), company(throttle=True, time_scale=0.002)  # minute = 0.12 s
    seen = statuses(emulator, firm, 501, call())
    assert seen[:500] == [200] * 500
    assert seen[500] == 429
    time.sleep(0.15)
    assert statuses(emulator, firm, 1, call()) == [200]


def test_throttle_off_lets_everything_through() -> None:
    emulator, firm = Emulator(), company()
    assert set(statuses(emulator, firm, 700, call())) == {200}


def test_the_eleventh_concurrent_request_is_throttled_until_one_is_done() -> None:
    emulator, firm = Emulator(), company(throttle=True)
    held = [knobs.gate(call(), emulator, firm) for _ in range(10)]
    assert held == [None] * 10
    refusal = knobs.gate(call(), emulator, firm)
    assert refusal is not None and refusal.status == 429
    knobs.done(firm)
    assert knobs.gate(call(), emulator, firm) is None


def test_batch_requests_have_their_own_limit_of_40_a_minute() -> None:
    emulator, firm = Emulator(), company(throttle=True, time_scale=0.01)
    assert statuses(emulator, firm, 41, batch()) == [200] * 40 + [429]
    assert statuses(emulator, firm, 1, call()) == [200]  # plain calls still have room


def test_the_429_is_the_recorded_xml_fault_without_retry_after() -> None:
    emulator, firm = Emulator(), company(throttle=True, concurrent=0)
    refusal = knobs.gate(call(), emulator, firm)
    assert refusal is not None and refusal.status == 429
    assert dict(refusal.headers) == {"Content-Type": "application/xml"}
    ns = {"q": "http://schema.intuit.com/finance/v3"}
    root = ET.fromstring(refusal.body)  # noqa: S314 - our own output
    fault = root.find("q:Fault", ns)
    assert fault is not None and fault.get("type") == "SERVICE"
    error = fault.find("q:Error", ns)
    assert error is not None and error.get("code") == "3001"
    assert error.findtext("q:Message", namespaces=ns) == (
        "message=ThrottleExceeded; errorCode=003001; statusCode=429"
    )
    assert error.findtext("q:Detail", namespaces=ns) == (
        "The request limit was reached.  Try again later"
    )


def test_the_429_in_json_has_the_same_code_message_and_detail() -> None:
    emulator = Emulator()
    firm = company(throttle=True, concurrent=0, throttle_format="json")
    refusal = knobs.gate(call(), emulator, firm)
    assert refusal is not None and refusal.status == 429
    fault = json.loads(refusal.body)["Fault"]
    assert fault["type"] == "SERVICE"
    assert fault["Error"] == [
        {
            "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "Detail": "The request limit was reached.  Try again later",
            "code": "3001",
        }
    ]
    assert "retry-after" not in {name.lower() for name, _ in refusal.headers}


def test_a_refused_request_holds_no_slot() -> None:
    emulator, firm = Emulator(), company(throttle=True, concurrent=1)
    assert knobs.gate(call(), emulator, firm) is None
    for _ in range(5):
        assert knobs.gate(call(), emulator, firm) is not None
    knobs.done(firm)
    assert knobs.gate(call(), emulator, firm) is None


def test_seeded_error_rate_is_reproducible_and_near_its_rate() -> None:
    emulator = Emulator()
    first = statuses(emulator, company(error_rate=0.3, seed=7), 1000, call())
    again = statuses(emulator, company(error_rate=0.3, seed=7), 1000, call())
    assert first == again
    failures = [status for status in first if status != 200]
    assert 240 <= len(failures) <= 360
    assert set(failures) == {500, 503}


def test_the_500_is_qbos_system_fault_and_the_503_the_gateway_page() -> None:
    emulator, firm = Emulator(), company(error_rate=1.0, seed=1)
    answers = [knobs.gate(call(), emulator, firm) for _ in range(20)]
    by_status = {answer.status: answer for answer in answers if answer is not None}
    fault = json.loads(by_status[500].body)["Fault"]
    assert fault["type"] == "SystemFault" and fault["Error"][0]["code"] == "10000"
    assert b"503 Service Temporarily Unavailable" in by_status[503].body


def test_a_faulted_request_releases_its_slot() -> None:
    emulator, firm = Emulator(), company(throttle=True, concurrent=1, error_rate=1.0, seed=3)
    for _ in range(3):
        refusal = knobs.gate(call(), emulator, firm)
        assert refusal is not None and refusal.status in (500, 503)


def test_timeouts_wait_the_scaled_timeout_then_answer_504() -> None:
    emulator = Emulator()
    firm = company(timeout_rate=1.0, timeout_seconds=130, time_scale=0.0005, seed=1)
    started = time.monotonic()
    refusal = knobs.gate(call(), emulator, firm)
    assert time.monotonic() - started >= 0.06
    assert refusal is not None and refusal.status == 504


def test_latency_is_added_and_scaled() -> None:
    emulator, firm = Emulator(), company(latency_ms=2000, time_scale=0.02)
    started = time.monotonic()
    assert knobs.gate(call(), emulator, firm) is None
    assert time.monotonic() - started >= 0.04


def test_commit_then_fail_counts_down_the_next_writes() -> None:
    firm = company(commit_then_fail=2)
    assert [knobs.lose_response(firm) for _ in range(4)] == [True, True, False, False]
    assert firm.knobs["commit_then_fail"] == 0


def test_commit_then_fail_as_a_seeded_probability() -> None:
    firm, twin = company(commit_then_fail=0.25, seed=11), company(commit_then_fail=0.25, seed=11)
    draws = [knobs.lose_response(firm) for _ in range(400)]
    assert draws == [knobs.lose_response(twin) for _ in range(400)]
    assert 60 <= sum(draws) <= 140


def test_lost_response_is_a_server_failure() -> None:
    firm = company(seed=5)
    assert {knobs.lost_response(firm).status for _ in range(20)} == {500, 503}


def test_run_knobs_apply_to_every_company_and_its_own_knobs_win() -> None:
    emulator = Emulator()
    knobs.set_run_knobs(emulator, {"throttle": True, "concurrent": 0})
    throttled, exempt = company(), company(throttle=False)
    refusal = knobs.gate(call(), emulator, throttled)
    assert refusal is not None and refusal.status == 429
    assert knobs.gate(call(), emulator, exempt) is None


def test_expire_tokens_ends_the_companys_access_tokens_once() -> None:
    emulator = Emulator()
    firm = new_company(emulator, "Expiring Ltd")
    pair = oauth.issue_tokens(emulator, firm.realm_id, "knobs-client")
    api_call = Request(
        method="GET",
        path=f"/v3/company/{firm.realm_id}/companyinfo/1",
        query={},
        headers={"authorization": f"Bearer {pair['access_token']}"},
        body=b"",
    )
    assert oauth.authenticate(api_call, emulator, firm.realm_id) is None
    firm.knobs["expire_tokens"] = True
    assert knobs.gate(api_call, emulator, firm) is None
    knobs.done(firm)
    assert firm.knobs["expire_tokens"] is False
    refusal = oauth.authenticate(api_call, emulator, firm.realm_id)
    assert refusal is not None and refusal.status == 401
    fresh = oauth.issue_tokens(emulator, firm.realm_id, "knobs-client")
    api_call.headers["authorization"] = f"Bearer {fresh['access_token']}"
    assert knobs.gate(api_call, emulator, firm) is None  # the knob fired once only
    assert oauth.authenticate(api_call, emulator, firm.realm_id) is None


def connected(client: httpx.Client, knob_values: dict[str, object]) -> tuple[str, dict[str, str]]:
    """A company with its knobs set and a bearer token, through the control API."""
    realm = client.post("/_emulator/companies", json={"name": "Through HTTP"}).json()["realmId"]
    client.put(f"/_emulator/companies/{realm}/knobs", json=knob_values).raise_for_status()
    pair = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "knobs"}).json()
    return realm, {"Authorization": f"Bearer {pair['access_token']}", "Accept": "application/json"}


def test_the_api_answers_the_501st_call_of_a_minute_with_the_429(client: httpx.Client) -> None:
    # A 6-second minute: 501 in-process calls fit in it even on a busy machine.
    realm, headers = connected(client, {"throttle": True, "time_scale": 0.1})
    path = f"/v3/company/{realm}/companyinfo/1?minorversion=75"
    codes = [client.get(path, headers=headers).status_code for _ in range(501)]
    assert codes == [200] * 500 + [429]
    refusal = client.get(path, headers=headers)
    assert refusal.headers["content-type"] == "application/xml"
    assert b'<Error code="3001">' in refusal.content
    assert "retry-after" not in refusal.headers


def test_commit_then_fail_through_the_api_and_the_requestid_retry(client: httpx.Client) -> None:
    realm, headers = connected(client, {"commit_then_fail": 1, "seed": 4})
    create = f"/v3/company/{realm}/customer?minorversion=75&requestid=knobs-1"
    lost = client.post(create, json={"DisplayName": "Lost Answer"}, headers=headers)
    assert lost.status_code in (500, 503)
    retry = client.post(create, json={"DisplayName": "Lost Answer"}, headers=headers)
    assert retry.status_code == 200
    assert retry.json()["Customer"]["DisplayName"] == "Lost Answer"
    found = client.get(
        f"/v3/company/{realm}/query",
        params={"query": "select count(*) from Customer where DisplayName = 'Lost Answer'"},
        headers=headers,
    )
    assert found.json()["QueryResponse"]["totalCount"] == 1
