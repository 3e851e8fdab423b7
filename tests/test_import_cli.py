"""`memberbooks import ORG KIND FILE [--dry-run] [--json]`."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from memberbooks.ledger.models import Invoice, Member
from tests.books import Books
from tests.test_import_helpers import INVOICE_HEADER, MEMBER_HEADER, counts, csv_bytes


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def call(*args: str) -> str:
    out = StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


def test_import_prints_what_it_created(books: Books, tmp_path: Path) -> None:
    path = write(
        tmp_path, "members.csv", csv_bytes(MEMBER_HEADER + ",status", "N1,Pat,Lee,,,,,,,,x")
    )

    out = call("acme", "members", str(path))

    assert out.splitlines() == [
        "members.csv: 1 rows of members.",
        "Ignored columns: status.",
        "Created 1 member.",
    ]
    assert Member.objects.filter(organisation=books.org, member_number="N1").exists()


def test_json_output_and_dry_run(books: Books, tmp_path: Path) -> None:
    books.member()
    path = write(
        tmp_path,
        "invoices.csv",
        csv_bytes(INVOICE_HEADER, 'I1,M0001,2026-01-01,,,4000,Dues,1,"$1,250.00"'),
    )

    report = json.loads(call("acme", "invoices", str(path), "--dry-run", "--json"))

    assert report == {
        "ok": True,
        "kind": "invoices",
        "dry_run": True,
        "written": False,
        "rows": 1,
        "created": {"invoices": 1, "invoice_lines": 1},
        "totals": {"invoiced": "1250.00"},
        "errors": [],
        "error_count": 0,
        "ignored_columns": [],
    }
    assert not Invoice.objects.filter(organisation=books.org).exists()


def test_errors_give_a_non_zero_exit_and_json_lists_them(books: Books, tmp_path: Path) -> None:
    before = counts(books.org)
    path = write(
        tmp_path, "bad.csv", csv_bytes(INVOICE_HEADER, "I1,M0404,2026-01-01,,,4000,x,1,10")
    )
    out = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import", "acme", "invoices", str(path), "--json", stdout=out)

    assert raised.value.returncode == 1
    assert str(raised.value) == "1 error in bad.csv; nothing was written."
    report = json.loads(out.getvalue())
    assert report["ok"] is False and report["written"] is False
    assert report["created"] == {"invoices": 0, "invoice_lines": 0} and report["totals"] == {}
    assert report["errors"] == [
        {
            "row": 2,
            "column": "member_number",
            "value": "M0404",
            "message": "There is no member M0404 in Acme Association; import the members first, or fix the number.",
        }
    ]
    assert counts(books.org) == before


def test_errors_in_text(books: Books, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", b"member_number,last_name\nM1,Caf\xe9\n")
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("import", "acme", "members", str(path), stdout=out)

    assert (
        out.getvalue()
        .splitlines()[1]
        .startswith('Row 2, column last_name ("Caf\ufffd"): This text is not UTF-8 (byte 0xE9)')
    )


def test_unknown_organisation_and_missing_file(books: Books, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No organisation with slug 'nope'"):
        call("nope", "members", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match=r"Cannot read .*missing.csv: No such file or directory"):
        call("acme", "members", str(tmp_path / "missing.csv"))


def test_the_console_command_exits_1_on_errors(tmp_path: Path) -> None:
    """The real `memberbooks` entry point, on its own SQLite database."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MEMBERBOOKS_VAR_DIR"] = str(tmp_path)  # its SQLite database lives there
    cli = [sys.executable, "-m", "memberbooks"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run(
        [*cli, "org", "create", "acme", "--name", "Acme"], env=env, check=True, timeout=60
    )
    good = write(tmp_path, "good.csv", csv_bytes("member_number,last_name", "M1,Lee"))
    bad = write(tmp_path, "bad.csv", csv_bytes("member_number,last_name", "M2,"))

    ok = subprocess.run(
        [*cli, "import", "acme", "members", str(good), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    failed = subprocess.run(
        [*cli, "import", "acme", "members", str(bad), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ok.returncode == 0 and json.loads(ok.stdout)["created"] == {"members": 1}
    assert failed.returncode == 1 and json.loads(failed.stdout)["error_count"] == 1
    assert "1 error in bad.csv; nothing was written." in failed.stderr


def test_writing_shows_progress_on_stderr_only(books: Books, tmp_path: Path) -> None:
    rows = [f"P{n},Pat,Lee{n},,,,,,," for n in range(2500)]  # two batches of members
    path = write(tmp_path, "members.csv", csv_bytes(MEMBER_HEADER, *rows))
    out, err = StringIO(), StringIO()

    call_command("import", "acme", "members", str(path), "--json", stdout=out, stderr=err)

    assert json.loads(out.getvalue())["created"] == {"members": 2500}
    shown = err.getvalue().replace("\r", "\n").split()
    assert shown[-2:] == ["Writing:", "100%"]
    assert "80%" in shown  # after the first batch of 2,000
