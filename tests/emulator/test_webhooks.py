"""Webhook notifications: body shapes, the intuit-signature header, retries, never blocking the caller.

A tiny WSGI receiver on a free loopback port plays the subscriber.
"""

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from qbemulator.online import webhooks
from qbemulator.online.state import Emulator, new_company

TOKEN = "verifier-7f3a"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Receiver:
    """Records each POST; answers with the queued statuses, then 200."""

    def __init__(self, statuses: Iterable[int] = ()) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.server: WSGIServer = make_server("127.0.0.1", 0, self.app, handler_class=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/qbo"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def app(self, environ: dict[str, Any], start: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        self.received.append((headers, body))
        status = self.statuses.pop(0) if self.statuses else 200
        start(f"{status} X", [("Content-Type", "text/plain")])
        return [b""]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def hooked(emulator: Emulator) -> Iterator[Emulator]:
    """The emulator, with its webhook worker stopped after the test."""
    yield emulator
    webhooks.shutdown(emulator)


def wait_for(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll `check` until it holds; fail after `seconds` (deliveries are asynchronous)."""
    limit = time.monotonic() + seconds
    while not check():
        if time.monotonic() > limit:
            pytest.fail("the webhook delivery did not happen in time")
        time.sleep(0.01)


def test_signature_matches_intuits_test_vector() -> None:
    assert webhooks.sign("verify_me", b'{"stuff":"5"}') == (
        "nfPLN16u3vMvv08ghDs+dOkLuirEVDy5wAeG/lmM2OA="
    )


def test_legacy_notification_is_signed_and_shaped_like_intuits(
    hooked: Emulator, receiver: Receiver, fixtures_dir: Path
) -> None:
    company = new_company(hooked, "Hooked Co")
    company.webhook = {"url": receiver.url, "verifier_token": TOKEN, "format": "legacy"}

    webhooks.notify(hooked, company, "Invoice", "42", "Create")

    wait_for(lambda: len(receiver.received) == 1)
    headers, body = receiver.received[0]
    assert headers["intuit-signature"] == webhooks.sign(TOKEN, body)
    assert headers["content-type"].startswith("application/json")
    sent = json.loads(body)
    recorded = json.loads((fixtures_dir / "webhook_event_legacy.json").read_text())
    assert key_tree(sent) == key_tree(recorded)
    notification = sent["eventNotifications"][0]
    assert notification["realmId"] == company.realm_id
    change = notification["dataChangeEvent"]["entities"][0]
    assert (change["name"], change["id"], change["operation"]) == ("Invoice", "42", "Create")
    assert change["lastUpdated"].endswith("Z")


def test_cloudevents_notification(hooked: Emulator, receiver: Receiver) -> None:
    company = new_company(hooked, "Hooked Co")
    company.webhook = {"url": receiver.url, "verifier_token": TOKEN, "format": "cloudevents"}

    webhooks.notify(hooked, company, "CreditMemo", "7", "Void")

    wait_for(lambda: len(receiver.received) == 1)
    headers, body = receiver.received[0]
    assert headers["intuit-signature"] == webhooks.sign(TOKEN, body)
    events = json.loads(body)
    assert isinstance(events, list)
    assert len(events) == 1
    event = events[0]
    assert set(event) == {
        "specversion",
        "id",
        "source",
        "type",
        "datacontenttype",
        "time",
        "intuitentityid",
        "intuitaccountid",
        "data",
    }
    assert event["specversion"] == "1.0"
    assert event["type"] == "qbo.creditmemo.voided.v1"
    assert event["intuitentityid"] == "7"
    assert event["intuitaccountid"] == company.realm_id
    assert event["source"].startswith("intuit.")
    assert headers["intuit-t-id"] == event["id"]


def test_a_failing_receiver_gets_the_notification_on_the_third_try(hooked: Emulator) -> None:
    server = Receiver(statuses=[500, 500])
    server.thread.start()
    try:
        company = new_company(hooked, "Flaky Co")
        company.knobs["time_scale"] = 0.005  # retries after 0.05 s and 0.1 s
        company.webhook = {"url": server.url, "verifier_token": TOKEN, "format": "legacy"}

        webhooks.notify(hooked, company, "Payment", "9", "Update")

        wait_for(lambda: len(company.webhook.get("deliveries", [])) == 3)
    finally:
        server.server.shutdown()
        server.server.server_close()
    deliveries = company.webhook["deliveries"]
    assert [(d["attempts"], d["status"], d["ok"]) for d in deliveries] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert len({body for _, body in server.received}) == 1  # the same signed body each time
    assert len({d["id"] for d in deliveries}) == 1


def test_an_unreachable_endpoint_never_reaches_the_caller(hooked: Emulator) -> None:
    closed = Receiver()
    url = closed.url
    closed.server.server_close()  # nothing listens there any more
    company = new_company(hooked, "Offline Co")
    company.knobs["time_scale"] = 0.001
    company.webhook = {"url": url, "verifier_token": TOKEN}

    webhooks.notify(hooked, company, "Customer", "1", "Create")

    wait_for(lambda: len(company.webhook.get("deliveries", [])) == 3)
    assert [d["ok"] for d in company.webhook["deliveries"]] == [False, False, False]
    assert company.webhook["deliveries"][-1]["final"] is True
    assert company.webhook["deliveries"][0]["status"] is None


def test_no_endpoint_means_no_notification(hooked: Emulator, receiver: Receiver) -> None:
    bare = new_company(hooked, "Bare Co")
    tokenless = new_company(hooked, "Tokenless Co")
    tokenless.webhook = {"url": receiver.url}
    filtered = new_company(hooked, "Filtered Co")
    filtered.webhook = {"url": receiver.url, "verifier_token": TOKEN, "entities": ["Invoice"]}

    webhooks.notify(hooked, bare, "Invoice", "1", "Create")
    webhooks.notify(hooked, tokenless, "Invoice", "1", "Create")
    webhooks.notify(hooked, filtered, "Customer", "1", "Create")
    webhooks.notify(hooked, filtered, "Invoice", "2", "Create")

    # One worker sends in order, so once the last one is logged the others were dropped.
    wait_for(lambda: len(filtered.webhook.get("deliveries", [])) == 1)
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0][1])[0]["intuitentityid"] == "2"
    assert "deliveries" not in bare.webhook


def test_delivery_log_keeps_the_last_hundred(hooked: Emulator, receiver: Receiver) -> None:
    company = new_company(hooked, "Busy Co")
    company.webhook = {"url": receiver.url, "verifier_token": TOKEN, "format": "legacy"}

    for number in range(105):
        webhooks.notify(hooked, company, "Customer", str(number), "Update")

    wait_for(lambda: len(receiver.received) == 105, seconds=20)
    wait_for(lambda: company.webhook["deliveries"][-1]["entityId"] == "104")
    assert len(company.webhook["deliveries"]) == 100
    assert company.webhook["deliveries"][0]["entityId"] == "5"


def key_tree(value: Any) -> Any:
    """The nested key structure of a JSON value (values dropped), for key-by-key comparison."""
    if isinstance(value, dict):
        return {key: key_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [key_tree(item) for item in value]
    return None


def test_a_change_through_the_api_is_notified(
    hooked: Emulator, client: httpx.Client, receiver: Receiver
) -> None:
    realm = client.post("/_emulator/companies", json={"name": "Api Hooks"}).json()["realmId"]
    pair = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "hooks"}).json()
    hook = {"url": receiver.url, "verifier_token": TOKEN, "format": "legacy"}
    assert client.post(f"/_emulator/companies/{realm}/webhook", json=hook).status_code == 200

    created = client.post(
        f"/v3/company/{realm}/customer",
        json={"DisplayName": "Hooked Member"},
        headers={"Authorization": f"Bearer {pair['access_token']}", "Accept": "application/json"},
    )

    assert created.status_code == 200, created.text
    customer_id = created.json()["Customer"]["Id"]
    wait_for(lambda: len(receiver.received) >= 1)
    headers, body = receiver.received[0]
    assert headers["intuit-signature"] == webhooks.sign(TOKEN, body)
    change = json.loads(body)["eventNotifications"][0]["dataChangeEvent"]["entities"][0]
    assert (change["name"], change["id"], change["operation"]) == (
        "Customer",
        customer_id,
        "Create",
    )
