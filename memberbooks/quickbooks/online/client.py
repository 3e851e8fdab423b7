"""memberbooks' own QuickBooks Online client: thin, explicit, safe to retry.

Every call has explicit timeouts, `minorversion`, JSON headers and the bearer token
from the `TokenSource`; a 401 triggers one `refresh()` and one repeat. Throttles
(429), server faults (5xx), timeouts and network errors are retried with
exponential backoff and full jitter; validation faults are raised at once as
`TerminalQboError`. Each call first takes a slot from the per-realm `RateLimiter`.

**The requestid rule.** Every write (create, update, sparse update, delete, void,
batch) carries ``requestid`` = the first 36 hex digits of
``sha256(realm | entity | operation | key)``, where ``key`` is the caller's
idempotency key (for example the outbox row id) or, when none is given, the
canonical JSON of the body (sorted keys, exact Decimals). The same write therefore
always gets the same id, on a retry inside this client or after a crash, and
QuickBooks answers a repeat with the first answer instead of writing twice.
Without a key, two *identical* creates are one write: callers that may
legitimately create identical documents must pass an idempotency key.
"""

import hashlib
import json
import random
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from memberbooks.quickbooks.online.errors import (
    QboError,
    TerminalQboError,
    TransientQboError,
    classify,
)
from memberbooks.quickbooks.online.ratelimit import RateLimiter
from memberbooks.quickbooks.online.tokens import Endpoints, TokenSource
from memberbooks.quickbooks.online.wire import (
    JsonDict,
    QbChanges,
    QbFault,
    changes_from_json,
    dumps,
    fault_from_json,
    loads,
)

BATCH_SIZE = 30  # QuickBooks' hard limit per batch request (api.md §4)
PAGE_SIZE = 1000  # QuickBooks' MAXRESULTS cap (api.md §3.1)
VOID_BY_OPERATION = {"invoice"}  # ?operation=void
VOID_BY_SPARSE_UPDATE = {"payment", "salesreceipt", "billpayment"}  # ?operation=update&include=void
OPERATORS = {"=", "<", ">", "<=", ">=", "IN", "LIKE"}
DEFAULT_TIMEOUT = httpx.Timeout(30, connect=5)
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9.]*$")


# --- the query builder ---------------------------------------------------------------------


def quote(value: Any) -> str:
    """A query literal: strings quoted with backslash-escaped quotes and backslashes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in queries: use Decimal")
    if isinstance(value, datetime | date):
        value = value.isoformat()
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


Condition = tuple[str, str, Any]


def build_query(
    entity: str,
    where: Mapping[str, Any] | Sequence[Condition] | None = None,
    *,
    order_by: str | None = None,
    start: int | None = None,
    max_results: int | None = None,
    count: bool = False,
) -> str:
    """The one way memberbooks writes a QuickBooks query: names checked, values escaped.

    `where` is a mapping (equality; a list or tuple means IN) or a sequence of
    ``(field, operator, value)`` conditions, joined with AND (QuickBooks has no OR).
    """
    _check_name(entity)
    # Not SQL: names are checked against _FIELD and every value goes through quote().
    parts = [f"SELECT {'COUNT(*)' if count else '*'} FROM {entity}"]  # noqa: S608
    conditions = list(where.items()) if isinstance(where, Mapping) else list(where or [])
    clauses = [_clause(*_as_condition(cond)) for cond in conditions]
    if clauses:
        parts.append("WHERE " + " AND ".join(clauses))
    if order_by:
        field, _, direction = order_by.partition(" ")
        _check_name(field)
        if direction.upper() not in ("", "ASC", "DESC"):
            raise ValueError(f"order direction {direction!r} is not ASC or DESC")
        parts.append(f"ORDERBY {field} {direction.upper()}".rstrip())
    if start is not None:
        parts.append(f"STARTPOSITION {int(start)}")
    if max_results is not None:
        parts.append(f"MAXRESULTS {int(max_results)}")
    return " ".join(parts)


def _as_condition(item: Any) -> Condition:
    if len(item) == 2:
        field, value = item
        return (field, "IN" if isinstance(value, list | tuple | set) else "=", value)
    field, op, value = item
    return (field, op, value)


def _clause(field: str, op: str, value: Any) -> str:
    _check_name(field)
    op = op.upper()
    if op not in OPERATORS:
        raise ValueError(f"query operator {op!r} is not one of {sorted(OPERATORS)}")
    if op == "IN":
        return f"{field} IN ({', '.join(quote(v) for v in value)})"
    return f"{field} {op} {quote(value)}"


def _check_name(name: str) -> None:
    if not _FIELD.match(name):
        raise ValueError(f"{name!r} is not a QuickBooks entity or field name")


# --- requestid -----------------------------------------------------------------------------


def canonical(body: Any) -> str:
    """Body text independent of key order, exact for Decimals."""
    if isinstance(body, dict):
        items = sorted(body.items())
        return "{" + ",".join(f"{json.dumps(str(k))}:{canonical(v)}" for k, v in items) + "}"
    if isinstance(body, list | tuple):
        return "[" + ",".join(canonical(v) for v in body) + "]"
    return dumps(body)


def request_id(realm: str, entity: str, operation: str, body: Any, key: str | None = None) -> str:
    """The deterministic requestid of a write (see the module docstring for the rule)."""
    basis = key if key is not None else canonical(body)
    text = f"{realm}|{entity.lower()}|{operation}|{basis}"
    return hashlib.sha256(text.encode()).hexdigest()[:36]


# --- responses -----------------------------------------------------------------------------


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _xml_fault(text: str) -> QbFault | None:
    try:
        # QuickBooks' own fault bodies; the parser expands no external entities.
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Error":
            found = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in element}
            fault_type = next(
                (e.get("type", "") for e in root.iter() if e.tag.endswith("Fault")), ""
            )
            return QbFault(
                code=element.get("code", ""),
                message=found.get("Message", ""),
                detail=found.get("Detail", ""),
                element=element.get("element", ""),
                fault_type=fault_type,
            )
    return None


def error_from_response(response: httpx.Response) -> QboError:
    """A typed error from any QuickBooks failure body: JSON (both dialects), XML or HTML."""
    text = response.text
    fault: QbFault | None = None
    if text.lstrip().startswith("<?xml") or "xml" in response.headers.get("Content-Type", ""):
        fault = _xml_fault(text)
    elif text.lstrip().startswith("{"):
        try:
            fault = fault_from_json(loads(text))
        except ValueError:
            fault = None
    if fault is None:
        fault = QbFault(code=str(response.status_code), message=text[:200].strip())
    return classify(
        fault.code or str(response.status_code),
        response.status_code,
        qbo_message=fault.message,
        detail=fault.detail,
        element=fault.element,
        fault_type=fault.fault_type,
        retry_after=_retry_after(response),
        intuit_tid=response.headers.get("intuit_tid", ""),
    )


@dataclass(frozen=True)
class BatchItem:
    """One batch payload: a write (`operation` + `entity` + `body`) or a `query`."""

    operation: str | None = None
    entity: str | None = None
    body: JsonDict | None = None
    query: str | None = None
    options: str | None = None  # optionsData, e.g. "void"


@dataclass(frozen=True)
class BatchResult:
    bid: str
    entity: str | None
    data: JsonDict | None
    fault: QbFault | None


# --- the client ----------------------------------------------------------------------------


class QboClient:
    """One QuickBooks company (the TokenSource's realm), through one httpx client."""

    def __init__(
        self,
        endpoints: Endpoints,
        tokens: TokenSource,
        *,
        http: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        minor_version: int = 75,
        max_retries: int = 6,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        throttle_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.tokens = tokens
        self.http = http or httpx.Client()
        self.limiter = limiter
        self.timeout = timeout
        self.minor_version = minor_version
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.throttle_wait = throttle_wait
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.attempts = 0  # HTTP requests sent, retries included (for tests and benchmarks)
        self.retries: dict[str, int] = {}  # code -> retries made because of it

    @property
    def realm(self) -> str:
        return self.tokens.realm_id

    # --- plumbing --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.endpoints.api_base.rstrip('/')}/v3/company/{self.realm}/{path}"

    def delay(self, error: QboError, attempt: int) -> float:
        """How long to wait before retry `attempt` (0-based).

        Full jitter: uniform(0, min(cap, base * 2**attempt)). A 429 waits at least
        Retry-After when QuickBooks sends one, else Intuit's advice (`throttle_wait`,
        60 s), plus the jitter so that waiting workers do not return together.
        """
        jitter = self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        if _is_throttle(error):
            floor = error.retry_after if error.retry_after is not None else self.throttle_wait
            return floor + jitter
        return jitter

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        content: str | None = None,
        content_type: str = "application/json",
        batch: bool = False,
        spare: bool = False,
    ) -> JsonDict:
        """One API call with refresh-on-401, rate limiting and retries; the parsed JSON.

        `batch` and `spare` say which of the limiter's budgets the call counts against.
        """
        query = {"minorversion": str(self.minor_version), **(params or {})}
        payload = dumps(body) if body is not None else content
        refreshed = False
        attempt = 0
        while True:
            try:
                return self._send(method, path, query, payload, content_type, batch, spare)
            except TransientQboError as error:
                if attempt >= self.max_retries:
                    raise
                self.retries[error.code] = self.retries.get(error.code, 0) + 1
                wait = self.delay(error, attempt)
                if self.limiter is not None and _is_throttle(error):
                    self.limiter.hold(self.realm, wait)  # the other workers wait as well
                self.sleep(wait)
                attempt += 1
            except TerminalQboError as error:
                if error.status != 401 or refreshed:
                    raise
                self.tokens.refresh()
                refreshed = True

    def _send(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        payload: str | None,
        content_type: str,
        batch: bool,
        spare: bool = False,
    ) -> JsonDict:
        headers = {
            "Authorization": f"Bearer {self.tokens.access_token()}",
            "Accept": "application/json",
            "User-Agent": "memberbooks-qbo/1",
        }
        if payload is not None:
            headers["Content-Type"] = content_type
        self.attempts += 1
        try:
            if self.limiter is None:
                response = self._http(method, path, query, payload, headers)
            else:
                with self.limiter.slot(self.realm, batch=batch, spare=spare):
                    response = self._http(method, path, query, payload, headers)
        except httpx.TimeoutException as exc:
            raise classify("timeout", 0, qbo_message=type(exc).__name__) from exc
        except httpx.TransportError as exc:
            raise classify("timeout", 0, qbo_message=f"network: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise error_from_response(response)
        try:
            data = loads(response.content)
        except ValueError as exc:
            raise classify("10000", 502, qbo_message="unreadable answer") from exc
        fault = fault_from_json(data) if isinstance(data, dict) else None
        if fault is not None:
            raise classify(fault.code, 400, qbo_message=fault.message, detail=fault.detail)
        return data if isinstance(data, dict) else {"value": data}

    def _http(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        payload: str | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        return self.http.request(
            method,
            self.url(path),
            params=dict(query),
            content=payload.encode() if payload is not None else None,
            headers=headers,
            timeout=self.timeout,
        )

    def write(
        self,
        entity: str,
        operation: str,
        body: JsonDict,
        *,
        key: str | None = None,
        params: Mapping[str, str] | None = None,
        spare: bool = False,
    ) -> JsonDict:
        """POST one entity write with its deterministic requestid; the entity object back."""
        rid = request_id(self.realm, entity, operation, body, key)
        data = self.request(
            "POST",
            entity.lower(),
            params={**(params or {}), "requestid": rid},
            body=body,
            spare=spare,
        )
        return _entity_of(data, entity)

    def send(self, item: BatchItem, *, idempotency_key: str, spare: bool = False) -> JsonDict:
        """One batch item's write as a request of its own (the same body, its own requestid).

        The requestid derives from the entity and operation as well as the key, so an
        item first sent this way must be resent this way, under the same key: inside a
        batch it would carry another requestid, and QuickBooks would write it again.
        """
        if not item.operation or not item.entity or item.body is None:
            raise ValueError("only a write (operation, entity and body) can be sent alone")
        operation, params = _single_operation(item)
        return self.write(
            item.entity, operation, item.body, key=idempotency_key, params=params, spare=spare
        )

    # --- entity operations -----------------------------------------------------------------

    def create(
        self, entity: str, body: JsonDict, *, idempotency_key: str | None = None
    ) -> JsonDict:
        return self.write(entity, "create", body, key=idempotency_key)

    def read(self, entity: str, entity_id: str) -> JsonDict:
        if not re.fullmatch(r"[0-9A-Za-z-]+", entity_id):
            raise ValueError(f"{entity_id!r} is not a QuickBooks Id")
        return _entity_of(self.request("GET", f"{entity.lower()}/{entity_id}"), entity)

    def update(
        self, entity: str, body: JsonDict, *, idempotency_key: str | None = None
    ) -> JsonDict:
        """Full update: QuickBooks clears writable fields the body leaves out. Prefer sparse."""
        _require(body, "Id", "SyncToken")
        return self.write(entity, "update", {**body, "sparse": False}, key=idempotency_key)

    def sparse_update(
        self,
        entity: str,
        entity_id: str,
        sync_token: str,
        fields: JsonDict,
        *,
        idempotency_key: str | None = None,
    ) -> JsonDict:
        """Change only `fields`; everything else in QuickBooks stays as it is."""
        body = {**fields, "Id": entity_id, "SyncToken": sync_token, "sparse": True}
        return self.write(entity, "sparse", body, key=idempotency_key)

    def delete(
        self, entity: str, entity_id: str, sync_token: str, *, idempotency_key: str | None = None
    ) -> JsonDict:
        """Delete a transaction (name lists cannot be deleted: use `deactivate`)."""
        body = {"Id": entity_id, "SyncToken": sync_token}
        return self.write(
            entity, "delete", body, key=idempotency_key, params={"operation": "delete"}
        )

    def void(
        self, entity: str, entity_id: str, sync_token: str, *, idempotency_key: str | None = None
    ) -> JsonDict:
        """Void by the entity's rule: Invoice by operation=void, Payment/SalesReceipt by sparse update."""
        resource = entity.lower()
        if resource in VOID_BY_OPERATION:
            body: JsonDict = {"Id": entity_id, "SyncToken": sync_token}
            params = {"operation": "void"}
        elif resource in VOID_BY_SPARSE_UPDATE:
            body = {"Id": entity_id, "SyncToken": sync_token, "sparse": True}
            params = {"operation": "update", "include": "void"}
        else:
            raise ValueError(f"QuickBooks cannot void a {entity}; delete it instead")
        return self.write(entity, "void", body, key=idempotency_key, params=params)

    def deactivate(self, entity: str, entity_id: str, sync_token: str) -> JsonDict:
        """Name lists (Customer, Item, Account) are made inactive, never deleted."""
        return self.sparse_update(entity, entity_id, sync_token, {"Active": False})

    # --- queries ---------------------------------------------------------------------------

    def query(self, statement: str) -> JsonDict:
        """The raw QueryResponse of one statement built with `build_query`."""
        data = self.request("POST", "query", content=statement, content_type="application/text")
        response = data.get("QueryResponse", {})
        return response if isinstance(response, dict) else {}

    def count(
        self, entity: str, where: Mapping[str, Any] | Sequence[Condition] | None = None
    ) -> int:
        return int(self.query(build_query(entity, where, count=True)).get("totalCount", 0))

    def query_all(
        self,
        entity: str,
        where: Mapping[str, Any] | Sequence[Condition] | None = None,
        *,
        order_by: str | None = "Id",
        page_size: int = PAGE_SIZE,
    ) -> Iterator[JsonDict]:
        """Every matching row, fetched page by page (STARTPOSITION) as the caller iterates."""
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {PAGE_SIZE}")
        start = 1
        while True:
            statement = build_query(
                entity, where, order_by=order_by, start=start, max_results=page_size
            )
            rows = self.query(statement).get(entity, [])
            yield from rows
            if len(rows) < page_size:
                return
            start += page_size

    # --- batch, CDC, reports ---------------------------------------------------------------

    def batch(
        self, items: Sequence[BatchItem], *, idempotency_key: str | None = None
    ) -> list[BatchResult]:
        """Run items in batches of at most 30; results in the order of `items`."""
        results: list[BatchResult] = []
        for offset in range(0, len(items), BATCH_SIZE):
            chunk = items[offset : offset + BATCH_SIZE]
            key = f"{idempotency_key}:{offset}" if idempotency_key is not None else None
            results.extend(self._batch_chunk(chunk, key))
        return results

    def _batch_chunk(self, chunk: Sequence[BatchItem], key: str | None) -> list[BatchResult]:
        requests = [_batch_request(f"b{index}", item) for index, item in enumerate(chunk)]
        body = {"BatchItemRequest": requests}
        rid = request_id(self.realm, "batch", "batch", body, key)
        data = self.request("POST", "batch", params={"requestid": rid}, body=body, batch=True)
        by_bid = {str(answer.get("bId")): answer for answer in data.get("BatchItemResponse", [])}
        return [
            _batch_result(f"b{index}", by_bid.get(f"b{index}", {})) for index in range(len(chunk))
        ]

    def cdc(self, entities: Iterable[str], changed_since: datetime | date) -> QbChanges:
        """Objects of `entities` changed since then (at most 30 days back, 1000 objects)."""
        names = list(entities)
        for name in names:
            _check_name(name)
        params = {"entities": ",".join(names), "changedSince": changed_since.isoformat()}
        return changes_from_json(self.request("GET", "cdc", params=params))

    def report(self, name: str, **params: str | date) -> JsonDict:
        """A report (AgedReceivables, CustomerBalance, ...) in its Header/Columns/Rows shape."""
        _check_name(name)
        values = {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in params.items()}
        return self.request("GET", f"reports/{name}", params=values)

    def company_info(self) -> JsonDict:
        return self.read("CompanyInfo", self.realm)


def _is_throttle(error: QboError) -> bool:
    return error.status == 429 or error.code == "3001"


def _entity_of(data: JsonDict, entity: str) -> JsonDict:
    for key, value in data.items():
        if key.lower() == entity.lower() and isinstance(value, dict):
            return value
    raise TerminalQboError("2010", status=200, qbo_message=f"answer has no {entity}")


def _require(body: JsonDict, *names: str) -> None:
    missing = [name for name in names if not body.get(name)]
    if missing:
        raise ValueError(f"an update needs {', '.join(missing)}")


def _single_operation(item: BatchItem) -> tuple[str, dict[str, str]]:
    """The requestid operation and query parameters of a batch item sent alone.

    The operation names match `void`, `sparse_update` and `delete`, so an item gets
    the requestid those methods would give it under the same key.
    """
    if item.options == "void":  # Payment, SalesReceipt: a sparse update that voids
        return "void", {"operation": "update", "include": "void"}
    if item.operation == "void":  # Invoice
        return "void", {"operation": "void"}
    if item.operation == "delete":
        return "delete", {"operation": "delete"}
    if item.operation == "update":
        sparse = bool(item.body and item.body.get("sparse"))
        return ("sparse" if sparse else "update"), {}
    return item.operation or "create", {}


def _batch_request(bid: str, item: BatchItem) -> JsonDict:
    if item.query is not None:
        return {"bId": bid, "Query": item.query}
    if not item.operation or not item.entity or item.body is None:
        raise ValueError("a batch item needs operation, entity and body, or a query")
    request: JsonDict = {"bId": bid, "operation": item.operation, item.entity: item.body}
    if item.options:
        request["optionsData"] = item.options
    return request


def _batch_result(bid: str, answer: JsonDict) -> BatchResult:
    fault = fault_from_json(answer)
    if fault is not None:
        return BatchResult(bid, None, None, fault)
    for key, value in answer.items():
        if key != "bId" and isinstance(value, dict):
            return BatchResult(bid, key, value, None)
    return BatchResult(bid, None, None, QbFault("", "no answer for this item"))
