"""One sync per organisation at a time: a lease row, taken and renewed in the database.

Whoever holds an unexpired lease runs the sync; a second click, worker or server
finds it taken and joins the running sync (reads its progress) instead of
starting another. A holder that dies stops renewing, and after `ttl()` the next
caller takes the lease over; the outbox then resolves whatever the dead holder
left half-sent (see push.py).
"""

import datetime as dt
import os
import socket
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from memberbooks.sync.models import SyncLease, SyncRun
from memberbooks.tenancy.models import Organisation


def ttl() -> dt.timedelta:
    """How long a lease lives without renewal (MEMBERBOOKS_SYNC_LEASE_SECONDS, default 60)."""
    return dt.timedelta(seconds=settings.SYNC_LEASE_SECONDS)


class LeaseLost(RuntimeError):
    """Another holder took the lease over (ours expired): stop sending at once."""


def new_holder() -> str:
    """Who is asking: host, process and a random part, so two threads never share a name."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(organisation: Organisation, holder: str, lifetime: dt.timedelta | None = None) -> bool:
    """Take the lease if it is free or expired; False when someone else holds it."""
    now = timezone.now()
    lifetime = lifetime or ttl()
    try:
        with transaction.atomic():
            lease = SyncLease.objects.select_for_update().filter(organisation=organisation).first()
            if lease is None:
                SyncLease.objects.create(
                    organisation=organisation,
                    holder=holder,
                    acquired_at=now,
                    expires_at=now + lifetime,
                )
                return True
            if lease.holder != holder and lease.expires_at > now:
                return False
            lease.holder, lease.acquired_at, lease.expires_at, lease.run = (
                holder,
                now,
                now + lifetime,
                None,
            )
            lease.save()
            return True
    except IntegrityError:  # another caller created the row between our read and insert
        return False


def renew(organisation: Organisation, holder: str) -> None:
    """Push the expiry forward; LeaseLost if the lease is no longer ours."""
    updated = SyncLease.objects.filter(organisation=organisation, holder=holder).update(
        expires_at=timezone.now() + ttl()
    )
    if updated != 1:
        raise LeaseLost(f"The sync lease of {organisation.slug} was taken over.")


def attach(organisation: Organisation, holder: str, run: SyncRun) -> None:
    SyncLease.objects.filter(organisation=organisation, holder=holder).update(run=run)


def release(organisation: Organisation, holder: str) -> None:
    SyncLease.objects.filter(organisation=organisation, holder=holder).delete()


def running(organisation: Organisation) -> SyncRun | None:
    """The run of an unexpired lease: what a second click joins."""
    lease = (
        SyncLease.objects.filter(organisation=organisation, expires_at__gt=timezone.now())
        .select_related("run")
        .first()
    )
    return lease.run if lease else None
