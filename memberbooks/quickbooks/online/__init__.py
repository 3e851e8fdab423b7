"""QuickBooks Online: client, wire format, errors, rate limiting.

tokens.py     TokenSource: where the client gets (and refreshes) its bearer token
client.py     QboClient: timeouts, retries, requestid, query/batch/CDC/reports
wire.py       QBO JSON <-> our typed values (Decimal amounts)
errors.py     TransientQboError / TerminalQboError, fault code -> bookkeeper's message and fix
ratelimit.py  per-company limits shared by all workers
"""
