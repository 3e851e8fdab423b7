"""The sync's background job, written against `django.tasks` (the backend is a setting).

TASKS in settings picks where it runs (memberbooks/config/tasks.py): the
database-backed worker on one machine, Celery workers (Redis or RabbitMQ broker)
when one machine is not enough, or Django's ImmediateBackend (run at once, in the
caller) in tests.

A job may be delivered more than once, or to two workers at the same time: a
second server enqueues the same run, a broker redelivers the job of a worker that
died (Celery's late acknowledgement), an operator re-queues it. So the job decides
under the organisation's lease: whoever holds it pushes; a job that finds the
lease taken joins the running sync; a job that gets the lease for a run that has
already finished does nothing. A run left `pushing` by a worker that died is
taken over once its lease has expired, and the outbox sends nothing twice.
"""

from django.tasks import task

from memberbooks.sync import lease
from memberbooks.sync.models import RunState, SyncRun

UNFINISHED = (RunState.QUEUED, RunState.PUSHING)


@task()
def push_job(run_id: int) -> dict[str, object]:
    """Push the run `run_id` (see push.push) unless another worker is; returns the outcome."""
    from memberbooks.sync.push import SyncBusy, push
    from memberbooks.tenancy.access import Actor
    from memberbooks.tenancy.models import Role

    run = SyncRun.objects.select_related("organisation").filter(pk=run_id).first()
    if run is None:
        return {"run": run_id, "skipped": "no such run"}
    org = run.organisation
    holder = lease.new_holder()
    if not lease.acquire(org, holder):
        return joined(run_id, lease.running(org))
    try:
        run.refresh_from_db()
        if run.state not in UNFINISHED:  # a repeat delivery after the sync finished
            return {"run": run_id, "state": run.state, "skipped": "already finished"}
        actor = Actor(org, Role.BOOKKEEPER, run.started_by)
        try:
            done = push(actor, run=run, holder=holder)
        except SyncBusy as busy:  # our lease expired and another worker took it over
            return joined(run_id, busy.run)
    finally:
        lease.release(org, holder)  # push releases it too; this covers the early returns
    return {
        "run": done.pk,
        "state": done.state,
        "confirmed": done.confirmed,
        "failed": done.failed,
        "held": done.held,
    }


def joined(run_id: int, running: SyncRun | None) -> dict[str, object]:
    """The answer of a job that found its organisation's sync already running elsewhere."""
    return {"run": run_id, "joined": True, "running": running.pk if running else None}


def enqueue_push(run: SyncRun) -> None:
    """Hand the run to a worker (or, with the ImmediateBackend, run it now)."""
    push_job.enqueue(run.pk)
