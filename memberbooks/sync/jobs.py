"""The sync's background job, written against `django.tasks` (the backend is a setting).

TASKS in settings picks where it runs (memberbooks/config/tasks.py): the
database-backed worker on one machine, Celery workers (Redis or RabbitMQ broker)
when one machine is not enough, or Django's ImmediateBackend (run at once, in the
caller) in tests.

A job may be delivered more than once, or to two workers at the same time: a
second server enqueues the same run, a broker redelivers the job of a worker that
died (Celery's late acknowledgement), an operator re-queues it. So the job decides
under the organisation's lease: whoever holds it pushes; a job that gets the lease
for a run that has already finished does nothing; a job that finds the lease
taken joins the running sync, and (when the backend can defer jobs) queues itself
to look again once the lease would have expired. If the holder died, that later
look finds the lease expired and takes the run over, and the outbox sends nothing
twice; if the holder is alive, it looks again later; once the run has finished,
the chain stops.
"""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from memberbooks.sync import lease
from memberbooks.sync.models import RunState, SyncLease, SyncRun

UNFINISHED = (RunState.QUEUED, RunState.PUSHING)
LOOK_AGAIN_MARGIN = dt.timedelta(seconds=2)


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
        run.refresh_from_db()
        if run.state not in UNFINISHED:
            return finished(run)
        return joined(run_id, lease.running(org), look_again(run_id))
    try:
        run.refresh_from_db()
        if run.state not in UNFINISHED:  # a repeat delivery after the sync finished
            return finished(run)
        actor = Actor(org, Role.BOOKKEEPER, run.started_by)
        try:
            done = push(actor, run=run, holder=holder)
        except SyncBusy as busy:  # our lease expired and another worker took it over
            return joined(run_id, busy.run, look_again(run_id))
    finally:
        lease.release(org, holder)  # push releases it too; this covers the early returns
    return {
        "run": done.pk,
        "state": done.state,
        "confirmed": done.confirmed,
        "failed": done.failed,
        "held": done.held,
    }


def finished(run: SyncRun) -> dict[str, object]:
    """The answer of a job delivered again after its sync had finished: nothing to do."""
    return {"run": run.pk, "state": run.state, "skipped": "already finished"}


def joined(run_id: int, running: SyncRun | None, again: dt.datetime | None) -> dict[str, object]:
    """The answer of a job that found its organisation's sync already running elsewhere."""
    return {
        "run": run_id,
        "joined": True,
        "running": running.pk if running else None,
        "look_again_at": again.isoformat() if again else None,
    }


def look_again(run_id: int) -> dt.datetime | None:
    """Queue this job again for when the running sync's lease would have expired.

    So a run whose holder died is finished by someone: the later job takes the
    expired lease over. None when the backend cannot defer (ImmediateBackend).
    """
    if not push_job.get_backend().supports_defer:
        return None
    when = timezone.now() + lease.ttl() + LOOK_AGAIN_MARGIN
    push_job.using(run_after=when).enqueue(run_id)
    return when


def resume_abandoned() -> list[int]:
    """Queue again every run left `pushing` with no live lease: its worker died mid-sync.

    A broker redelivers such a job by itself (Celery, late acknowledgement); the
    database queue does not, so `memberbooks jobs worker` calls this as it starts
    (a worker restarted after a crash picks up what it dropped). A run whose
    organisation's lease is still live is being pushed, and is left alone; queuing
    one twice is harmless (the second job joins).
    """
    live = SyncLease.objects.filter(expires_at__gt=timezone.now()).values("organisation")
    abandoned = SyncRun.objects.filter(state=RunState.PUSHING).exclude(organisation__in=live)
    ids = list(abandoned.values_list("pk", flat=True))
    for run_id in ids:
        push_job.enqueue(run_id)
    return ids


def enqueue_push(run: SyncRun) -> None:
    """Hand the run to a worker (or, with the ImmediateBackend, run it now)."""
    push_job.enqueue(run.pk)
