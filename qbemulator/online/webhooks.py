"""Change notifications to a company's registered endpoint, signed with `intuit-signature`.

A company's `webhook` dict (set by the control API) holds `url`, `verifier_token`
(`verifier` is accepted too), `format` ("cloudevents", the default since Intuit's
2026 migration, or "legacy") and optionally `entities`, a list of entity names to
notify about. `notify` builds and signs the body at once and hands it to one
background worker per emulator (started on first use), so the API request that
made the change never waits for, nor fails because of, the receiver.

The worker POSTs with httpx (5 s timeout); anything but a 2xx answer is retried,
3 attempts in all, after 10 s and then 20 s (the first steps of Intuit's retry
schedule), scaled by the `time_scale` knob (the company's, else the run's). Each attempt is recorded in
`company.webhook["deliveries"]` (the last 100) for tests and the inspection page.

Body shapes (api.md §10): legacy
`{"eventNotifications":[{"realmId","dataChangeEvent":{"entities":[{"id","operation","name","lastUpdated"}]}}]}`;
CloudEvents: a JSON array of events with `specversion` "1.0", `id`, `source`,
`type` "qbo.<entity>.<operation in past tense>.v1", `datacontenttype`, `time`,
`intuitentityid`, `intuitaccountid` and an empty `data` object. The signature is
base64(HMAC-SHA256(verifier token, raw body)); Intuit does not say whether the
CloudEvents form is signed differently, so both are signed the same way.
"""

import base64
import datetime as dt
import hashlib
import heapq
import hmac
import itertools
import logging
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

import httpx

from qbemulator.online import knobs
from qbemulator.online.http import dumps
from qbemulator.online.state import Company, Emulator

log = logging.getLogger("qbemulator.webhooks")

ATTEMPTS = 3
RETRY_DELAYS = (10.0, 20.0)  # seconds before the 2nd and 3rd attempts, times time_scale
TIMEOUT = 5.0
KEEP = 100  # deliveries remembered per company
PAST_TENSE = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "void": "voided",
    "merge": "merged",
    "emailed": "emailed",
}


def sign(verifier_token: str, body: bytes) -> str:
    """The `intuit-signature` header: base64 of HMAC-SHA256 of the raw body, keyed by the verifier token."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def notify(
    emulator: Emulator, company: Company, entity: str, entity_id: str, operation: str
) -> None:
    """Queue a notification of one change (Create, Update, Delete, Void, Merge). Never blocks the caller."""
    try:
        delivery = prepare(emulator, company, entity, entity_id, operation)
        if delivery is not None:
            worker_for(emulator).put(delivery, 0.0)
    except Exception:
        log.exception("webhook for %s %s %s not queued", entity, entity_id, operation)


# ---------------------------------------------------------------- building the body


@dataclass
class Delivery:
    """One notification on its way, with the state of its attempts."""

    company: Company
    lock: Any  # the emulator's RLock, held while recording attempts
    url: str
    body: bytes
    headers: dict[str, str]
    event_id: str
    entity: str
    entity_id: str
    operation: str
    scale: float
    attempt: int = 0


def prepare(
    emulator: Emulator, company: Company, entity: str, entity_id: str, operation: str
) -> Delivery | None:
    """The signed request for one change, or None when the company has no usable endpoint."""
    config = company.webhook
    url = config.get("url")
    token = config.get("verifier_token") or config.get("verifier")
    wanted = config.get("entities")
    if not url or not token or (wanted and entity not in wanted):
        return None
    now = dt.datetime.now(dt.UTC)
    event_id = str(uuid.uuid4())
    if str(config.get("format", "cloudevents")).lower() == "legacy":
        payload: Any = legacy_body(company, entity, entity_id, operation, now)
    else:
        payload = cloudevents_body(company, entity, entity_id, operation, now, event_id)
    body = dumps(payload).encode()
    headers = {
        "content-type": "application/json; charset=utf-8",
        "intuit-signature": sign(str(token), body),
        "intuit-created-time": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "intuit-t-id": event_id,
        "intuit-notification-schema-version": "0.1",
        "user-agent": "intuit_notification_server/0.1",
    }
    return Delivery(
        company=company,
        lock=emulator.lock,
        url=str(url),
        body=body,
        headers=headers,
        event_id=event_id,
        entity=entity,
        entity_id=entity_id,
        operation=operation,
        scale=knobs.scale(company, emulator),
    )


def legacy_body(
    company: Company, entity: str, entity_id: str, operation: str, now: dt.datetime
) -> dict[str, Any]:
    change = {
        "id": entity_id,
        "operation": operation,
        "name": entity,
        "lastUpdated": last_updated(company, entity, entity_id, now),
    }
    return {
        "eventNotifications": [
            {"realmId": company.realm_id, "dataChangeEvent": {"entities": [change]}}
        ]
    }


def cloudevents_body(
    company: Company,
    entity: str,
    entity_id: str,
    operation: str,
    now: dt.datetime,
    event_id: str,
) -> list[dict[str, Any]]:
    verb = PAST_TENSE.get(operation.lower(), operation.lower())
    source = base64.b64encode(hashlib.sha256(company.realm_id.encode()).digest()).decode()
    return [
        {
            "specversion": "1.0",
            "id": event_id,
            "source": f"intuit.{source}",
            "type": f"qbo.{entity.lower()}.{verb}.v1",
            "datacontenttype": "application/json",
            "time": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "intuitentityid": entity_id,
            "intuitaccountid": company.realm_id,
            "data": {},
        }
    ]


def last_updated(company: Company, entity: str, entity_id: str, now: dt.datetime) -> str:
    """The entity's MetaData.LastUpdatedTime when it still exists, else the time of the change."""
    row = company.entities.get(entity, {}).get(entity_id) or {}
    stamp = (row.get("MetaData") or {}).get("LastUpdatedTime")
    if stamp:
        return str(stamp)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- the worker


@dataclass(order=True)
class Job:
    due: float
    seq: int
    delivery: Delivery = field(compare=False)


class Worker:
    """One thread per emulator, sending due deliveries in time order and rescheduling failures."""

    def __init__(self) -> None:
        self.ready = threading.Condition()
        self.jobs: list[Job] = []
        self.counter = itertools.count()
        self.stopped = False
        self.client = httpx.Client(timeout=TIMEOUT)
        self.thread = threading.Thread(target=self.run, name="qbo-webhooks", daemon=True)
        self.thread.start()

    def put(self, delivery: Delivery, delay: float) -> None:
        with self.ready:
            heapq.heappush(self.jobs, Job(time.monotonic() + delay, next(self.counter), delivery))
            self.ready.notify()

    def stop(self) -> None:
        with self.ready:
            self.stopped = True
            self.ready.notify()

    def next_job(self) -> Job | None:
        """Wait for the earliest due job; None once stopped."""
        with self.ready:
            while not self.stopped:
                if self.jobs and self.jobs[0].due <= time.monotonic():
                    return heapq.heappop(self.jobs)
                wait = self.jobs[0].due - time.monotonic() if self.jobs else None
                self.ready.wait(wait)
            return None

    def run(self) -> None:
        try:
            while (job := self.next_job()) is not None:
                try:
                    self.send(job.delivery)
                except Exception:
                    log.exception("webhook worker error")
        finally:
            self.client.close()

    def send(self, delivery: Delivery) -> None:
        delivery.attempt += 1
        status: int | None = None
        error: str | None = None
        try:
            response = self.client.post(
                delivery.url, content=delivery.body, headers=delivery.headers
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        record(delivery, status, error)
        if error is not None and delivery.attempt < ATTEMPTS:
            self.put(delivery, RETRY_DELAYS[delivery.attempt - 1] * delivery.scale)


def record(delivery: Delivery, status: int | None, error: str | None) -> None:
    """Append one attempt to the company's delivery log (kept to the last 100)."""
    entry = {
        "id": delivery.event_id,
        "attempts": delivery.attempt,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "url": delivery.url,
        "entity": delivery.entity,
        "entityId": delivery.entity_id,
        "operation": delivery.operation,
        "summary": f"{delivery.entity} {delivery.entity_id} {delivery.operation}",
        "status": status,
        "ok": error is None,
        "error": error,
        "final": error is None or delivery.attempt >= ATTEMPTS,
    }
    with delivery.lock:
        log_ = delivery.company.webhook.setdefault("deliveries", [])
        log_.append(entry)
        del log_[:-KEEP]


_workers: dict[int, Worker] = {}
_workers_lock = threading.Lock()


def worker_for(emulator: Emulator) -> Worker:
    """The emulator's worker, started on first use and stopped when the emulator is collected."""
    key = id(emulator)
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None:
            worker = _workers[key] = Worker()
            weakref.finalize(emulator, _forget, key)
        return worker


def _forget(key: int) -> None:
    with _workers_lock:
        worker = _workers.pop(key, None)
    if worker is not None:
        worker.stop()


def shutdown(emulator: Emulator, timeout: float = 5.0) -> None:
    """Stop the emulator's worker (pending retries are dropped) and wait for its thread."""
    with _workers_lock:
        worker = _workers.pop(id(emulator), None)
    if worker is not None:
        worker.stop()
        worker.thread.join(timeout)
