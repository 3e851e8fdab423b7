"""One sync per organisation: the lease is taken once, renewed by its holder, taken over when dead."""

import datetime as dt

import pytest

from memberbooks.sync import lease
from memberbooks.sync.models import SyncLease
from tests.books import Books


def test_a_second_holder_is_refused_until_the_lease_expires(books: Books) -> None:
    org = books.org
    assert lease.acquire(org, "worker-a")
    assert not lease.acquire(org, "worker-b")
    assert lease.acquire(org, "worker-a")  # the holder may take it again

    SyncLease.objects.filter(organisation=org).update(
        expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    assert lease.acquire(org, "worker-b")
    with pytest.raises(lease.LeaseLost):
        lease.renew(org, "worker-a")
    lease.renew(org, "worker-b")


def test_release_frees_it_and_only_the_holder_releases(books: Books) -> None:
    org = books.org
    assert lease.acquire(org, "worker-a")
    lease.release(org, "worker-b")
    assert not lease.acquire(org, "worker-b")
    lease.release(org, "worker-a")
    assert lease.acquire(org, "worker-b")


def test_the_lease_lifetime_is_a_setting(books: Books, settings: object) -> None:
    settings.SYNC_LEASE_SECONDS = 5  # type: ignore[attr-defined]
    assert lease.ttl() == dt.timedelta(seconds=5)
