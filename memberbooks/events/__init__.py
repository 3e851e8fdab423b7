"""Events, their fee types, and registrations (which bill through the ledger)."""
