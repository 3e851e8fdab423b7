"""Requests per second the QuickBooks Online emulator sustains, in-process and over loopback HTTP.

    python bench/bench_emulator.py [--requests 2000] [--runs 5]

The read is a simple one: GET /v3/company/{realm}/customer/{id} with a bearer
token, set up through the control API. While the API or the control API is not
there yet, it falls back to GET /_emulator/ (the inspection index) and says so.

Cases:
- direct WSGI: the app called as a function (the emulator alone, no HTTP client);
- in-process: httpx.Client over httpx.WSGITransport (how tests and the sync bench use it);
- in-process with the throttle on (limits raised out of reach): the cost of the knobs' gate;
- loopback: httpx over real HTTP (keep-alive) to `python -m qbemulator online` in its own
  process, one client, then 4 client threads.

Each run times `--requests` calls; the table shows the median run as requests/s.
Target (issue 3): at least 2,000 simple reads/s in-process.
"""

import argparse
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common
import httpx

from qbemulator.online.app import make_app
from qbemulator.online.state import Emulator

BASE = "http://qbo.bench"
CLIENT_ID = "bench-client"
ROOT = Path(__file__).resolve().parent.parent


def prepare(http: httpx.Client) -> tuple[str, dict[str, str], str]:
    """(path, headers, what) of the read to measure: a customer by id, else the index page."""
    try:
        created = http.post("/_emulator/companies", json={"name": "Bench Ltd"})
        realm = created.json()["realmId"]
        tokens = http.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": CLIENT_ID})
        headers = {
            "Authorization": f"Bearer {tokens.json()['access_token']}",
            "Accept": "application/json",
        }
        customer = http.post(
            f"/v3/company/{realm}/customer?minorversion=75",
            json={"DisplayName": "Bench Reader"},
            headers=headers,
        )
        ident = customer.json()["Customer"]["Id"]
        path = f"/v3/company/{realm}/customer/{ident}?minorversion=75"
        if http.get(path, headers=headers).status_code == 200:
            return path, headers, "GET customer by id"
    except (KeyError, ValueError, TypeError) as exc:
        print(f"(API not ready: {type(exc).__name__} {exc}; measuring GET /_emulator/ instead)")
    return "/_emulator/", {}, "GET /_emulator/ (API not served yet)"


def throttle_on(http: httpx.Client, path: str) -> None:
    """Turn the throttle on with limits no run reaches: measures the gate's own cost."""
    realm = path.split("/")[3]
    http.put(
        f"/_emulator/companies/{realm}/knobs",
        json={"throttle": True, "requests_per_minute": 10**9, "concurrent": 10**6},
    ).raise_for_status()


@contextmanager
def server_process() -> Iterator[str]:
    """`python -m qbemulator online --port 0` in its own process (its own GIL); yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "qbemulator", "online", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield line.split(" at ", 1)[1].split("/_emulator/", 1)[0]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def environ_for(path: str, headers: dict[str, str]) -> dict[str, Any]:
    route, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "qbo.bench",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def direct(emulator: Emulator, path: str, headers: dict[str, str]) -> Callable[[int], None]:
    app = make_app(emulator, BASE)
    statuses: list[str] = []

    def start_response(status: str, response_headers: Iterable[Any]) -> None:
        statuses.append(status)

    def batch(count: int) -> None:
        for _ in range(count):
            b"".join(app(environ_for(path, headers), start_response))
        assert statuses[-1].startswith("200"), statuses[-1]

    return batch


def in_process(http: httpx.Client, path: str, headers: dict[str, str]) -> Callable[[int], None]:
    def batch(count: int) -> None:
        for _ in range(count):
            reply = http.get(path, headers=headers)
        assert reply.status_code == 200, reply.status_code

    return batch


def threaded(url: str, path: str, headers: dict[str, str], threads: int) -> Callable[[int], None]:
    def worker(count: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            for _ in range(count):
                reply = http.get(path, headers=headers)
                assert reply.status_code == 200, reply.status_code

    def batch(count: int) -> None:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(worker, [count // threads] * threads))

    return batch


def timed(batch: Callable[[int], None], count: int, runs: int) -> list[float]:
    batch(min(count, 100))  # warm up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        batch(count)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per timed run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    count, runs = args.requests, args.runs
    loop = max(200, count // 4)
    emulator = Emulator()
    results: list[common.Result] = []

    def case(name: str, batch: Callable[[int], None], n: int, what: str) -> None:
        samples = timed(batch, n, runs)
        results.append(common.Result("emulator", name, "memory", f"{n} x {what}", samples))

    with httpx.Client(
        transport=httpx.WSGITransport(app=make_app(emulator, BASE)), base_url=BASE
    ) as http:
        path, headers, what = prepare(http)
        case("direct WSGI call", direct(emulator, path, headers), count, what)
        case("in-process (httpx WSGITransport)", in_process(http, path, headers), count, what)
        if path != "/_emulator/":
            throttle_on(http, path)
            case("in-process, throttle on", in_process(http, path, headers), count, what)
    with server_process() as url, httpx.Client(base_url=url, timeout=30) as http:
        path, headers, what = prepare(http)
        case("loopback HTTP, 1 client", threaded(url, path, headers, 1), loop, what)
        case("loopback HTTP, 4 clients", threaded(url, path, headers, 4), loop, what)
    report(results, what, runs)
    common.write_results("emulator", results, {"read": what})


def report(results: list[common.Result], what: str, runs: int) -> None:
    print(f"\nQuickBooks Online emulator, {what}, median of {runs} runs")
    width = max(len(r.case) for r in results)
    print(f"{'case':<{width}}  {'requests/s':>11}  {'per request':>12}  {'best run':>11}")
    for r in results:
        count = int(r.data.split(" x ", 1)[0])
        median = statistics.median(r.samples)
        print(
            f"{r.case:<{width}}  {count / median:>11,.0f}  {median / count * 1e6:>9,.0f} us"
            f"  {count / min(r.samples):>11,.0f}"
        )
    print("target: at least 2,000 simple reads/s in-process")


if __name__ == "__main__":
    main()
