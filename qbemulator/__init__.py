"""A faithful offline QuickBooks, for the demo and the tests.

Product code, not a mock: it speaks QuickBooks' own wire formats over HTTP, so
memberbooks' client runs unchanged against it and against Intuit. It imports
nothing of memberbooks. `online/` is QuickBooks Online (REST API v3 and Intuit's
OAuth 2.0 server). See `online/README.md`.
"""
