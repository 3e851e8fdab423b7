"""Where background jobs run: Django's TASKS setting (and Celery's), chosen by MEMBERBOOKS_TASKS.

The jobs themselves (memberbooks/sync/jobs.py) are written against `django.tasks`,
so moving from one machine to many is a change of environment, not of code:

- `database` (the default): django-tasks-db keeps the queue in memberbooks' own
  database, SQLite or PostgreSQL, and `memberbooks jobs worker` runs it. No extra
  server, which is what one machine and `make demo` want.
- `celery`: Celery workers on any number of machines take jobs from a broker,
  Redis or RabbitMQ (MEMBERBOOKS_CELERY_BROKER_URL), through django-tasks-celery;
  the database should then be PostgreSQL. See docs/deploy.md.
- `immediate`: Django's ImmediateBackend runs a job at once, in the caller.

Under pytest the mode is always `immediate`, whatever the environment says, so a
test sees a sync's outcome as soon as it starts one; a test that wants a real
worker overrides TASKS itself (tests/sync/test_jobs*.py). A process that pytest
started (a worker under test) inherits PYTEST_VERSION but not pytest itself: it
follows MEMBERBOOKS_TASKS, and is immediate only when that is unset.
"""

import os
import sys
from collections.abc import Mapping
from typing import Any

MODES = ("database", "celery", "immediate")
CELERY_APP = "memberbooks.config.celery.app"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
# Celery's queue for memberbooks' jobs: a broker shared with other applications keeps them apart.
CELERY_QUEUE = "memberbooks"

# Installed in every mode: the database queue's table exists whichever mode runs, so
# switching modes needs no migration, and `memberbooks jobs` is always there.
APPS = ["django_tasks_db", "memberbooks.jobs"]


def mode(
    environ: Mapping[str, str] = os.environ, modules: Mapping[str, object] = sys.modules
) -> str:
    """The mode this process runs jobs in (see the module docstring for the rules)."""
    if "pytest" in modules:
        return "immediate"
    chosen = environ.get("MEMBERBOOKS_TASKS", "").strip().lower()
    if not chosen:
        return "immediate" if "PYTEST_VERSION" in environ else "database"
    if chosen not in MODES:
        raise RuntimeError(f"MEMBERBOOKS_TASKS={chosen!r}: use database, celery or immediate")
    return chosen


def backends(chosen: str) -> dict[str, dict[str, Any]]:
    """The TASKS setting for a mode: one `default` backend, which every job uses."""
    if chosen == "database":
        return {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    if chosen == "celery":
        return {
            "default": {
                "BACKEND": "django_tasks_celery.CeleryBackend",
                "OPTIONS": {"CELERY_APP": CELERY_APP},
            }
        }
    return {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def result_backend(broker: str, explicit: str) -> str:
    """Where Celery keeps job outcomes: as given, else the broker when it is Redis, else none.

    The outcome of a sync is its SyncRun row either way; Celery's copy is for
    `push_job.get_result()` and monitoring tools.
    """
    if explicit:
        return explicit
    return broker if broker.startswith(("redis://", "rediss://")) else ""
