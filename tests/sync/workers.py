"""Worker processes for the job tests: real `memberbooks jobs worker` subprocesses.

They reach the test database (the SQLite file or the PostgreSQL test database)
through DATABASE_URL and the test's emulator over loopback, exactly as a worker on
another machine reaches production. Every process started here is stopped by
`Workers.stop_all()` (the fixtures call it in teardown), so none outlives its test.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.db import connection

from tests.connections.test_processes import database_url
from tests.mapping.conftest import Connected

ROOT = Path(__file__).resolve().parents[2]
# The Celery tests' own Redis database (broker and results), flushed before and after each test,
# and their own queue (purged before and after), so nothing is shared with a real deployment.
CELERY_RESULTS = "redis://127.0.0.1:6379/11"
CELERY_BROKER = os.environ.get("MEMBERBOOKS_TEST_CELERY_BROKER") or CELERY_RESULTS
CELERY_QUEUE = "memberbooks-tests"


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def worker_env(qb: Connected, tasks: str, **extra: str) -> dict[str, str]:
    """The environment of a worker for this test: its database, its emulator, its backend."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEMBERBOOKS_TASKS": tasks,
        "MEMBERBOOKS_QBO_ENVIRONMENT": "emulator",
        "MEMBERBOOKS_QBO_EMULATOR_URL": qb.site.url,
        "MEMBERBOOKS_QBO_CLIENT_ID": "",
        "MEMBERBOOKS_QBO_CLIENT_SECRET": "",
        "MEMBERBOOKS_LOG_LEVEL": "INFO",
        **extra,
    }


def memberbooks(*args: str) -> list[str]:
    return [sys.executable, "-m", "memberbooks", *args]


class Workers:
    """Worker subprocesses of one test, each logging to its own file."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, env: dict[str, str], *args: str) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                memberbooks("jobs", "worker", *args),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop_all reaches its children
            )
        self.running.append((process, log))
        return log

    def wait_ready(self, log: Path, marker: str = "ready.", timeout: float = 30.0) -> None:
        """Until the worker says it is ready (or fail with its log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in log.read_text(errors="replace"):
                return
            if any(p.poll() is not None for p, w in self.running if w == log):
                break
            time.sleep(0.1)
        pytest.fail(f"worker {log.stem} did not start:\n{log.read_text(errors='replace')}")

    def wait_any(self, marker: str, timeout: float = 15.0) -> str:
        """The name of the first worker whose log shows `marker` (or fail with the logs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, log in self.running:
                if marker in log.read_text(errors="replace"):
                    return log.stem
            time.sleep(0.1)
        pytest.fail(f"no worker logged {marker!r}:\n{self.log_text()}")

    def log_text(self) -> str:
        return "\n".join(f"--- {w.stem}\n{w.read_text(errors='replace')}" for _, w in self.running)

    def stop_all(self) -> None:
        """SIGTERM each worker's process group, then SIGKILL whatever is left."""
        for process, _ in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _ in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for process, _ in self.running:  # children a worker left behind (a prefork pool)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    running = Workers(tmp_path)
    yield running
    running.stop_all()


@dataclass(frozen=True)
class Celery:
    """Where the Celery tests' jobs go (broker) and their outcomes (results, always Redis)."""

    broker: str
    results: str


@pytest.fixture
def celery_broker() -> Iterator[Celery]:
    """The test broker and a clean Redis results database (PostgreSQL only, as the issue asks).

    Redis by default; MEMBERBOOKS_TEST_CELERY_BROKER=amqp://guest:guest@127.0.0.1:5672//
    runs the same tests on RabbitMQ.
    """
    if not on_postgresql():
        pytest.skip(
            "The Celery worker tests run against PostgreSQL only: set "
            "DATABASE_URL=postgresql://... (CI's PostgreSQL pass runs them)."
        )
    client = redis.Redis.from_url(CELERY_RESULTS)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is needed at {CELERY_RESULTS} for the Celery tests: {error}")
    client.flushdb()
    yield Celery(CELERY_BROKER, CELERY_RESULTS)
    client.flushdb()
    client.close()
