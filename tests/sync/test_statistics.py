"""The check refreshes PostgreSQL's planner statistics when a bulk change made them stale."""

import pytest
from django.conf import settings
from django.db import connection

from memberbooks.sync import statistics
from tests.books import Books

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="PostgreSQL planner statistics: run with DATABASE_URL=postgresql://... "
        "(CI's PostgreSQL pass runs it).",
    ),
]


def _flush_counters() -> None:
    """Make this backend's change counters visible in pg_stat_user_tables now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT 1")


def test_a_table_changed_past_the_threshold_is_analyzed_then_trusted(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statistics, "MIN_CHANGES", 2)
    monkeypatch.setattr(statistics, "SHARE", 0.0)
    statistics.freshen()  # whatever earlier tests left: analyzed now
    for name in ("Ash", "Birch", "Cedar"):
        books.member(name)
    _flush_counters()
    assert "ledger_member" in statistics.stale_tables()

    assert "ledger_member" in statistics.freshen()

    _flush_counters()
    assert "ledger_member" not in statistics.stale_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
            ["ledger_member"],
        )
        assert cursor.fetchone() == (True,)


def test_a_few_changes_do_not_cost_an_analyze(books: Books) -> None:
    statistics.freshen()
    books.member("Ash")
    _flush_counters()
    assert "ledger_member" not in statistics.stale_tables()  # 1 change < MIN_CHANGES
