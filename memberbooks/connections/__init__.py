"""The organisation's QuickBooks Online connection: OAuth, encrypted tokens, single-writer refresh."""
