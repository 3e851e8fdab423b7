"""Two processes refresh the same connection at once (rotation on every refresh): no invalid_grant."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection as db_connection

from memberbooks.connections.models import QboConnection, Status
from tests.connections.conftest import Site
from tests.connections.test_refresh import (
    cli_connect,
    company_status,
    expire_locally,
    rotate_every_refresh,
)

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database, for the child processes (a file for SQLite, or the PostgreSQL one)."""
    conf = db_connection.settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgresql://{auth}@{conf['HOST']}:{conf['PORT'] or 5432}/{conf['NAME']}"


def test_two_processes_refreshing_at_once_both_get_valid_tokens(site: Site, tmp_path: Path) -> None:
    connection = cli_connect(site)
    rotate_every_refresh(site.url)
    old_refresh = connection.secret("refresh_token")
    expire_locally(connection)
    go = tmp_path / "go"
    env = {**os.environ, "DATABASE_URL": database_url()}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.connections.refresher", "acme", str(go)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(2.0)  # both have started Django and wait for the go file (not a timing assertion)
    go.touch()
    answers = [child.communicate(timeout=60) for child in children]
    for child, (out, err) in zip(children, answers, strict=True):
        assert child.returncode == 0, out + err
    tokens = [out.strip().splitlines()[-1] for out, _ in answers]
    stored = QboConnection.objects.get(pk=connection.pk)
    assert stored.status == Status.CONNECTED and stored.last_error == ""
    assert stored.secret("refresh_token") != old_refresh
    for token in tokens:
        assert company_status(site, connection.realm_id, token) == 200
