"""Reports: AgedReceivables, AgedReceivableDetail, CustomerBalance.

Every figure is computed from the transactions themselves *as of* `report_date`,
never from today's `Balance` fields, so a report run for a past date shows what
QuickBooks would have shown then:

- a transaction dated after `report_date` does not exist yet;
- a voided transaction (amounts zeroed, PrivateNote starting "Voided") counts for nothing;
- an invoice is open for its TotalAmt less the Payment lines linked to it
  (`Line[].LinkedTxn` with TxnType "Invoice") dated on or before `report_date`,
  less credit memos applied to it (see below);
- a payment's unapplied part and a credit memo's unused credit are open items
  with a negative balance, as in QBO's aging, so a customer's total equals
  invoices - payments - credit memos dated by then.

A Purchase (cheque or expense) with lines on an Accounts Receivable account is a
debit to that customer, the refund of a credit: it is open for its A/R lines less the
Payment lines linked to it (TxnType "Check" or "Expense") dated by then, and it shows
in the detail report as a "Check" or an "Expense" due on its date.

Credit memos are applied the way QBO records it, by a Payment line linked to the
CreditMemo next to lines linked to invoices; a credit memo may also carry a
top-level `LinkedTxn` to an invoice (an optional `Amount` says how much; without
it the credit is spread over the linked invoices in order, each up to its open
balance). Either way the per-customer totals stay invoices - payments - credits.

Shape follows the recorded and documented bodies (Header/Columns/Rows, every
cell a string, empty cells "", amounts "37.50"). Unrecorded choices: an invalid
`report_date` is answered with a 400 ValidationFault code 4000 naming the
parameter; an unknown report name with QBO's code 500 "Unsupported Operation".
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qbemulator.online.entities import purchases as purchase_rules
from qbemulator.online.entities.txns import LINK_ENTITY
from qbemulator.online.faults import Fault
from qbemulator.online.state import Company

CENT = Decimal("0.01")
ZERO = Decimal(0)
PACIFIC = dt.timezone(dt.timedelta(hours=-8))


@dataclass
class OpenItem:
    """One transaction with a non-zero open balance at the report date."""

    txn_type: str  # "Invoice", "Payment", "CreditMemo", "Check", "Expense"
    txn_id: str
    doc_number: str
    txn_date: dt.date
    due_date: dt.date
    customer_id: str
    amount: Decimal  # signed: credits and payments negative
    open_balance: Decimal  # signed


@dataclass(frozen=True)
class Options:
    """The parsed report parameters."""

    report_date: dt.date
    aging_date: dt.date  # the date days past due are counted to
    customers: frozenset[str] | None
    aging_period: int
    num_periods: int
    past_due: int | None
    descending: bool
    date_macro: str | None
    customer_param: str | None


def today() -> dt.date:
    """The company's today (QBO companies here live on Pacific time, as `qbo_time` does)."""
    return dt.datetime.now(PACIFIC).date()


def run(company: Company, name: str, params: dict[str, str]) -> dict[str, Any]:
    """The report body in QBO's Header/Columns/Rows shape. Raises Fault for unknown reports."""
    builder = REPORTS.get(name.lower())
    if builder is None:
        path = f"/v3/company/{company.realm_id}/reports/{name}"
        raise Fault(
            "500",
            "Unsupported Operation",
            f"Operation Could not find resource for relative : {path} of full path: {path} is not supported.",
        )
    lowered = {key.lower(): value for key, value in params.items()}
    return builder(company, parse_options(lowered))


# ---------------------------------------------------------------- parameters


def parse_date(value: str, param: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Fault(
            "4000",
            "Invalid parameter",
            f"Invalid date {value!r} for {param}: use YYYY-MM-DD",
            element=param,
        ) from None


def parse_int(value: str | None, param: str, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise Fault(
            "4000",
            "Invalid parameter",
            f"Invalid value {value!r} for {param}: use a whole number of at least 1",
            element=param,
        )
    return number


def macro_end(macro: str, now: dt.date) -> dt.date | None:
    """The last day of a `date_macro` period (aging reports run as of that day)."""
    key = macro.strip().lower().replace("-", " ")
    first_of_month = now.replace(day=1)
    ends = {
        "today": now,
        "yesterday": now - dt.timedelta(days=1),
        "this month": (first_of_month + dt.timedelta(days=32)).replace(day=1)
        - dt.timedelta(days=1),
        "this month to date": now,
        "last month": first_of_month - dt.timedelta(days=1),
        "this fiscal year": now.replace(month=12, day=31),
        "this calendar year": now.replace(month=12, day=31),
        "this fiscal year to date": now,
        "this calendar year to date": now,
        "last fiscal year": now.replace(year=now.year - 1, month=12, day=31),
        "last calendar year": now.replace(year=now.year - 1, month=12, day=31),
    }
    return ends.get(key)


def parse_options(params: dict[str, str]) -> Options:
    now = today()
    macro = params.get("date_macro") or None
    report_date = now
    if params.get("report_date"):
        report_date = parse_date(params["report_date"], "report_date")
    elif macro is not None:
        report_date = macro_end(macro, now) or now
    method = (params.get("aging_method") or "Report_Date").strip().lower()
    customer_param = params.get("customer") or None
    customers = None
    if customer_param is not None:
        customers = frozenset(part.strip() for part in customer_param.split(",") if part.strip())
    past_due = params.get("past_due")
    return Options(
        report_date=report_date,
        aging_date=now if method == "current" else report_date,
        customers=customers,
        aging_period=parse_int(params.get("aging_period"), "aging_period", 30),
        num_periods=parse_int(params.get("num_periods"), "num_periods", 4),
        past_due=int(past_due) if past_due and past_due.lstrip("-").isdigit() else None,
        descending=(params.get("sort_order") or "").lower() == "descend",
        date_macro=macro,
        customer_param=customer_param,
    )


# ---------------------------------------------------------------- the ledger as of a date


def money(value: Any) -> Decimal:
    """An amount from an entity dict as Decimal (the API stores Decimal; ints and strings also pass)."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def txn_date(entity: dict[str, Any]) -> dt.date | None:
    value = entity.get("TxnDate")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def is_void(entity: dict[str, Any]) -> bool:
    """Voided, or nothing but zeros (a zero Payment that applies a credit memo is not void)."""
    if str(entity.get("PrivateNote") or "").startswith("Voided"):
        return True
    lines = entity.get("Line") or []
    return money(entity.get("TotalAmt")) == ZERO and all(
        money(line.get("Amount")) == ZERO for line in lines
    )


def existing(company: Company, entity: str, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """The entity's transactions that exist at `as_of`: dated by then and not voided."""
    found = {}
    for key, row in company.entities.get(entity, {}).items():
        date = txn_date(row)
        if date is not None and date <= as_of and not is_void(row):
            found[str(row.get("Id", key))] = row
    return found


def links(line: dict[str, Any]) -> Iterable[tuple[str, str]]:
    for linked in line.get("LinkedTxn") or []:
        yield str(linked.get("TxnType", "")), str(linked.get("TxnId", ""))


def customer_id(entity: dict[str, Any]) -> str:
    return str((entity.get("CustomerRef") or {}).get("value", ""))


def open_items(company: Company, as_of: dt.date) -> list[OpenItem]:
    """Every transaction's open balance at `as_of` (zero balances left out)."""
    invoices = existing(company, "Invoice", as_of)
    payments = existing(company, "Payment", as_of)
    credits = existing(company, "CreditMemo", as_of)
    invoice_open = {key: money(row.get("TotalAmt")) for key, row in invoices.items()}
    credit_open = {key: money(row.get("TotalAmt")) for key, row in credits.items()}
    cheques = refunds(company, as_of)
    cheque_open = {key: purchase_rules.ar_amount(company, row) for key, row in cheques.items()}
    payment_open: dict[str, Decimal] = {}
    for key, payment in payments.items():
        unapplied = money(payment.get("TotalAmt"))
        for line in payment.get("Line") or []:
            amount = money(line.get("Amount"))
            for kind, target in links(line):
                if kind == "Invoice" and target in invoice_open:
                    invoice_open[target] -= amount
                    unapplied -= amount
                elif LINK_ENTITY.get(kind) == "Purchase" and target in cheque_open:
                    cheque_open[target] -= amount
                    unapplied -= amount
                elif kind == "CreditMemo" and target in credit_open:
                    credit_open[target] -= amount
                    unapplied += amount
        payment_open[key] = -unapplied
    apply_direct_credits(credits, credit_open, invoice_open)
    items = [
        item(row, "Invoice", money(row.get("TotalAmt")), invoice_open[key])
        for key, row in invoices.items()
    ]
    items += [
        item(row, "Payment", -money(row.get("TotalAmt")), payment_open[key])
        for key, row in payments.items()
    ]
    items += [
        item(row, "CreditMemo", -money(row.get("TotalAmt")), -credit_open[key])
        for key, row in credits.items()
    ]
    items += [
        item(
            row,
            purchase_rules.link_type(row),
            purchase_rules.ar_amount(company, row),
            cheque_open[key],
            customer=purchase_rules.ar_customer(company, row),
        )
        for key, row in cheques.items()
    ]
    return [entry for entry in items if entry.open_balance != ZERO]


def refunds(company: Company, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """Purchases that exist at `as_of` and debit a customer's A/R."""
    return {
        key: row
        for key, row in existing(company, "Purchase", as_of).items()
        if purchase_rules.ar_customer(company, row) is not None
    }


def apply_direct_credits(
    credits: dict[str, dict[str, Any]],
    credit_open: dict[str, Decimal],
    invoice_open: dict[str, Decimal],
) -> None:
    """Credit memos linked straight to invoices (top-level LinkedTxn) reduce those invoices."""
    for key, memo in sorted(
        credits.items(), key=lambda pair: (txn_date(pair[1]) or dt.date.min, pair[0])
    ):
        for linked in memo.get("LinkedTxn") or []:
            target = str(linked.get("TxnId", ""))
            if linked.get("TxnType") != "Invoice" or target not in invoice_open:
                continue
            wanted = money(linked["Amount"]) if "Amount" in linked else credit_open[key]
            amount = max(ZERO, min(wanted, credit_open[key], invoice_open[target]))
            invoice_open[target] -= amount
            credit_open[key] -= amount


def item(
    row: dict[str, Any],
    kind: str,
    amount: Decimal,
    balance: Decimal,
    customer: str | None = None,
) -> OpenItem:
    date = txn_date(row) or dt.date.min
    due = date
    if kind == "Invoice" and row.get("DueDate"):
        try:
            due = dt.date.fromisoformat(str(row["DueDate"])[:10])
        except ValueError:
            due = date
    return OpenItem(
        txn_type=kind,
        txn_id=str(row.get("Id", "")),
        doc_number=str(row.get("DocNumber") or ""),
        txn_date=date,
        due_date=due,
        customer_id=customer if customer is not None else customer_id(row),
        amount=amount,
        open_balance=balance,
    )


def selected(company: Company, options: Options) -> list[OpenItem]:
    items = open_items(company, options.report_date)
    if options.customers is not None:
        items = [entry for entry in items if entry.customer_id in options.customers]
    return items


def customer_names(company: Company) -> dict[str, str]:
    """Customer id -> the name reports show (DisplayName, or the name on a transaction's ref)."""
    names: dict[str, str] = {}
    for entity in ("Invoice", "Payment", "CreditMemo"):
        for row in company.entities.get(entity, {}).values():
            ref = row.get("CustomerRef") or {}
            if ref.get("name"):
                names[str(ref.get("value", ""))] = str(ref["name"])
    for key, customer in company.entities.get("Customer", {}).items():
        name = customer.get("DisplayName") or customer.get("FullyQualifiedName")
        if name:
            names[str(customer.get("Id", key))] = str(name)
    return names


# ---------------------------------------------------------------- aging buckets


def bucket_index(entry: OpenItem, options: Options) -> int:
    """0 for Current, 1.. for each aging period past due, the last one open-ended."""
    days = (options.aging_date - entry.due_date).days
    if days <= 0:
        return 0
    return min((days - 1) // options.aging_period + 1, options.num_periods)


def bucket_titles(options: Options) -> list[str]:
    """Column titles of the summary: Current, 1 - 30, 31 - 60, 61 - 90, 91 and over."""
    size = options.aging_period
    titles = ["Current"]
    for period in range(1, options.num_periods):
        titles.append(f"{(period - 1) * size + 1} - {period * size}")
    titles.append(f"{(options.num_periods - 1) * size + 1} and over")
    return titles


def section_titles(options: Options) -> list[str]:
    """Section labels of the detail report, by bucket index."""
    size = options.aging_period
    titles = ["Current"]
    for period in range(1, options.num_periods):
        titles.append(f"{(period - 1) * size + 1} - {period * size} days past due")
    titles.append(f"{(options.num_periods - 1) * size + 1} or more days past due")
    return titles


# ---------------------------------------------------------------- cells and headers


def text(amount: Decimal) -> str:
    return format(amount.quantize(CENT), "f")


def cell(amount: Decimal) -> dict[str, str]:
    """A data cell: empty when zero, as QBO leaves it."""
    return {"value": text(amount) if amount != ZERO else ""}


def header(name: str, options: Options, has_data: bool, **extra: str) -> dict[str, Any]:
    head: dict[str, Any] = {
        "Time": dt.datetime.now(PACIFIC).replace(microsecond=0).isoformat(),
        "ReportName": name,
    }
    if options.date_macro:
        head["DateMacro"] = options.date_macro.lower()
    head.update(extra)
    head["Currency"] = "USD"
    if options.customer_param:
        head["Customer"] = options.customer_param
    head["Option"] = [
        {"Name": "report_date", "Value": options.report_date.isoformat()},
        {"Name": "NoReportData", "Value": "false" if has_data else "true"},
    ]
    return head


def columns(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    return {"Column": [{"ColTitle": title, "ColType": kind} for title, kind in pairs]}


def grand_total(values: list[Decimal], has_data: bool, blanks: int = 0) -> dict[str, Any]:
    data = [{"value": "TOTAL"}] + [{"value": ""} for _ in range(blanks)]
    data += [{"value": text(value) if has_data else ""} for value in values]
    return {"group": "GrandTotal", "type": "Section", "Summary": {"ColData": data}}


def by_customer(items: list[OpenItem], names: dict[str, str], options: Options) -> list[str]:
    """Customer ids with open items, in name order (reversed for sort_order=descend)."""
    ids = sorted({entry.customer_id for entry in items}, key=lambda key: (names.get(key, ""), key))
    return list(reversed(ids)) if options.descending else ids


# ---------------------------------------------------------------- the reports


def aged_receivables(company: Company, options: Options) -> dict[str, Any]:
    items = selected(company, options)
    names = customer_names(company)
    titles = bucket_titles(options)
    totals = [ZERO] * (len(titles) + 1)
    rows: list[dict[str, Any]] = []
    for key in by_customer(items, names, options):
        amounts = [ZERO] * len(titles)
        for entry in items:
            if entry.customer_id == key:
                amounts[bucket_index(entry, options)] += entry.open_balance
        amounts.append(sum(amounts, ZERO))
        totals = [total + amount for total, amount in zip(totals, amounts, strict=True)]
        name = {"id": key, "value": names.get(key, "")}
        rows.append({"ColData": [name, *map(cell, amounts[:-1]), {"value": text(amounts[-1])}]})
    rows.append(grand_total(totals, bool(items)))
    return {
        "Header": header("AgedReceivables", options, bool(items), EndPeriod=iso(options)),
        "Columns": columns([("", "Customer"), *((t, "Money") for t in titles), ("Total", "Money")]),
        "Rows": {"Row": rows},
    }


DETAIL_COLUMNS = [
    ("Date", "tx_date"),
    ("Transaction Type", "txn_type"),
    ("No.", "doc_num"),
    ("Customer", "cust_name"),
    ("Due Date", "due_date"),
    ("Amount", "subt_amount"),
    ("Open Balance", "subt_open_bal"),
]


def aged_receivable_detail(company: Company, options: Options) -> dict[str, Any]:
    items = selected(company, options)
    if options.past_due is not None:
        minimum = options.past_due
        items = [e for e in items if (options.aging_date - e.due_date).days >= minimum]
    names = customer_names(company)
    labels = section_titles(options)
    rows: list[dict[str, Any]] = []
    amount_total = open_total = ZERO
    for index in reversed(range(len(labels))):  # QBO lists the oldest bucket first
        bucket = [e for e in items if bucket_index(e, options) == index]
        if not bucket:
            continue
        bucket.sort(key=lambda e: (e.txn_date, e.doc_number, e.txn_id))
        amount = sum((e.amount for e in bucket), ZERO)
        balance = sum((e.open_balance for e in bucket), ZERO)
        amount_total, open_total = amount_total + amount, open_total + balance
        blanks = [{"value": ""} for _ in range(len(DETAIL_COLUMNS) - 1)]
        rows.append(
            {
                "Header": {"ColData": [{"value": labels[index]}, *blanks]},
                "Rows": {"Row": [detail_row(e, names) for e in bucket]},
                "Summary": {
                    "ColData": [
                        {"value": f"Total for {labels[index]}"},
                        *blanks[:-2],
                        {"value": text(amount)},
                        {"value": text(balance)},
                    ]
                },
                "type": "Section",
            }
        )
    rows.append(
        grand_total([amount_total, open_total], bool(items), blanks=len(DETAIL_COLUMNS) - 3)
    )
    return {
        "Header": header("AgedReceivableDetail", options, bool(items), EndPeriod=iso(options)),
        "Columns": columns(DETAIL_COLUMNS),
        "Rows": {"Row": rows},
    }


TXN_TYPE_TITLES = {
    "Invoice": "Invoice",
    "Payment": "Payment",
    "CreditMemo": "Credit Memo",
    "Check": "Check",
    "Expense": "Expense",
}


def detail_row(entry: OpenItem, names: dict[str, str]) -> dict[str, Any]:
    return {
        "ColData": [
            {"value": entry.txn_date.isoformat()},
            {"value": TXN_TYPE_TITLES[entry.txn_type], "id": entry.txn_id},
            {"value": entry.doc_number},
            {"value": names.get(entry.customer_id, ""), "id": entry.customer_id},
            {"value": entry.due_date.isoformat()},
            {"value": text(entry.amount)},
            {"value": text(entry.open_balance)},
        ],
        "type": "Data",
    }


def customer_balance(company: Company, options: Options) -> dict[str, Any]:
    items = selected(company, options)
    names = customer_names(company)
    rows: list[dict[str, Any]] = []
    total = ZERO
    for key in by_customer(items, names, options):
        balance = sum((e.open_balance for e in items if e.customer_id == key), ZERO)
        total += balance
        rows.append(
            {"ColData": [{"id": key, "value": names.get(key, "")}, {"value": text(balance)}]}
        )
    rows.append(grand_total([total], bool(items)))
    extra = {} if options.date_macro else {"DateMacro": "all"}
    return {
        "Header": header("CustomerBalance", options, bool(items), **extra),
        "Columns": columns([("", "Customer"), ("Total", "Money")]),
        "Rows": {"Row": rows},
    }


def iso(options: Options) -> str:
    return options.report_date.isoformat()


REPORTS: dict[str, Callable[[Company, Options], dict[str, Any]]] = {
    "agedreceivables": aged_receivables,
    "agedreceivabledetail": aged_receivable_detail,
    "customerbalance": customer_balance,
}
