"""QuickBooks Online: the Accounting API v3 and Intuit's OAuth 2.0 server, as one WSGI app.

    make_app(Emulator(...)) -> WSGI callable      (app.py)

Modules, one concern each:
- http.py     Request / Response, routing, JSON helpers (the WSGI plumbing)
- state.py    Emulator (companies, lock, persistence) and Company (entities, counters)
- app.py      composes the route tables of the modules below into one WSGI app
- oauth.py    discovery, authorize (consent page), token, revoke; bearer checks
- control.py  the /_emulator/ JSON control API
- api.py      /v3/company/{realm}/...: entity CRUD, query, batch, CDC, requestid
- entities/   per-entity rules: required fields, defaults, totals, balances (txns: sales documents;
              payments: Payment, Deposit; purchases: Purchase, cheques against A/R for refunds)
- query.py    the query language: parse and evaluate
- faults.py   the real fault bodies and codes
- reports.py  AgedReceivables, AgedReceivableDetail, CustomerBalance
- webhooks.py change notifications with intuit-signature
- knobs.py    realism knobs: latency, throttles, random faults, commit-then-fail
- inspection.py a read-only HTML page per company
"""
