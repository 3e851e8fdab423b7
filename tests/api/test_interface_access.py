"""Roles and tenancy on every QuickBooks Interface route (interface.py), from the route table itself.

Viewers write nothing; another organisation's callers and numbers get the same
404 as ones that do not exist. None of these refusals reaches QuickBooks, so no
emulator is needed.
"""

import json
from typing import Any

import pytest

from memberbooks.api.interface import api  # importing it registers the routes
from memberbooks.api.routing import Operation
from memberbooks.exports import actions as exports
from memberbooks.exports.models import ExportDecision, InSyncPoint, MarkBatch
from memberbooks.mapping.models import CustomerLink, GLMapping, QbCatalogEntry
from memberbooks.tenancy.models import Role
from tests.api.conftest import API, Caller, Scene

OPERATIONS = [
    op
    for ops in api.operations.values()
    for op in ops.values()
    if op.handler.__module__ == "memberbooks.api.interface"
]
IDS = [f"{op.method} {op.handler.__name__}" for op in OPERATIONS]
WRITES = [op for op in OPERATIONS if op.unsafe]

BODIES: dict[str, dict[str, Any]] = {
    "link_member": {"customer_id": "1"},
    "unlink_member": {},
    "create_qb_customer": {},
    "confirm_confident_links": {},
    "map_gl_account": {"item_id": "1"},
    "unmap_gl_account": {},
    "create_qb_target": {},
    "dedicated_ar": {},
    "refresh_qb_catalog": {},
    "mark_transactions": {
        "documents": [{"type": "invoice", "number": "A-INV-1"}],
        "decision": "no_go",
        "reason": "test",
    },
    "mass_mark": {"decision": "no_go", "reason": "test"},
    "undo_mark_batch": {},
    "set_insync_point": {"date": "2025-01-01"},
}


@pytest.fixture
def batch(scene: Scene) -> MarkBatch:
    return exports.mass_mark(scene.books.actor, None, None, [], False, "opening balances")


def url_for(op: Operation, slug: str, scene: Scene, batch: MarkBatch) -> str:
    path = (
        op.path.replace("<str:member_number>", scene.member.member_number)
        .replace("<str:gl_number>", "4999")
        .replace("<str:batch_id>", str(batch.pk))
        .replace("<slug:org>", slug)
    )
    return API + path


def body_for(op: Operation) -> dict[str, Any] | None:
    return BODIES[op.handler.__name__] if op.unsafe else None


def state() -> dict[str, list[Any]]:
    """Every row the interface's writes could touch."""
    return {
        "links": list(CustomerLink.objects.values_list("member_id", "qb_id")),
        "mappings": list(GLMapping.objects.values_list("gl_account_id", "qb_item_id")),
        "catalog": list(QbCatalogEntry.objects.values_list("qb_id", flat=True)),
        "decisions": sorted(ExportDecision.objects.values_list("doc_type", "doc_id", "decision")),
        "batches": list(MarkBatch.objects.values_list("pk", "undone_at")),
        "points": list(InSyncPoint.objects.values_list("pk", flat=True)),
    }


def test_every_write_has_a_test_body() -> None:
    assert len(OPERATIONS) == 24
    assert set(BODIES) == {op.handler.__name__ for op in WRITES}


def test_roles_follow_the_issue() -> None:
    roles = {op.handler.__name__: op.role for op in OPERATIONS}
    assert roles.pop("set_insync_point") is Role.ADMIN
    assert roles.pop("preview_mass_mark") is Role.BOOKKEEPER  # a preview of a write
    for op in OPERATIONS:
        if op.handler.__name__ in roles:
            expected = Role.BOOKKEEPER if op.unsafe else Role.VIEWER
            assert op.role is expected, op.handler.__name__
    assert all(op.path.startswith("orgs/<slug:org>/qb/") for op in OPERATIONS)


@pytest.mark.parametrize("op", WRITES, ids=[f"{op.method} {op.handler.__name__}" for op in WRITES])
def test_a_viewer_cannot_write(
    scene: Scene, batch: MarkBatch, viewer: Caller, op: Operation
) -> None:
    before = state()

    reply = viewer.request(op.method, url_for(op, "acme", scene, batch), body_for(op))

    assert reply.status == 403
    assert reply.error["code"] == "forbidden"
    assert (op.role.value if op.role else "") in reply.error["message"]
    assert state() == before


def test_a_bookkeeper_cannot_set_the_insync_point(scene: Scene, bookkeeper: Caller) -> None:
    reply = bookkeeper.post("orgs/acme/qb/insync/", {"date": "2025-01-01"})

    assert reply.status == 403 and "admin" in reply.error["message"]
    assert not InSyncPoint.objects.exists() and not ExportDecision.objects.exists()


@pytest.mark.parametrize("op", OPERATIONS, ids=IDS)
def test_another_orgs_token_gets_404_on_every_route(
    scene: Scene, batch: MarkBatch, outsider: Caller, op: Operation
) -> None:
    before = state()

    theirs = outsider.request(op.method, url_for(op, "acme", scene, batch), body_for(op))
    nobodys = outsider.request(op.method, url_for(op, "no-such-org", scene, batch), body_for(op))

    assert theirs.status == 404
    assert theirs.body == nobodys.body
    assert theirs.error["message"] == "No such organisation."
    assert state() == before


WITH_NUMBERS = [op for op in OPERATIONS if "<str:" in op.path]


def number_in(op: Operation, batch: MarkBatch) -> str:
    """Which acme number (or batch id) the operation's URL names."""
    if "<str:member_number>" in op.path:
        return "A-100"
    if "<str:gl_number>" in op.path:
        return "4999"
    assert "<str:batch_id>" in op.path, op.path
    return str(batch.pk)


@pytest.mark.parametrize("op", WITH_NUMBERS, ids=[f"{op.method} {op.path}" for op in WITH_NUMBERS])
def test_acme_numbers_in_the_other_orgs_urls_are_not_found(
    scene: Scene, batch: MarkBatch, outsider: Caller, op: Operation
) -> None:
    """/orgs/other/qb/members/A-100/link is a 404 exactly like a number nobody has."""
    before = state()
    url = url_for(op, "other", scene, batch)
    number = number_in(op, batch)

    theirs = outsider.request(op.method, url, body_for(op))
    nobodys = outsider.request(op.method, url.replace(f"/{number}/", "/NOPE-1/"), body_for(op))

    assert theirs.status == 404, theirs.body
    assert json.loads(json.dumps(theirs.body).replace(number, "NOPE-1")) == nobodys.body
    assert "Other Club" in theirs.error["message"]
    assert state() == before


def test_an_outsiders_own_numbers_do_not_reach_acme_documents(
    scene: Scene, batch: MarkBatch, outsider: Caller
) -> None:
    """A body naming acme's invoice from the other organisation is an unknown reference."""
    before = state()

    reply = outsider.post(
        "orgs/other/qb/transactions/mark",
        BODIES["mark_transactions"],
    )

    assert (reply.status, reply.error["code"]) == (400, "unknown_reference")
    assert reply.error["field"] == "documents[0].number"
    assert state() == before
