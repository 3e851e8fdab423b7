"""`memberbooks jobs worker|info`: run the background worker of the configured backend.

worker  MEMBERBOOKS_TASKS=database: django-tasks-db's worker over memberbooks'
        own database (`--batch` runs what is queued, then exits).
        MEMBERBOOKS_TASKS=celery: a Celery worker on MEMBERBOOKS_CELERY_BROKER_URL
        (the same as `celery -A memberbooks.config.celery worker`).
info    which backend this process uses, where its queue is, and how many jobs wait.

A worker starting queues again any sync left `pushing` by a worker that died
(sync.jobs.resume_abandoned), so restarting a crashed worker finishes its sync.

Any number of workers may run, on one machine or many: a sync of one organisation
is one at a time whatever the number (the lease, memberbooks/sync/lease.py).
"""

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.sync.jobs import resume_abandoned


class Command(BaseCommand):
    help = "Run the background worker (database or Celery, per MEMBERBOOKS_TASKS), or describe it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        worker = actions.add_parser("worker", help="Run jobs until stopped (Ctrl+C)")
        worker.add_argument(
            "--batch", action="store_true", help="database: run what is queued, then exit"
        )
        worker.add_argument(
            "--interval", type=float, default=1.0, help="database: seconds between looks"
        )
        worker.add_argument(
            "--concurrency", type=int, default=0, help="celery: jobs at once (default: CPUs)"
        )
        worker.add_argument("--hostname", default="", help="celery: this worker's name")
        worker.add_argument("--pool", default="", help="celery: prefork (default), threads or solo")
        worker.add_argument("--loglevel", default="INFO")
        actions.add_parser("info", help="Which backend runs jobs, and what waits")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "info":
            self.info()
            return
        if settings.TASKS_MODE not in ("database", "celery"):
            raise CommandError(
                "MEMBERBOOKS_TASKS=immediate runs each job in the caller: there is no worker "
                "to start. Set MEMBERBOOKS_TASKS=database (one machine) or celery (many)."
            )
        resumed = resume_abandoned()
        if resumed:
            self.stdout.write(f"Queued again the sync(s) a stopped worker left: {resumed}")
        if settings.TASKS_MODE == "database":
            self.database_worker(options)
        else:
            self.celery_worker(options)

    def database_worker(self, options: dict[str, Any]) -> None:
        if options["concurrency"] or options["hostname"] or options["pool"]:
            raise CommandError(
                "--concurrency, --hostname and --pool are Celery's; for more database "
                "workers, start this command more than once."
            )
        call_command(
            "db_worker",
            batch=options["batch"],
            interval=options["interval"],
            reload=False,
            startup_delay=not options["batch"],
            verbosity=options["verbosity"],
        )

    def celery_worker(self, options: dict[str, Any]) -> None:
        if options["batch"]:
            raise CommandError(
                "--batch is the database worker's; a Celery worker runs until stopped."
            )
        from memberbooks.config.celery import app

        argv = ["worker", f"--loglevel={options['loglevel']}"]
        argv += [f"--concurrency={options['concurrency']}"] if options["concurrency"] else []
        argv += [f"--hostname={options['hostname']}"] if options["hostname"] else []
        argv += [f"--pool={options['pool']}"] if options["pool"] else []
        app.worker_main(argv)

    def info(self) -> None:
        mode = settings.TASKS_MODE
        self.stdout.write(f"mode: {mode}")
        self.stdout.write(f"backend: {settings.TASKS['default']['BACKEND']}")
        if mode == "database":
            from django_tasks_db.models import DBTaskResult

            waiting = DBTaskResult.objects.ready().count()
            self.stdout.write(f"queue: this database ({waiting} job(s) waiting)")
        elif mode == "celery":
            self.stdout.write(f"broker: {without_password(settings.CELERY_BROKER_URL)}")
            self.stdout.write(f"queue: {settings.CELERY_TASK_DEFAULT_QUEUE}")
        else:
            self.stdout.write("queue: none (each job runs in the caller)")


def without_password(url: str) -> str:
    """A broker URL fit to print: the password replaced by ***."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
