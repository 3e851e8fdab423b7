"""The OpenAPI document: valid JSON, version 3.1, and exactly the routes that are served."""

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from memberbooks.api import urls
from memberbooks.ledger.aging import aging
from tests.api.conftest import API, Caller, Scene

METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


@pytest.fixture
def document(db: None) -> dict[str, Any]:
    response = Client().get(API + "openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return dict(json.loads(response.content))


def served_paths() -> set[str]:
    """Every API URL pattern Django serves, in OpenAPI's notation, without the catch-all 404."""
    patterns = [p for p in urls.urlpatterns if isinstance(p, URLPattern) and p.name != urls.UNKNOWN]
    assert len(patterns) == len(urls.urlpatterns) - 1, "only plain paths belong in api/urls.py"
    return {"/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern)) for p in patterns}


def test_it_is_openapi_3_1(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["servers"] == [{"url": "/api/v1"}]
    assert {"bearerAuth", "sessionAuth"} <= set(document["components"]["securitySchemes"])


def test_every_served_route_is_documented_and_nothing_else(document: dict[str, Any]) -> None:
    assert set(document["paths"]) == served_paths()
    assert "/orgs/{org}/invoices/{number}/void" in document["paths"]
    assert "/openapi.json" in document["paths"]


def test_every_documented_method_is_served_and_no_other(
    document: dict[str, Any], scene: Scene, bookkeeper: Caller
) -> None:
    """A method the path does not take gets 405, whose Allow header must match the document."""
    for path, item in document["paths"].items():
        url = API + path.strip("/").replace("{org}", "acme") + ("/" if path.endswith("/") else "")
        url = url.replace("{member_number}", "A-100").replace("{number}", "A-INV-1")
        reply = bookkeeper.request("TRACE", url)
        assert reply.status == 405, path
        documented = {m.upper() for m in item if m in METHODS}
        assert set(reply.headers["Allow"].split(", ")) == documented, path


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for value in node.values() for r in refs(value)]
        return [r for value in node for r in refs(value)] if isinstance(node, list) else []

    found = refs(document)
    assert found
    for ref in found:
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert target, ref


def test_operations_have_ids_errors_and_security(document: dict[str, Any]) -> None:
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids)) == 17 + 24 + 5  # ledger + QuickBooks Interface + sync
    for path, method, op in operations:
        if path == "/openapi.json":
            assert op["security"] == []
            continue
        assert {"401", "404", "405"} <= set(op["responses"]), (path, method)
        if method != "get":
            assert {"400", "403"} <= set(op["responses"]), (path, method)
            assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"]


def test_error_shape_is_documented(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"code", "message", "field", "fix"}


def test_response_keys_match_the_schemas(
    document: dict[str, Any], scene: Scene, viewer: Caller
) -> None:
    schemas = document["components"]["schemas"]
    for url, name in (
        ("orgs/acme/invoices/A-INV-1/", "InvoiceDetail"),
        ("orgs/acme/payments/A-PMT-1/", "PaymentDetail"),
        ("orgs/acme/members/A-100/", "MemberDetail"),
    ):
        body = viewer.get(url).body
        assert set(body) == set(schemas[name]["properties"]) == set(schemas[name]["required"])
    page = viewer.get("orgs/acme/gl-accounts/").body
    assert set(page) == set(schemas["GLAccountPage"]["properties"])
    assert set(page["results"][0]) == set(schemas["GLAccount"]["properties"])


def test_aging_schema_matches_the_reports_json(document: dict[str, Any], scene: Scene) -> None:
    schema = document["paths"]["/orgs/{org}/aging"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    report = aging(scene.books.org, scene.invoice2.due_date).as_json()
    members: Any = report["members"]
    buckets: Any = report["buckets"]

    assert set(report) == set(schema["required"]) == set(schema["properties"])
    assert set(buckets) == set(schema["properties"]["buckets"]["required"])
    row_schema = schema["properties"]["members"]["items"]
    assert set(members[0]) == set(row_schema["required"]) == set(row_schema["properties"])


def test_request_bodies_are_closed_and_money_is_a_string(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["NewInvoice"]["additionalProperties"] is False
    assert schemas["NewLine"]["properties"]["unit_price"] == {"$ref": "#/components/schemas/Money"}
    assert schemas["Money"]["type"] == "string"
    assert schemas["NewMember"]["properties"]["member_number"]["maxLength"] == 30
    assert schemas["NewInvoice"]["required"] == ["member_number", "date", "lines"]
