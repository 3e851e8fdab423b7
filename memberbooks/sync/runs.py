"""Starting a sync in the background, joining one that runs, and reading its progress.

`start(actor)` is what the Sync button, the API and `memberbooks sync --push
--background` call: it returns the organisation's active run (queued or
pushing) if there is one, so a second click joins it, and otherwise records a
queued run and hands it to a worker (jobs.enqueue_push). `progress(run)` is what
the progress page polls.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from memberbooks.sync import jobs
from memberbooks.sync.models import RunState, SyncLease, SyncRun
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

ACTIVE = (RunState.QUEUED, RunState.PUSHING)


def active(organisation: Organisation) -> SyncRun | None:
    return SyncRun.objects.filter(organisation=organisation, state__in=ACTIVE).first()


def start(actor: Actor) -> SyncRun:
    """The running sync of this organisation, or a new one queued for a worker."""
    actor.require(Role.BOOKKEEPER)
    org = actor.organisation
    abandoned: SyncRun | None = None
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=org.pk).first()  # one starter at a time
        running = active(org)
        if running is not None:
            live = SyncLease.objects.filter(organisation=org, expires_at__gt=timezone.now())
            if running.state != RunState.PUSHING or live.exists():
                return running
            abandoned = running  # its worker died: a new job takes it over
        else:
            run = SyncRun.objects.create(
                organisation=org,
                started_by=actor.username,
                created_at=timezone.now(),
                state=RunState.QUEUED,
                phase="waiting for a worker",
            )
    if abandoned is not None:
        run = abandoned
    jobs.enqueue_push(run)
    run.refresh_from_db()
    return run


@dataclass(frozen=True)
class Progress:
    """What the progress page shows: phase, done / total, rate, ETA, failures so far."""

    run: SyncRun
    done: int
    total: int
    failed: int
    rate: float  # items per second since the push started
    eta: dt.timedelta | None

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else min(100, self.done * 100 // self.total)

    def as_json(self) -> dict[str, object]:
        return {
            "run": self.run.pk,
            "state": self.run.state,
            "phase": self.run.phase,
            "done": self.done,
            "total": self.total,
            "failed": self.failed,
            "held": self.run.held,
            "percent": self.percent,
            "rate_per_s": round(self.rate, 2),
            "eta_s": round(self.eta.total_seconds()) if self.eta is not None else None,
            "note": self.run.note,
        }


def progress(run: SyncRun) -> Progress:
    run.refresh_from_db()
    done = run.confirmed + run.failed
    elapsed = (
        ((run.finished_at or timezone.now()) - run.started_at).total_seconds()
        if run.started_at
        else 0.0
    )
    rate = done / elapsed if elapsed > 0 else 0.0
    left = max(0, run.planned - done)
    eta = dt.timedelta(seconds=left / rate) if rate > 0 and run.state in ACTIVE else None
    return Progress(run, done, run.planned, run.failed, rate, eta)
