"""Adapters that talk to QuickBooks. No business rules live here.

- `online/`: QuickBooks Online over REST (OAuth 2.0): the client, the wire
  translation to our own typed values, typed errors with plain-language fixes,
  and the per-company rate limiter.

The ledger knows nothing of this package; the sync engine (a later issue) will
reach QuickBooks only through it.
"""
