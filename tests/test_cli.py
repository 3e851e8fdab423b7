"""The `memberbooks` console command: organisations, aging as JSON, and Django passthrough."""

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from memberbooks.tenancy.models import Membership, Organisation
from tests.books import Books


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_org_create_and_list(db: None) -> None:
    assert "Created organisation acme" in run("org", "create", "acme", "--name", "Acme Association")
    assert json.loads(run("org", "list", "--json")) == [
        {"slug": "acme", "name": "Acme Association"}
    ]


def test_org_create_refuses_a_bad_slug(db: None) -> None:
    with pytest.raises(CommandError, match="slug"):
        run("org", "create", "Not A Slug", "--name", "x")
    assert not Organisation.objects.exists()


def test_org_add_user_reads_the_password_from_the_environment(
    org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMBERBOOKS_NEW_PASSWORD", "a-long-password-1")
    run("org", "add-user", "acme", "kim", "--role", "bookkeeper")
    membership = Membership.objects.get(user__username="kim")
    assert membership.role == "bookkeeper"
    assert membership.user.check_password("a-long-password-1")


def test_aging_json_has_the_documented_shape(books: Books) -> None:
    pat = books.member("Lee", "Pat")
    books.invoice(pat, "1250.50", "2026-01-01", due="2026-01-31")
    report = json.loads(run("aging", "acme", "--as-of", "2026-03-15", "--json"))
    assert report["as_of"] == "2026-03-15"
    assert report["total"] == "1250.50"
    assert report["buckets"] == {
        "current": "0.00",
        "1-30": "0.00",
        "31-60": "1250.50",
        "61-90": "0.00",
        "over-90": "0.00",
    }
    [member] = report["members"]
    assert (
        member["member_number"] == "M0001"
        and member["total"] == "1250.50"
        and member["31-60"] == "1250.50"
    )


def test_aging_text_and_errors(books: Books) -> None:
    books.invoice(books.member(), "10.00", "2026-01-01")
    assert "Total" in run("aging", "acme", "--as-of", dt.date(2026, 2, 1).isoformat())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("aging", "acme", "--as-of", "01/02/2026")
    with pytest.raises(CommandError, match="memberbooks org create nope"):
        run("aging", "nope")


def test_console_command_runs_as_a_real_process(tmp_path: Path) -> None:
    """`python -m memberbooks` passes Django's own commands through and creates an organisation."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MEMBERBOOKS_VAR_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "memberbooks", "migrate", "-v0"], env=env, check=True)
    created = subprocess.run(
        [sys.executable, "-m", "memberbooks", "org", "create", "club", "--name", "The Club"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert "Created organisation club" in created.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "memberbooks", "org", "list", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(listed.stdout) == [{"slug": "club", "name": "The Club"}]


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        MEMBERBOOKS_ENV="production",
        MEMBERBOOKS_SECRET_KEY="x" * 20
        + "Q9-long-random-secret-for-the-deploy-check-only"
        + "z" * 10,
        MEMBERBOOKS_ALLOWED_HOSTS="books.example.org",
        MEMBERBOOKS_VAR_DIR=str(tmp_path),
        MEMBERBOOKS_ENCRYPTION_KEYS="a2V5LWZvci10aGUtZGVwbG95LWNoZWNrLW9ubHktMDA=",
    )
    result = subprocess.run(
        [sys.executable, "-m", "memberbooks", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEMBERBOOKS_SECRET_KEY"}
    }
    env.update(MEMBERBOOKS_ENV="production", MEMBERBOOKS_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "memberbooks", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "MEMBERBOOKS_SECRET_KEY must be set" in result.stderr
