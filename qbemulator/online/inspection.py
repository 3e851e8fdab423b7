"""Read-only HTML pages that show what "QuickBooks" now holds, for a person watching the demo.

    GET /_emulator/                       the companies, with links
    GET /_emulator/companies/{realm}/     one company: AR total, customers, invoices,
                                          payments, credit memos, accounts, webhook deliveries

Plain HTML with inline CSS, no script; every value from the state is escaped.
The AR total is the sum of open invoice balances less unapplied payments and
unused credit, which is what AgedReceivables should total on the same day.
"""

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from qbemulator.online.entities.purchases import open_balance
from qbemulator.online.http import Request, Response, Route
from qbemulator.online.state import Company, Emulator

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1d2330; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.muted { color: #667085; } a { color: #1f5fbf; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e4e7ec; vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.total { font-size: 1.3rem; font-weight: 600; } .badge { font-size: .8rem; padding: .1rem .4rem; border-radius: .3rem; background: #eef2f6; }
"""

ROWS = 500  # per section: a page for a company with 100,000 invoices stays readable

Cell = tuple[str, bool]  # (escaped html, numeric)


def money(value: Any) -> Decimal:
    """An amount from the state (Decimal, int or text); anything else counts as zero."""
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def show_money(value: Any) -> Cell:
    return f"{money(value):,.2f}", True


def text(value: Any) -> Cell:
    return escape("" if value is None else str(value)), False


def ref(value: Any) -> Cell:
    """A QBO reference ({"value", "name"}) as its name, with the id beside it."""
    if not isinstance(value, dict):
        return text(value)
    name, ident = value.get("name"), value.get("value")
    shown = escape(str(name)) if name else ""
    return f'{shown} <span class="muted">#{escape(str(ident))}</span>', False


def page(title: str, body: str, status: int = 200) -> Response:
    return Response.html(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        status,
    )


def table(headers: Iterable[tuple[str, bool]], rows: Iterable[Iterable[Cell]], empty: str) -> str:
    heads = "".join(
        f'<th class="num">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>" for h, n in headers
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if n else f"<td>{c}</td>" for c, n in row)
        + "</tr>"
        for row in rows
    )
    if not body:
        return f'<p class="muted">{escape(empty)}</p>'
    return f"<table><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>"


def by_id(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Records in creation order (ids are integers as text)."""
    return sorted(records.values(), key=lambda r: (len(str(r.get("Id", ""))), str(r.get("Id", ""))))


def records(company: Company, entity: str) -> dict[str, dict[str, Any]]:
    """The entity's table without creating it (company.table() would: a page must not write)."""
    return company.entities.get(entity, {})


def total(company: Company, entity: str, field: str) -> Decimal:
    return sum((money(r.get(field)) for r in records(company, entity).values()), Decimal(0))


def ar_total(company: Company) -> Decimal:
    """Open invoice balances and refund cheques, less unapplied payments and unused credit memo amounts."""
    cheques = sum(
        (open_balance(company, r) for r in records(company, "Purchase").values()), Decimal(0)
    )
    return (
        total(company, "Invoice", "Balance")
        + cheques
        - total(company, "Payment", "UnappliedAmt")
        - total(company, "CreditMemo", "RemainingCredit")
    )


Section = tuple[str, str, list[tuple[str, bool]], Callable[[dict[str, Any]], list[Cell]]]

SECTIONS: list[Section] = [
    (
        "Customers",
        "Customer",
        [("Id", False), ("Display name", False), ("Active", False), ("Balance", True)],
        lambda r: [
            text(r.get("Id")),
            text(r.get("DisplayName")),
            text(r.get("Active", True)),
            show_money(r.get("Balance")),
        ],
    ),
    (
        "Invoices",
        "Invoice",
        [
            ("Id", False),
            ("No.", False),
            ("Date", False),
            ("Customer", False),
            ("Due", False),
            ("TotalAmt", True),
            ("Balance", True),
            ("Note", False),
        ],
        lambda r: [
            text(r.get("Id")),
            text(r.get("DocNumber")),
            text(r.get("TxnDate")),
            ref(r.get("CustomerRef")),
            text(r.get("DueDate")),
            show_money(r.get("TotalAmt")),
            show_money(r.get("Balance")),
            text(r.get("PrivateNote")),
        ],
    ),
    (
        "Payments",
        "Payment",
        [
            ("Id", False),
            ("Date", False),
            ("Customer", False),
            ("Applied to", False),
            ("TotalAmt", True),
            ("Unapplied", True),
        ],
        lambda r: [
            text(r.get("Id")),
            text(r.get("TxnDate")),
            ref(r.get("CustomerRef")),
            text(", ".join(linked(r))),
            show_money(r.get("TotalAmt")),
            show_money(r.get("UnappliedAmt")),
        ],
    ),
    (
        "Credit memos",
        "CreditMemo",
        [
            ("Id", False),
            ("No.", False),
            ("Date", False),
            ("Customer", False),
            ("TotalAmt", True),
            ("Remaining", True),
        ],
        lambda r: [
            text(r.get("Id")),
            text(r.get("DocNumber")),
            text(r.get("TxnDate")),
            ref(r.get("CustomerRef")),
            show_money(r.get("TotalAmt")),
            show_money(r.get("RemainingCredit")),
        ],
    ),
    (
        "Purchases (cheques and expenses)",
        "Purchase",
        [
            ("Id", False),
            ("No.", False),
            ("Date", False),
            ("Type", False),
            ("Payee", False),
            ("Paid from", False),
            ("TotalAmt", True),
            ("Linked payments", False),
        ],
        lambda r: [
            text(r.get("Id")),
            text(r.get("DocNumber")),
            text(r.get("TxnDate")),
            text(r.get("PaymentType")),
            ref(r.get("EntityRef")),
            ref(r.get("AccountRef")),
            show_money(r.get("TotalAmt")),
            text(", ".join(str(x.get("TxnId", "")) for x in r.get("LinkedTxn") or [])),
        ],
    ),
    (
        "Accounts",
        "Account",
        [
            ("Id", False),
            ("Name", False),
            ("Type", False),
            ("Detail type", False),
            ("Balance", True),
        ],
        lambda r: [
            text(r.get("Id")),
            text(r.get("FullyQualifiedName") or r.get("Name")),
            text(r.get("AccountType")),
            text(r.get("AccountSubType")),
            show_money(r.get("CurrentBalance")),
        ],
    ),
]


def linked(payment: dict[str, Any]) -> list[str]:
    """The transactions a payment's lines apply to, as "Invoice 12: 50.00"."""
    found = []
    for line in payment.get("Line") or []:
        for txn in line.get("LinkedTxn") or []:
            found.append(
                f"{txn.get('TxnType', '')} {txn.get('TxnId', '')}: {money(line.get('Amount')):,.2f}"
            )
    return found


def deliveries(company: Company) -> str:
    """The latest webhook deliveries, if the webhooks module records them under webhook["deliveries"]."""
    recorded = company.webhook.get("deliveries") or []
    if not company.webhook.get("url") and not recorded:
        return '<p class="muted">No webhook endpoint registered.</p>'
    rows = [
        [
            text(d.get("at") or d.get("time")),
            text(d.get("status") or d.get("error")),
            text(d.get("attempts")),
            text(d.get("summary") or d.get("entities") or d.get("url")),
        ]
        for d in list(recorded)[-20:][::-1]
        if isinstance(d, dict)
    ]
    head = f"<p>Endpoint <code>{escape(str(company.webhook.get('url', '')))}</code> ({escape(str(company.webhook.get('format', '')))})</p>"
    return head + table(
        [("When", False), ("Status", False), ("Attempts", False), ("What", False)],
        rows,
        "No deliveries yet.",
    )


def company_page(request: Request, emulator: Emulator, realm: str) -> Response:
    with emulator.lock:
        company = emulator.company(realm)
        if company is None:
            return page(
                "No such company",
                f'<h1>No company {escape(realm)}</h1><p><a href="/_emulator/">All companies</a></p>',
                404,
            )
        parts = [
            '<p><a href="/_emulator/">All companies</a></p>',
            f"<h1>{escape(company.name)}</h1>",
            f'<p class="muted">Realm {escape(company.realm_id)} &middot; read-only view of the emulator\'s state</p>',
            f'<p>Accounts receivable total <span class="total">{ar_total(company):,.2f}</span>'
            ' <span class="muted">(open invoice balances and refund cheques less unapplied payments and credit)</span></p>',
        ]
        knobs = company.knobs
        if knobs:
            listed = ", ".join(
                f"{escape(str(k))}={escape(str(v))}" for k, v in sorted(knobs.items())
            )
            parts.append(f'<p><span class="badge">knobs</span> {listed}</p>')
        for title, entity, headers, row in SECTIONS:
            every = by_id(records(company, entity))
            shown = every[-ROWS:]
            parts.append(f'<h2>{escape(title)} <span class="muted">({len(every)})</span></h2>')
            if len(shown) < len(every):
                parts.append(f'<p class="muted">The latest {ROWS} of {len(every)}.</p>')
            parts.append(table(headers, (row(r) for r in shown), f"No {title.lower()}."))
        parts.append("<h2>Webhook deliveries</h2>")
        parts.append(deliveries(company))
        return page(f"{company.name} - QuickBooks emulator", "".join(parts))


def index(request: Request, emulator: Emulator) -> Response:
    with emulator.lock:
        rows = [
            [
                (
                    f'<a href="/_emulator/companies/{escape(c.realm_id)}/">{escape(c.name)}</a>',
                    False,
                ),
                text(c.realm_id),
                (str(len(records(c, "Customer"))), True),
                (str(len(records(c, "Invoice"))), True),
                show_money(ar_total(c)),
            ]
            for c in sorted(emulator.companies.values(), key=lambda c: c.name.lower())
        ]
    body = (
        "<h1>QuickBooks Online emulator</h1>"
        '<p class="muted">The companies this emulator holds. Scripts drive it through the JSON control API under /_emulator/.</p>'
        + table(
            [
                ("Company", False),
                ("Realm", False),
                ("Customers", True),
                ("Invoices", True),
                ("AR total", True),
            ],
            rows,
            "No companies yet: connect from memberbooks, or POST /_emulator/companies.",
        )
    )
    return page("QuickBooks Online emulator", body)


ROUTES: list[Route] = [
    Route("GET", r"/_emulator/?", index),
    Route("GET", r"/_emulator/companies/(?P<realm>[^/]+)/?", company_page),
]
