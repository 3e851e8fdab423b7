"""The OpenAPI 3.1 description, generated from the route table and the shapes.

Nothing here lists routes or fields by hand: paths, methods, parameters,
bodies and responses come from `Api.operations` and the shapes' annotations,
so the document describes exactly what `urls.py` serves. Only the aging report
(a dict the ledger builds) has a hand-written schema, and a test compares it
with `AgingReport.as_json()`.
"""

import re
from typing import Any

from django.conf import settings

from memberbooks.api.routing import Api, Operation, Page
from memberbooks.api.schema import SchemaBuilder, fields_of
from memberbooks.ledger.aging import BUCKETS
from memberbooks.tenancy.models import Role

OPENAPI_VERSION = "3.1.0"
MONEY = {"$ref": "#/components/schemas/Money"}

_AMOUNTS = {
    "total": MONEY,
    **dict.fromkeys(BUCKETS, MONEY),
    "unapplied_credit": MONEY,
    "net": MONEY,
}
AGING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Open balances per member in days-past-due buckets, as of a date. Unapplied "
    "payments and credits are reported beside them; `net` is the total less that credit.",
    "required": ["as_of", "total", "buckets", "unapplied_credit", "net", "members"],
    "properties": {
        "as_of": {"type": "string", "format": "date"},
        "total": MONEY,
        "buckets": {
            "type": "object",
            "properties": dict.fromkeys(BUCKETS, MONEY),
            "required": list(BUCKETS),
        },
        "unapplied_credit": MONEY,
        "net": MONEY,
        "members": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "member_number": {"type": "string"},
                    "name": {"type": "string"},
                    **_AMOUNTS,
                },
                "required": ["member_number", "name", *_AMOUNTS],
            },
        },
    },
}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error, whatever the status.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field", "fix"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable, for programs: invalid_input, unknown_reference, "
                    "unauthenticated, invalid_token, forbidden, csrf_failed, not_found, "
                    "method_not_allowed, over_application, already_voided, void_refused, "
                    "conflict, not_connected, mapping_refused, quickbooks_refused, "
                    "export_refused, sync_running, server_error.",
                },
                "message": {"type": "string", "description": "What is wrong, for people."},
                "field": {
                    "type": ["string", "null"],
                    "description": "The body or query field at fault, e.g. lines[0].gl_account.",
                },
                "fix": {"type": ["string", "null"], "description": "What to do about it."},
            },
        }
    },
}

ERRORS = {
    "400": "Invalid input, or a body naming something this organisation does not have.",
    "401": "No token or session, or the token is not valid.",
    "403": "The role is too low, or (session only) the CSRF check failed.",
    "404": "No such organisation or document, or not yours: the answers are identical.",
    "405": "The path does not take this method; see the Allow header.",
    "409": "The state refuses it: over-application, already voided, void refused, not "
    "connected to QuickBooks, a batch already undone, a sync already running.",
}

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `memberbooks apitoken create ORG USERNAME`, bound to that "
        "user's membership of ORG. Requests with a token need no CSRF token.",
    },
    "sessionAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": settings.SESSION_COOKIE_NAME,
        "description": "The signed-in browser session. POST and PATCH must also send the "
        f"{settings.CSRF_COOKIE_NAME} cookie's value in the X-CSRFToken header.",
    },
}


def openapi_path(route: str) -> str:
    """Django's `orgs/<slug:org>/members/` as OpenAPI's `/orgs/{org}/members/`."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def document(api: Api, base: str) -> dict[str, Any]:
    builder = SchemaBuilder()
    paths = {
        openapi_path(route): {op.method.lower(): _operation(op, builder) for op in ops.values()}
        for route, ops in api.operations.items()
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "memberbooks API",
            "version": "1",
            "description": "Members, GL accounts, invoices, payments and AR aging of one "
            "organisation, its QuickBooks Interface (qb/: links, GL mappings, export "
            "decisions, in-sync point) and its sync (sync/). Amounts are decimal strings; "
            "see docs/api.md and docs/api-quickbooks-interface.md.",
        },
        "servers": [{"url": base.rstrip("/")}],
        "security": [{"bearerAuth": []}, {"sessionAuth": []}],
        "paths": paths,
        "components": {
            "schemas": {**builder.components, "Error": ERROR_SCHEMA},
            "responses": {
                status: {
                    "description": text,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
                for status, text in ERRORS.items()
            },
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _operation(op: Operation, builder: SchemaBuilder) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.handler.__name__,
        "summary": op.summary,
        "parameters": _path_parameters(op.path)
        + (builder.parameters(op.query) if op.query else []),
        "responses": {
            str(op.status): {
                "description": op.summary,
                "content": {"application/json": {"schema": _response_schema(op, builder)}},
            },
            **{status: {"$ref": f"#/components/responses/{status}"} for status in _errors(op)},
        },
    }
    if op.role is None:
        doc["security"] = []
    else:
        doc["description"] = f"Needs the {op.role.value} role (or higher)."
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": builder.ref(op.body, closed=True)}},
        }
    return doc


def _path_parameters(route: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"<(?:\w+:)?(\w+)>", route)
    ]


def _response_schema(op: Operation, builder: SchemaBuilder) -> dict[str, Any]:
    if op.page_of is not None:
        return _page_ref(op.page_of, builder)
    if op.response is not None:
        return builder.ref(op.response, closed=False)
    if op.response_schema is None:
        raise TypeError(f"{op.path}: declare response, page_of or response_schema")
    return op.response_schema


def _page_ref(item: type, builder: SchemaBuilder) -> dict[str, Any]:
    """A `Page` whose results are `item`s, as its own component (MemberPage, InvoicePage, ...)."""
    name = f"{item.__name__}Page"
    if name not in builder.components:
        page = builder.object_schema(Page, closed=False)
        page["properties"]["results"] = {"type": "array", "items": builder.ref(item, closed=False)}
        builder.components[name] = page
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(op: Operation) -> list[str]:
    if op.role is None:
        return ["405"]
    errors = ["401", "404", "405"]
    if op.unsafe or op.role is not Role.VIEWER:
        errors.insert(1, "403")
    if op.body is not None or (op.query is not None and fields_of(op.query)):
        errors.insert(0, "400")
    if op.conflicts:
        errors.append("409")
    return errors
