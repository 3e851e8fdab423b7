"""The Accounting API v3 under /v3/company/{realm}/: entity CRUD, query, reports, CDC, batch.

Every call: the company must exist, then the bearer token (oauth.authenticate),
then the realism knobs (knobs.gate, outside the lock because it may sleep). A
write runs under `emulator.lock`, is logged in `company.changes` (the CDC log),
stored under its `requestid` *before* the answer goes out (so a retry after a
lost response replays it instead of writing twice), announced to webhooks and
saved. `minorversion` is accepted and ignored: everything is served as 75.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from qbemulator.online import entities, knobs, oauth, query, reports, webhooks
from qbemulator.online.entities.common import TZ, now
from qbemulator.online.faults import Fault, qbo_time, required_param, unsupported_operation
from qbemulator.online.http import JSON, Request, Response, Route, dumps
from qbemulator.online.state import Company, Emulator

PREFIX = r"/v3/company/(?P<realm>\d+)"
BATCH_LIMIT = 30
CDC_DAYS = 30
CDC_MAX = 1000

Work = Callable[[Company], tuple[dict[str, Any], int, list[tuple[str, str, str]]]]


def no_company(realm: str) -> Response:
    fault = Fault(
        "3100",
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        f"No company with realm id {realm}",
        fault_type="SERVICE",
        status=403,
    )
    return fault.response()


def call(request: Request, emulator: Emulator, realm: str, work: Work, *, write: bool) -> Response:
    """The shared frame of every API call: company, token, knobs, lock, requestid, changes."""
    with emulator.lock:
        company = emulator.company(realm)
    if company is None:
        return no_company(realm)
    refused = oauth.authenticate(request, emulator, realm)
    if refused is not None:
        return refused
    refused = knobs.gate(request, emulator, company)
    if refused is not None:
        return refused
    try:
        return _handle(request, emulator, company, work, write=write)
    finally:
        done = getattr(knobs, "done", None)
        if done is not None:
            done(company)


def _handle(
    request: Request, emulator: Emulator, company: Company, work: Work, *, write: bool
) -> Response:
    request_id = request.arg("requestid") if write else None
    changes: list[tuple[str, str, str]] = []
    with emulator.lock:
        if request_id and request_id in company.requests:
            return _replay(company.requests[request_id])
        try:
            body, status, changes = work(company)
        except Fault as fault:
            body, status = fault.body(), fault.status
        text = dumps(body)
        if request_id:
            company.requests[request_id] = {"status": status, "body": text}
        record(company, changes)
        lost = bool(changes) and knobs.lose_response(company)
    if changes or request_id:
        emulator.save()
    for entity, entity_id, operation in changes:
        webhooks.notify(emulator, company, entity, entity_id, operation)
    if lost:
        lost_response = getattr(knobs, "lost_response", None)
        if lost_response is not None:
            answer: Response = lost_response(company)
            return answer
        return Response.html(getattr(knobs, "GATEWAY_504", "504 Gateway Time-out"), 504)
    return Response(status, text.encode(), [("Content-Type", JSON)])


def _replay(stored: dict[str, Any]) -> Response:
    return Response(int(stored["status"]), str(stored["body"]).encode(), [("Content-Type", JSON)])


def record(company: Company, changes: list[tuple[str, str, str]]) -> None:
    """The CDC log: one row per committed change, in time order."""
    at = now().isoformat(timespec="microseconds")
    for entity, entity_id, operation in changes:
        company.changes.append({"entity": entity, "id": entity_id, "op": operation, "at": at})


def includes(request: Request) -> set[str]:
    return {
        part.strip().lower() for part in (request.arg("include") or "").split(",") if part.strip()
    }


def resource_entity(request: Request, resource: str) -> str:
    entity = entities.RESOURCES.get(resource)
    if entity is None:
        raise unsupported_operation(
            f"Could not find resource for relative : {request.path} of full path: {request.path}"
        )
    return entity


def parse_body(request: Request) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError):
        raise Fault(
            "2010",
            "Request has invalid or unsupported property",
            "Request body could not be parsed as JSON",
        ) from None


# --- entities -----------------------------------------------------------------------------


def post_entity(request: Request, emulator: Emulator, realm: str, resource: str) -> Response:
    def work(company: Company) -> tuple[dict[str, Any], int, list[tuple[str, str, str]]]:
        entity = resource_entity(request, resource)
        body = parse_body(request)
        if entity in ("Preferences", "CompanyInfo") and isinstance(body, dict):
            body.setdefault("Id", "1")
        outcome = entities.write(company, entity, body, request.arg("operation"), includes(request))
        return {entity: outcome.body, "time": qbo_time()}, 200, outcome.changes

    return call(request, emulator, realm, work, write=True)


def get_entity(
    request: Request, emulator: Emulator, realm: str, resource: str, entity_id: str = "1"
) -> Response:
    def work(company: Company) -> tuple[dict[str, Any], int, list[tuple[str, str, str]]]:
        entity = resource_entity(request, resource)
        wanted = "1" if entity in ("CompanyInfo", "Preferences") else entity_id
        return {entity: entities.read(company, entity, wanted), "time": qbo_time()}, 200, []

    return call(request, emulator, realm, work, write=False)


# --- query and reports --------------------------------------------------------------------


def run_query(request: Request, emulator: Emulator, realm: str) -> Response:
    text = (
        request.arg("query") if request.method == "GET" else request.body.decode("utf-8", "replace")
    )

    def work(company: Company) -> tuple[dict[str, Any], int, list[tuple[str, str, str]]]:
        if not text or not text.strip():
            raise required_param("query")
        return query.run(company, text), 200, []

    return call(request, emulator, realm, work, write=False)


def run_report(request: Request, emulator: Emulator, realm: str, name: str) -> Response:
    params = {key: values[-1] for key, values in request.query.items() if values}

    def work(company: Company) -> tuple[dict[str, Any], int, list[tuple[str, str, str]]]:
        return reports.run(company, name, params), 200, []

    return call(request, emulator, realm, work, write=False)


# --- change data capture ------------------------------------------------------------------


def parse_since(text: str | None) -> dt.datetime:
    if not text:
        raise required_param("changedSince")
    try:
        since = dt.datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise Fault(
            "2080", "Illegal number format", f"changedSince is not a date or date-time: {text}"
        ) from None
    if since.tzinfo is None:
        since = since.replace(tzinfo=TZ)
    if since < now() - dt.timedelta(days=CDC_DAYS):
        raise Fault(
            "6000",
            "A business validation error has occurred while processing your request",
            f"Business Validation Error: changedSince must be within the last {CDC_DAYS} days",
        )
    return since


def cdc_entities(text: str | None) -> list[str]:
    if not text:
        raise required_param("entities")
    names = []
    for part in text.split(","):
        entity = entities.RESOURCES.get(part.strip().lower())
        if entity is None:
            raise Fault(
                "4001",
                "Invalid query",
                f"QueryValidationError: invalid context declaration: {part.strip()}",
            )
        names.append(entity)
    return names


def changed(
    company: Company, wanted: list[str], since: dt.datetime
) -> dict[str, list[dict[str, Any]]]:
    """The latest state of every object of `wanted` changed since `since`, newest log rows first."""
    latest: dict[tuple[str, str], str] = {}
    for row in reversed(company.changes):
        if dt.datetime.fromisoformat(row["at"]) < since:
            break
        if row["entity"] in wanted:
            latest.setdefault((row["entity"], row["id"]), row["at"])
    found: dict[str, list[dict[str, Any]]] = {}
    for (entity, entity_id), at in sorted(latest.items(), key=lambda item: item[1])[:CDC_MAX]:
        current = company.entities.get(entity, {}).get(entity_id)
        if current is None:
            stamp = dt.datetime.fromisoformat(at).isoformat(timespec="seconds")
            current = {
                "domain": "QBO",
                "status": "Deleted",
                "Id": entity_id,
                "MetaData": {"LastUpdatedTime": stamp},
            }
        found.setdefault(entity, []).append(current)
    return found


def run_cdc(request: Request, emulator: Emulator, realm: str) -> Response:
    def work(company: Company) -> tuple[dict[str, Any], int, list[tuple[str, str, str]]]:
        wanted = cdc_entities(request.arg("entities"))
        since = parse_since(request.arg("changedSince"))
        found = changed(company, wanted, since)
        responses = [
            {entity: found[entity], "startPosition": 1, "maxResults": len(found[entity])}
            for entity in wanted
            if entity in found
        ]
        return {"CDCResponse": [{"QueryResponse": responses or [{}]}], "time": qbo_time()}, 200, []

    return call(request, emulator, realm, work, write=False)


# --- batch --------------------------------------------------------------------------------


def batch_item(company: Company, item: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """One BatchItemRequest: its answer (entity, QueryResponse or Fault) and what it changed."""
    if not isinstance(item, dict):
        raise unsupported_operation("batch item that is not an object")
    if "Query" in item:
        return {"QueryResponse": query.run(company, str(item["Query"]))["QueryResponse"]}, []
    entity = next((key for key in item if key in entities.SPECS), None)
    if entity is None:
        raise unsupported_operation(
            f"batch item with none of the entities {sorted(entities.SPECS)}"
        )
    operation = str(item.get("operation") or "create")
    include = {"void"} if str(item.get("optionsData") or "").lower() == "void" else set()
    outcome = entities.write(company, entity, item[entity], operation, include)
    return {entity: outcome.body}, outcome.changes


def run_batch(request: Request, emulator: Emulator, realm: str) -> Response:
    def work(company: Company) -> tuple[dict[str, Any], int, list[tuple[str, str, str]]]:
        body = parse_body(request)
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise required_param("BatchItemRequest")
        if len(items) > BATCH_LIMIT:
            raise Fault(
                "1040",
                "Batch size exceeds allowed limit",
                f"Batch size exceeds allowed limit: {BATCH_LIMIT}",
            )
        answers, changes = [], []
        for item in items:
            bid = item.get("bId") if isinstance(item, dict) else None
            try:
                answer, done = batch_item(company, item)
                changes.extend(done)
            except Fault as fault:
                answer = {"Fault": {"Error": [fault.error()], "type": fault.fault_type}}
            answers.append({**answer, "bId": bid})
        return {"BatchItemResponse": answers, "time": qbo_time()}, 200, changes

    return call(request, emulator, realm, work, write=True)


ROUTES: list[Route] = [
    Route("GET", PREFIX + r"/query", run_query),
    Route("POST", PREFIX + r"/query", run_query),
    Route("GET", PREFIX + r"/reports/(?P<name>\w+)", run_report),
    Route("GET", PREFIX + r"/cdc", run_cdc),
    Route("POST", PREFIX + r"/batch", run_batch),
    Route("GET", PREFIX + r"/(?P<resource>preferences)", get_entity),
    Route("GET", PREFIX + r"/(?P<resource>[a-z]+)/(?P<entity_id>[^/]+)", get_entity),
    Route("POST", PREFIX + r"/(?P<resource>[a-z]+)", post_entity),
]

__all__ = ["ROUTES"]
