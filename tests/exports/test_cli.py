"""`memberbooks mark` and `memberbooks status`: text and --json outputs."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from memberbooks.exports.models import ExportDecision, MarkBatch
from tests.books import Books


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_invoices(books: Books) -> Books:
    pat = books.member()
    books.invoice(pat, "100.00", "2026-01-10")
    books.invoice(pat, "40.00", "2026-03-05")
    books.pay(pat, "10.00", "2026-01-20")
    return books


def test_mark_preview_apply_undo_json(two_invoices: Books) -> None:
    preview = json.loads(
        run(
            "mark",
            "acme",
            "--before",
            "2026-02-28",
            "--type",
            "invoice",
            "--no-go",
            "--preview",
            "--json",
        )
    )
    assert preview == {
        "preview": True,
        "count": 1,
        "total": "100.00",
        "per_type": {"invoice": {"count": 1, "total": "100.00"}},
        "message": "Would mark 1 documents totalling 100.00.",
    }
    assert not ExportDecision.objects.exists()
    applied = json.loads(
        run("mark", "acme", "--before", "2026-02-28", "--no-go", "--reason", "opening", "--json")
    )
    assert (applied["count"], applied["total"], applied["decision"]) == (2, "110.00", "no_go")
    assert ExportDecision.objects.filter(decision="no_go", reason="opening").count() == 2
    undone = json.loads(run("mark", "acme", "--undo", str(applied["batch"]), "--json"))
    assert undone["undone"] is True and not ExportDecision.objects.exists()


def test_mark_text_and_errors(two_invoices: Books) -> None:
    text = run(
        "mark", "acme", "--before", "2026-02-28", "--after", "2026-01-15", "--go", "--reason", "ok"
    )
    batch = MarkBatch.objects.get()
    assert text.strip() == (
        f"Batch {batch.pk}: marked 1 documents totalling 10.00 go (undo with --undo {batch.pk})."
    )
    with pytest.raises(CommandError, match="A reason is required"):
        run("mark", "acme", "--before", "2026-02-28", "--no-go")
    with pytest.raises(CommandError, match="--type 'bill' is unknown"):
        run("mark", "acme", "--before", "2026-02-28", "--type", "bill", "--no-go", "--reason", "x")
    with pytest.raises(CommandError, match="not a date"):
        run("mark", "acme", "--before", "28/02/2026", "--no-go", "--reason", "x")
    with pytest.raises(CommandError, match="No organisation with slug 'nope'"):
        run("mark", "nope", "--before", "2026-02-28", "--no-go", "--reason", "x")


def test_status_json_shape(two_invoices: Books) -> None:
    run("mark", "acme", "--before", "2026-02-28", "--type", "invoice", "--no-go", "--reason", "old")
    data = json.loads(run("status", "acme", "--json"))
    assert data["summary"] == {
        "invoice": {
            "no_go": {"count": 1, "total": "100.00"},
            "undecided": {"count": 1, "total": "40.00"},
        },
        "payment": {"undecided": {"count": 1, "total": "10.00"}},
    }
    assert [(d["type"], d["date"], d["decision"], d["reason"]) for d in data["documents"]] == [
        ("invoice", "2026-03-05", "undecided", ""),
        ("payment", "2026-01-20", "undecided", ""),
        ("invoice", "2026-01-10", "no_go", "old"),
    ]
    assert set(data["documents"][0]) == {
        "type",
        "id",
        "number",
        "date",
        "member",
        "amount",
        "voided_on",
        "source",
        "decision",
        "reason",
        "status",
        "qb_id",
    }
    only = json.loads(run("status", "acme", "--json", "--type", "invoice", "--decision", "no_go"))
    assert [d["amount"] for d in only["documents"]] == ["100.00"]
    text = run("status", "acme")
    assert "invoice      no_go             1         100.00" in text
