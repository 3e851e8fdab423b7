"""The emulator over real loopback HTTP, its state file, its command line, and the inspection pages."""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command

from qbemulator.online.server import base_url, serve, stop
from qbemulator.online.state import Company, Emulator, new_company

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(emulator: Emulator) -> Iterator[httpx.Client]:
    server, thread = serve(emulator, "127.0.0.1", 0)
    try:
        with httpx.Client(base_url=base_url(server), timeout=10) as http:
            yield http
    finally:
        stop(server, thread)


def create_company(http: httpx.Client, emulator: Emulator, name: str) -> str:
    """Through the control API once it exists; until then straight into the state."""
    reply = http.post("/_emulator/companies", json={"name": name})
    if reply.status_code == 201:
        realm: str = reply.json()["realmId"]
        return realm
    return new_company(emulator, name).realm_id


def test_serves_over_real_http_on_a_free_port(served: httpx.Client, emulator: Emulator) -> None:
    realm = create_company(served, emulator, "Harbour & Co")
    listing = served.get("/_emulator/")
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "text/html; charset=utf-8"
    assert "Harbour &amp; Co" in listing.text
    assert f'href="/_emulator/companies/{realm}/"' in listing.text
    assert served.get("/nowhere").status_code == 404


def test_concurrent_requests_are_served_in_parallel_threads(
    served: httpx.Client, emulator: Emulator
) -> None:
    url = str(served.base_url)

    def fetch(_: int) -> int:
        return httpx.get(f"{url}/_emulator/", timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(fetch, range(32))) == [200] * 32


def test_state_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    first = Emulator(path=path)
    server, thread = serve(first, "127.0.0.1", 0)
    try:
        with httpx.Client(base_url=base_url(server), timeout=10) as http:
            realm = create_company(http, first, "Persisted Ltd")
    finally:
        stop(server, thread)
    first.save()
    again = Emulator(path=path)
    company = again.company(realm)
    assert company is not None and company.name == "Persisted Ltd"
    server, thread = serve(again, "127.0.0.1", 0)
    try:
        page = httpx.get(f"{base_url(server)}/_emulator/companies/{realm}/", timeout=10)
    finally:
        stop(server, thread)
    assert "Persisted Ltd" in page.text


def test_command_line_serves_and_saves_its_state_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "qbemulator", "online", "--port", "0", "--state", str(state)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(" at ", 1)[1].split("/_emulator/", 1)[0]
        assert httpx.get(f"{url}/_emulator/", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == 0
    assert state.exists()


def test_command_line_rejects_unknown_knobs() -> None:
    reply = subprocess.run(
        [sys.executable, "-m", "qbemulator", "online", "--knobs", '{"lateny_ms": 5}'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert reply.returncode == 2
    assert "unknown knob(s) lateny_ms" in reply.stderr


def books(emulator: Emulator) -> Company:
    """A company with documents written straight into the state, as the API would store them."""
    company = new_company(emulator, "Riverside <Chamber>")
    company.table("Customer")["1"] = {"Id": "1", "DisplayName": "Ann <b>Lee</b>", "Balance": 70}
    company.table("Invoice")["2"] = {
        "Id": "2",
        "DocNumber": "1001",
        "TxnDate": "2026-11-01",
        "CustomerRef": {"value": "1", "name": "Ann <b>Lee</b>"},
        "TotalAmt": Decimal("100.00"),
        "Balance": Decimal("70.00"),
    }
    company.table("Payment")["3"] = {
        "Id": "3",
        "TxnDate": "2026-11-05",
        "CustomerRef": {"value": "1", "name": "Ann <b>Lee</b>"},
        "TotalAmt": Decimal("40.00"),
        "UnappliedAmt": Decimal("10.00"),
        "Line": [{"Amount": Decimal("30.00"), "LinkedTxn": [{"TxnId": "2", "TxnType": "Invoice"}]}],
    }
    company.table("CreditMemo")["4"] = {
        "Id": "4",
        "TotalAmt": Decimal("5.00"),
        "RemainingCredit": Decimal("5.00"),
    }
    return company


def test_company_page_shows_balances_and_the_ar_total(
    client: httpx.Client, emulator: Emulator
) -> None:
    company = books(emulator)
    page = client.get(f"/_emulator/companies/{company.realm_id}/")
    assert page.status_code == 200
    assert '<span class="total">55.00</span>' in page.text  # 70 - 10 unapplied - 5 credit
    assert "Invoice 2: 30.00" in page.text
    assert "Ann &lt;b&gt;Lee&lt;/b&gt;" in page.text
    assert "<b>Lee</b>" not in page.text
    assert "Riverside &lt;Chamber&gt;" in page.text
    assert "<script" not in page.text


def test_pages_do_not_write_to_the_state(client: httpx.Client, emulator: Emulator) -> None:
    company = new_company(emulator, "Empty")
    before = set(company.entities)
    assert client.get(f"/_emulator/companies/{company.realm_id}/").status_code == 200
    assert client.get("/_emulator/").status_code == 200
    assert set(company.entities) == before


def test_long_lists_show_the_latest_rows(client: httpx.Client, emulator: Emulator) -> None:
    company = new_company(emulator, "Busy")
    for number in range(1, 503):
        company.table("Invoice")[str(number)] = {"Id": str(number), "DocNumber": f"D{number}"}
    page = client.get(f"/_emulator/companies/{company.realm_id}/")
    assert "The latest 500 of 502." in page.text
    assert "<td>D502</td>" in page.text and "<td>D3</td>" in page.text
    assert "<td>D2</td>" not in page.text


def test_unknown_company_page(client: httpx.Client) -> None:
    page = client.get("/_emulator/companies/nope<x>/")
    assert page.status_code == 404
    assert "No company nope&lt;x&gt;" in page.text


def test_one_connection_carries_many_requests_with_bodies(
    served: httpx.Client, emulator: Emulator
) -> None:
    """Keep-alive: each request body is read exactly, so the next request on the socket parses."""
    for number in range(5):
        served.post("/_emulator/companies", json={"name": f"Kept {number}"})
        reply = served.get("/_emulator/")
        assert reply.status_code == 200
        assert reply.http_version == "HTTP/1.1"
        assert reply.headers.get("connection", "").lower() != "close"
    assert served.get("/nowhere").status_code == 404


def test_concurrency_limit_over_real_http(served: httpx.Client, emulator: Emulator) -> None:
    """Slow calls hold their slots: with 2 allowed, a burst of 6 sees both answers and 429s."""
    realm = create_company(served, emulator, "Busy Ltd")
    served.put(
        f"/_emulator/companies/{realm}/knobs",
        json={"throttle": True, "concurrent": 2, "latency_ms": 800},
    ).raise_for_status()
    pair = served.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "busy"}).json()
    url = f"{served.base_url}/v3/company/{realm}/companyinfo/1"
    start = threading.Barrier(6)

    def fetch(_: int) -> int:
        with httpx.Client(timeout=10) as http:
            start.wait()
            reply = http.get(url, headers={"Authorization": f"Bearer {pair['access_token']}"})
            return reply.status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(fetch, range(6)))
    assert 200 in codes and 429 in codes
    assert codes.count(200) <= 4  # at most two at a time, each holding its slot 0.8 s


def test_django_command_refuses_bad_knobs() -> None:
    with pytest.raises(CommandError, match="--knobs must be a JSON object"):
        call_command("emulator", "online", "--port", "0", "--knobs", "[1]")


def test_a_state_file_from_before_per_entity_ids_still_loads(tmp_path: Path) -> None:
    from qbemulator.online.state import Emulator

    old = {
        "companies": {
            "1": {
                "realm_id": "1",
                "name": "Old Co",
                "next_id": 9,
                "entities": {
                    "Customer": {"7": {"Id": "7", "DisplayName": "Pat"}},
                    "Item": {"3": {"Id": "3"}},
                },
            }
        },
        "oauth": {},
    }
    path = tmp_path / "state.json"
    path.write_text(json.dumps(old))
    company = Emulator(path=path).companies["1"]
    assert company.name == "Old Co"
    assert (
        company.new_id("Customer") == "8"
        and company.new_id("Item") == "4"
        and company.new_id("Invoice") == "1"
    )
