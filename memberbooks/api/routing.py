"""The API's route table: URLs, dispatch and the OpenAPI document all come from it.

A handler is declared once, with its method, path, role and shapes:

    @api.get(ORG + "invoices/<str:number>/", response=InvoiceDetail)
    def get_invoice(call: Call, number: str) -> InvoiceDetail: ...

`api.urlpatterns()` gives Django one view per path; that view picks the
operation by method (405 otherwise), authenticates, checks the role, parses
the query and body into their shapes, runs the handler (in one transaction
for writes) and renders the result or the error. `openapi.py` walks the same
table, so the description cannot drift from what is served.
"""

import json
import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.core.signals import got_request_exception
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt

from memberbooks.api import schema
from memberbooks.api.auth import authenticate
from memberbooks.api.errors import ApiError, api_error_for, error_response, json_response
from memberbooks.api.shapes import Paging
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

logger = logging.getLogger(__name__)

ORG = "orgs/<slug:org>/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Handler = TypeVar("Handler", bound=Callable[..., object])


@dataclass(frozen=True)
class Call:
    """What a handler gets besides its path parameters: the request and the resolved caller."""

    request: HttpRequest
    actor: Actor

    @property
    def org(self) -> Organisation:
        return self.actor.organisation


@dataclass(frozen=True)
class Page:
    """One page of a list. `next` and `previous` link to the neighbouring pages (null at the ends)."""

    results: list[Any]
    count: int
    page: int
    page_size: int
    next: str | None
    previous: str | None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Callable[..., object]
    role: Role | None  # None: public, no authentication
    status: int = 200
    body: type | None = None
    query: type | None = None
    response: type | None = None  # a shape ...
    page_of: type | None = None  # ... or a Page of these ...
    response_schema: dict[str, Any] | None = None  # ... or a hand-written JSON schema
    conflicts: bool = False  # documents 409
    atomic: bool = True  # False: the handler commits its own writes (it starts background jobs)

    @property
    def unsafe(self) -> bool:
        return self.method not in SAFE_METHODS

    @property
    def summary(self) -> str:
        return (self.handler.__doc__ or self.handler.__name__).strip().splitlines()[0]


@dataclass
class Api:
    operations: dict[str, dict[str, Operation]] = field(default_factory=dict)

    def get(self, route: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.operation("GET", route, **options)

    def post(self, route: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.operation("POST", route, **options)

    def patch(self, route: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.operation("PATCH", route, **options)

    def operation(
        self, method: str, route: str, *, role: Role | None = Role.VIEWER, **options: Any
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            methods = self.operations.setdefault(route, {})
            if method in methods:
                raise ValueError(f"{method} {route} is declared twice")
            methods[method] = Operation(method, route, handler, role, **options)
            return handler

        return register

    def urlpatterns(self) -> list[URLPattern]:
        return [path(route, _view(ops), name=_name(ops)) for route, ops in self.operations.items()]


def _name(ops: dict[str, Operation]) -> str:
    return next(iter(ops.values())).handler.__name__


def _view(ops: dict[str, Operation]) -> Callable[..., HttpResponse]:
    @csrf_exempt  # session requests are checked in auth.authenticate, token requests need none
    def view(request: HttpRequest, **params: str) -> HttpResponse:
        op = ops.get(request.method or "")
        try:
            if op is None:
                raise ApiError(
                    405,
                    "method_not_allowed",
                    f"{request.method} is not allowed here.",
                    fix=f"Use {' or '.join(ops)}.",
                    headers={"Allow": ", ".join(ops)},
                )
            return _run(op, request, params)
        except Exception as exc:
            return error_response(api_error_for(exc) or _server_error(request))

    return view


def _server_error(request: HttpRequest) -> ApiError:
    """A bug: logged with its traceback (and re-raised by the test client), answered in the one shape."""
    logger.exception("API error on %s %s", request.method, request.path)
    got_request_exception.send(sender=None, request=request)
    return ApiError(
        500,
        "server_error",
        "Something went wrong on our side; nothing was saved.",
        fix="Try again later; if it keeps happening, report the time of the request.",
    )


def _run(op: Operation, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
    if op.role is None:
        return json_response(schema.dump(op.handler(request)), status=op.status)
    actor = authenticate(request, params.pop("org"), op.unsafe)
    if not actor.can(op.role):
        raise ApiError(
            403,
            "forbidden",
            f"{op.method} here needs the {op.role.value} role; you are a {actor.role.value}.",
            fix=f"Ask an admin of {actor.organisation.name} for the {op.role.value} role.",
        )
    kwargs: dict[str, Any] = dict(params)
    if op.query is not None:
        kwargs["query"] = schema.parse_query(op.query, request.GET)
    if op.body is not None:
        kwargs["body"] = schema.parse(op.body, read_json(request))
    # A write and its answer share one transaction: if anything fails, nothing is kept.
    with transaction.atomic() if op.unsafe and op.atomic else nullcontext():
        payload = schema.dump(op.handler(Call(request, actor), **kwargs))
    return json_response(payload, status=op.status)


def read_json(request: HttpRequest) -> object:
    """The body as JSON, with decimals kept exact (they are refused as money later, by field)."""

    def no_constants(name: str) -> object:
        raise ValueError(f"{name} is not a number")

    try:
        return json.loads(request.body, parse_float=Decimal, parse_constant=no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError.invalid(
            None,
            "The body is not valid JSON." if request.body else "The body is empty.",
            fix='Send a JSON object with Content-Type: application/json, e.g. {"date": "2025-01-31"}.',
        ) from exc


def paginate[M: Model](
    request: HttpRequest, items: QuerySet[M], paging: Paging, present: Callable[[M], object]
) -> Page:
    """One page of a queryset; the next/previous links keep the other query parameters."""
    count = items.count()
    start = (paging.page - 1) * paging.page_size
    rows = [present(item) for item in items[start : start + paging.page_size]]

    def link(page: int) -> str:
        query = request.GET.copy()
        query["page"] = str(page)
        return f"{request.path}?{query.urlencode()}"

    return Page(
        results=rows,
        count=count,
        page=paging.page,
        page_size=paging.page_size,
        next=link(paging.page + 1) if start + paging.page_size < count else None,
        previous=link(paging.page - 1) if paging.page > 1 else None,
    )
