"""The Celery application for MEMBERBOOKS_TASKS=celery (see docs/deploy.md).

A worker is started with `memberbooks jobs worker` (or, equivalently,
`celery -A memberbooks.config.celery worker`). Its configuration is the
`CELERY_*` block of settings, which settings builds from the environment
(memberbooks/config/tasks.py). The jobs are `django.tasks` tasks; when jobs.py is
imported under the Celery backend, django-tasks-celery registers each one with
this app under its dotted path (`memberbooks.sync.jobs.push_job`), so
CELERY_IMPORTS (settings) is all a worker needs to know them.
"""

import os

from celery import Celery  # type: ignore[import-untyped]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "memberbooks.config.settings")

app = Celery("memberbooks")
app.config_from_object("django.conf:settings", namespace="CELERY")
