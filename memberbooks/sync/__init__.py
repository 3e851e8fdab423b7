"""The sync: check what would go to QuickBooks, then push it exactly once.

    plan.py      stage 1 (check): the go transactions not yet in QuickBooks, in
                 dependency order, each validated; errors grouped with their fix
    facts.py     what the check asks QuickBooks (active customers, closing date,
                 document numbers already taken), a few large queries per run
    models.py    SyncSettings, SyncRun, OutboxItem (the exactly-once ledger of
                 what was sent), SyncLease (one sync per company at a time)
    markers.py   the PrivateNote marker that lets a document be found again in
                 QuickBooks after a crash or an ambiguous answer

See docs.md for the rules.
"""
