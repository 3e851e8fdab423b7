"""The exports commands against the issue's CLI list: gaps found and fixed this stage.

- `mark --before DATE` leaves documents of DATE alone (as "before the in-sync point"
  does); --to/--from are the inclusive bounds; `--doc TYPE:NUMBER` marks one document.
- `status` takes the report's filters (dates, status, member, source) and writes CSV.
- `insync` says "not connected" plainly even when a connection row exists but is
  disconnected, and never shows a traceback.
"""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from memberbooks.exports.models import ExportDecision, InSyncPoint, MarkBatch
from memberbooks.ledger.models import Invoice
from tests.books import Books
from tests.connections.conftest import Site


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def around_february(books: Books) -> Books:
    """Invoices on 31 January, 1 February and 2 February, and a payment on 1 February."""
    pat, lee = books.member(), books.member("Lee")
    for amount, day in (("10.00", "2026-01-31"), ("20.00", "2026-02-01"), ("30.00", "2026-02-02")):
        books.invoice(pat, amount, day)
    books.pay(lee, "5.00", "2026-02-01")
    return books


def marked() -> dict[str, str]:
    rows = ExportDecision.objects.filter(doc_type="invoice")
    numbers = dict(Invoice.objects.values_list("pk", "date"))
    return {numbers[r.doc_id].isoformat(): r.decision for r in rows}


def test_before_is_strict_like_the_insync_point(around_february: Books) -> None:
    data = json.loads(
        run("mark", "acme", "--before", "2026-02-01", "--no-go", "--reason", "old", "--json")
    )

    assert marked() == {"2026-01-31": "no_go"}
    assert (data["count"], data["from"], data["to"]) == (1, None, "2026-01-31")
    assert not ExportDecision.objects.filter(doc_type="payment").exists()


def test_to_and_from_are_inclusive_and_after_is_strict(around_february: Books) -> None:
    run("mark", "acme", "--to", "2026-02-01", "--type", "invoice", "--go", "--reason", "a")
    assert marked() == {"2026-01-31": "go", "2026-02-01": "go"}

    run("mark", "acme", "--after", "2026-01-31", "--to", "2026-02-02", "--no-go", "--reason", "b")
    assert marked() == {"2026-01-31": "go", "2026-02-01": "no_go", "2026-02-02": "no_go"}
    assert ExportDecision.objects.get(doc_type="payment").decision == "no_go"


def test_mark_range_refusals_change_nothing(around_february: Books) -> None:
    for args, message in (
        (("--before", "2026-02-01", "--to", "2026-02-01"), "not both"),
        (("--after", "2026-02-01", "--from", "2026-02-01", "--to", "2026-03-01"), "not both"),
        (("--after", "2026-02-01", "--before", "2026-02-02"), "No day is in that range"),
        (("--go",), "Give --before DATE or --to DATE"),
    ):
        with pytest.raises(CommandError, match=message):
            run("mark", "acme", *args, "--reason", "x", *([] if "--go" in args else ["--go"]))
    assert not ExportDecision.objects.exists() and not MarkBatch.objects.exists()


def test_doc_marks_single_documents_by_number(around_february: Books) -> None:
    first, second = Invoice.objects.order_by("date")[:2]
    payment = around_february.org.payments.get()

    out = run(
        "mark",
        "acme",
        "--doc",
        f"invoice:{first.number}",
        "--doc",
        f"payment:{payment.number}",
        "--no-go",
        "--reason",
        "entered by hand in QuickBooks",
    )

    assert out.strip() == "Marked 2 document(s) no_go."
    assert marked() == {"2026-01-31": "no_go"}
    assert ExportDecision.objects.get(doc_type="payment").reason == "entered by hand in QuickBooks"
    assert not MarkBatch.objects.exists()
    for doc, message in (
        (f"invoice:{second.number}X", "no invoice"),
        ("bill:1", "not TYPE:NUMBER"),
        ("refund:R999999", "no refund"),
    ):
        with pytest.raises(CommandError, match=message):
            run("mark", "acme", "--doc", doc, "--go", "--reason", "x")
    with pytest.raises(CommandError, match="leave out dates"):
        run("mark", "acme", "--doc", f"invoice:{second.number}", "--to", "2026-02-01", "--go")
    assert ExportDecision.objects.count() == 2


def test_status_filters_and_csv(around_february: Books) -> None:
    run("mark", "acme", "--before", "2026-02-01", "--no-go", "--reason", "old")
    lee = around_february.org.members.get(last_name="Lee")

    window = json.loads(
        run("status", "acme", "--json", "--from", "2026-02-01", "--to", "2026-02-01")
    )
    by_member = json.loads(run("status", "acme", "--json", "--member", lee.member_number))
    dues = json.loads(run("status", "acme", "--json", "--source", "dues"))
    text = run("status", "acme", "--csv", "--decision", "no_go")

    assert sorted(d["type"] for d in window["documents"]) == ["invoice", "payment"]
    assert [d["type"] for d in by_member["documents"]] == ["payment"]
    assert {d["type"] for d in dues["documents"]} == {"invoice"} and len(dues["documents"]) == 3
    rows = list(csv.DictReader(StringIO(text)))
    assert [(r["type"], r["date"], r["decision"], r["reason"]) for r in rows] == [
        ("invoice", "2026-01-31", "no_go", "old")
    ]
    assert rows[0]["amount"] == "10.00" and rows[0]["voided_on"] == ""
    for args, message in (
        (("--status", "sent"), "--status 'sent' is unknown"),
        (("--member", "NOPE"), "No member NOPE"),
        (("--source", "gift"), "--source 'gift' is unknown"),
        (("--from", "1/2/2026"), "not a date"),
    ):
        with pytest.raises(CommandError, match=message):
            run("status", "acme", *args)


def test_insync_when_disconnected_is_one_plain_line(site: Site) -> None:
    run("qbo", "connect", "acme", "--emulator", site.url, "--auto-approve")
    run("qbo", "disconnect", "acme")

    with pytest.raises(CommandError, match="not connected to QuickBooks") as caught:
        run("insync", "acme", "--date", "2026-01-31")

    assert "memberbooks qbo connect acme" in str(caught.value)
    assert not InSyncPoint.objects.exists() and not ExportDecision.objects.exists()
