"""The sync's background job, written against `django.tasks` (the backend is a setting).

TASKS in settings picks where it runs: the database-backed worker on one machine,
Celery workers (Redis or RabbitMQ broker) when one machine is not enough, or
Django's ImmediateBackend (run at once, in the caller) in tests.
"""

from django.tasks import task

from memberbooks.sync.models import SyncRun


@task()
def push_job(run_id: int) -> dict[str, object]:
    """Push the queued run `run_id` (see push.push); returns the run's outcome."""
    from memberbooks.sync.push import SyncBusy, push
    from memberbooks.tenancy.access import Actor
    from memberbooks.tenancy.models import Role

    run = SyncRun.objects.select_related("organisation").get(pk=run_id)
    actor = Actor(run.organisation, Role.BOOKKEEPER, run.started_by)
    try:
        done = push(actor, run=run)
    except SyncBusy:
        return {"run": run_id, "joined": True}
    return {"run": done.pk, "state": done.state, "confirmed": done.confirmed, "failed": done.failed}


def enqueue_push(run: SyncRun) -> None:
    """Hand the run to a worker (or, with the ImmediateBackend, run it now)."""
    push_job.enqueue(run.pk)
