"""Fresh planner statistics on PostgreSQL before the check's large joins.

The check joins each document table with the decision table (documents.py). With
no statistics (a table never analyzed) or stale ones (50,000 invoices imported a
minute ago), PostgreSQL believes the tables hold a few dozen rows and picks a
nested loop: minutes instead of a second. Autovacuum normally refreshes them, but
it runs at most once a minute, can be behind after a bulk import, and can be
switched off. So the check does what autovacuum's analyze rule would have done,
for its own tables only: ANALYZE a table never analyzed, or one with more than
`SHARE` of its rows (and at least `MIN_CHANGES`) changed since its last analyze.
ANALYZE reads a sample (about 0.1 s per table at 100,000 rows), takes no lock
that blocks reads or writes, and is skipped on SQLite, whose planner needs none.
"""

from django.db import connection

from memberbooks.exports.models import ExportDecision
from memberbooks.ledger.models import (
    Application,
    CreditMemo,
    CreditMemoLine,
    Invoice,
    InvoiceLine,
    Member,
    Payment,
    Refund,
)

MODELS = (
    Invoice,
    InvoiceLine,
    Payment,
    CreditMemo,
    CreditMemoLine,
    Refund,
    Application,
    Member,
    ExportDecision,
)
SHARE = 0.1
MIN_CHANGES = 1000


def stale_tables() -> list[str]:
    """The check's tables whose statistics PostgreSQL's planner should not trust."""
    names = [model._meta.db_table for model in MODELS]
    sql = (
        "SELECT c.relname FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.relname = ANY(%s) AND (s.last_analyze IS NULL AND s.last_autoanalyze IS NULL "
        "OR s.n_mod_since_analyze > GREATEST(%s, %s * GREATEST(c.reltuples, 0)))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [names, MIN_CHANGES, SHARE])
        return sorted(str(name) for (name,) in cursor.fetchall())


def freshen() -> list[str]:
    """ANALYZE the stale tables (PostgreSQL only); returns their names."""
    if connection.vendor != "postgresql":
        return []
    stale = stale_tables()
    if stale:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in stale))
    return stale
