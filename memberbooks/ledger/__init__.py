"""Member billing: members, GL accounts, invoices, payments, credit memos, refunds, voids, aging.

The ledger knows nothing of QuickBooks. Read `docs.md` in this folder for its invariants.
"""
