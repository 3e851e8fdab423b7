"""Purchase: cheques, cash and credit card expenses, and what a cheque to a customer does to A/R.

A Purchase is paid from `AccountRef` (a Bank account for a Check) and spread over
`AccountBasedExpenseLineDetail` lines. A line on an Accounts Receivable account is a
debit to a customer's A/R: the line's `CustomerRef`, else the payee when `EntityRef`
is a Customer. That is how QuickBooks refunds a customer's credit: the cheque raises
the customer's balance by what the unapplied payment or credit memo lowered it, and a
Payment line linked to the cheque (TxnType "Check", or "Expense" for a cash or credit
card purchase) settles the two against each other.

Purchase has no Balance field in QBO, so its open A/R amount (A/R lines less the
Payment lines linked to it) is computed; `sync_open` keeps the last figure posted to
the A/R accounts in the hidden `_PurchaseOpen` table so a change moves them by the
difference, as Invoice.Balance does for invoices.
"""

from decimal import Decimal
from typing import Any

from qbemulator.online import faults
from qbemulator.online.entities.common import (
    USD,
    Entity,
    fields,
    money,
    referenced,
    today,
)
from qbemulator.online.entities.names import ordered, server
from qbemulator.online.entities.txns import TXN, ZERO, applied, check_open_period, date_field
from qbemulator.online.state import Company

KNOWN = fields(
    TXN + " AccountRef PaymentType EntityRef Credit RemitToAddr TotalAmt PrintStatus PurchaseEx"
    " PaymentMethodRef GlobalTaxCalculation IncludeInAnnualTPAR ClassRef"
)
# PaymentType -> the account types AccountRef may name.
PAID_FROM = {
    "Cash": ("Bank", "Credit Card", "Other Current Asset"),
    "Check": ("Bank",),
    "CreditCard": ("Credit Card",),
}
PAYEE_TYPES = ("Customer", "Vendor", "Employee")
BILLABLE = ("Billable", "NotBillable", "HasBeenBilled")
PRINT_STATUS = ("NotSet", "NeedToPrint", "PrintComplete")
DETAIL = "AccountBasedExpenseLineDetail"
AR = "Accounts Receivable"
HIDDEN = "_PurchaseOpen"  # purchase id -> {"customer": id, "accounts": {account id: "open"}}


def enumeration(value: Any, element: str) -> faults.Fault:
    return faults.Fault(
        "2170", "Invalid Enumeration", f"Invalid Enumeration : {value}", element=element
    )


def link_type(purchase: Entity) -> str:
    """The TxnType a Payment line records for this purchase: a cheque is a "Check"."""
    return "Check" if purchase.get("PaymentType") == "Check" else "Expense"


def is_ar_account(company: Company, account_id: Any) -> bool:
    account = company.entities.get("Account", {}).get(str(account_id))
    return account is not None and account.get("AccountType") == AR


def ar_lines(company: Company, purchase: Entity) -> list[tuple[str, Decimal, str | None]]:
    """(A/R account id, amount, customer id) of every line posted to Accounts Receivable."""
    payee = purchase.get("EntityRef") or {}
    default = str(payee["value"]) if payee.get("type") == "Customer" else None
    found = []
    for line in purchase.get("Line") or []:
        detail = line.get(DETAIL) or {}
        account = str((detail.get("AccountRef") or {}).get("value", ""))
        if line.get("DetailType") != DETAIL or not is_ar_account(company, account):
            continue
        ref = detail.get("CustomerRef") or {}
        customer = str(ref["value"]) if ref.get("value") is not None else default
        found.append((account, money(line.get("Amount", 0)), customer))
    return found


def ar_customer(company: Company, purchase: Entity) -> str | None:
    """The customer whose A/R this purchase debits (one per purchase), or None."""
    return next((c for _, _, c in ar_lines(company, purchase) if c is not None), None)


def ar_amount(company: Company, purchase: Entity) -> Decimal:
    return sum((amount for _, amount, _ in ar_lines(company, purchase)), ZERO)


def open_by_account(company: Company, purchase: Entity) -> dict[str, Decimal]:
    """The open A/R amount per A/R account; payments settle the A/R lines in line order."""
    remaining = applied(company, purchase, "Purchase")
    found: dict[str, Decimal] = {}
    for account, amount, _ in ar_lines(company, purchase):
        used = min(amount, remaining)
        remaining -= used
        found[account] = found.get(account, ZERO) + amount - used
    return found


def open_balance(company: Company, purchase: Entity) -> Decimal:
    """What the customer still owes on this purchase's A/R lines."""
    return sum(open_by_account(company, purchase).values(), ZERO)


def sync_open(company: Company, purchase_id: str, deltas: dict[str, Decimal]) -> None:
    """Move the A/R accounts from the last posted open amounts of the purchase to today's."""
    table = company.table(HIDDEN)
    posted = table.pop(purchase_id, None) or {}
    for account, amount in (posted.get("accounts") or {}).items():
        deltas[account] = deltas.get(account, ZERO) - Decimal(str(amount))
    purchase = company.entities.get("Purchase", {}).get(purchase_id)
    if purchase is None:
        return
    accounts = {k: v for k, v in open_by_account(company, purchase).items() if v != 0}
    for account, amount in accounts.items():
        deltas[account] = deltas.get(account, ZERO) + amount
    if accounts:
        table[purchase_id] = {
            "customer": ar_customer(company, purchase),
            "accounts": {k: str(v) for k, v in accounts.items()},
        }


# ---------------------------------------------------------------- building one


def payee(company: Company, data: Entity, stored: Entity | None) -> dict[str, str] | None:
    """EntityRef: a Customer, Vendor or Employee; without a type, the first of those holding the id."""
    ref = data.get("EntityRef")
    if ref is None:
        return None
    if not isinstance(ref, dict) or ref.get("value") in (None, ""):
        raise faults.invalid_reference("EntityRef")
    kind = ref.get("type")
    if kind in (None, ""):
        tables = company.entities
        kind = next((k for k in PAYEE_TYPES if str(ref["value"]) in tables.get(k, {})), None)
        if kind is None:
            raise faults.invalid_reference("EntityRef")
    elif kind not in PAYEE_TYPES:
        raise enumeration(kind, "EntityRef.type")
    kept = stored if stored and (stored.get("EntityRef") or {}).get("type") == kind else None
    found = referenced(company, str(kind), data, "EntityRef", required=True, stored=kept)
    assert found is not None
    return {"value": found["Id"], "name": found["DisplayName"], "type": str(kind)}


def build_line(
    company: Company, line: Any, stored_line: Entity | None, line_id: str
) -> tuple[Entity, Decimal]:
    if not isinstance(line, dict):
        raise faults.required_param("Line")
    kind = line.get("DetailType")
    if kind is None:
        raise faults.required_param("DetailType")
    if kind != DETAIL:
        raise enumeration(kind, "DetailType")
    if line.get("Amount") is None:
        raise faults.required_param("Amount")
    amount = money(line["Amount"])
    detail = dict(line.get(DETAIL) or {})
    before = (stored_line or {}).get(DETAIL)
    account = referenced(company, "Account", detail, "AccountRef", required=True, stored=before)
    customer = referenced(company, "Customer", detail, "CustomerRef", required=False, stored=before)
    assert account is not None
    billable = detail.get("BillableStatus") or "NotBillable"
    if billable not in BILLABLE:
        raise enumeration(billable, "BillableStatus")
    out: Entity = {}
    if customer is not None:
        out["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    if detail.get("ClassRef"):
        out["ClassRef"] = detail["ClassRef"]
    out["AccountRef"] = {"value": account["Id"], "name": account["Name"]}
    out["BillableStatus"] = billable
    out["TaxCodeRef"] = detail.get("TaxCodeRef") or {"value": "NON"}
    for key, value in detail.items():
        if value not in ("", None):
            out.setdefault(key, value)
    head: Entity = {"Id": line_id}
    if line.get("Description") is not None:
        head["Description"] = line["Description"]
    return {**head, "Amount": amount, "DetailType": DETAIL, DETAIL: out}, amount


def build_lines(
    company: Company, lines: Any, stored: Entity | None
) -> tuple[list[Entity], Decimal]:
    if not isinstance(lines, list) or not lines:
        raise faults.required_param("Line")
    before = {str(x.get("Id")): x for x in (stored or {}).get("Line", []) if x.get("Id")}
    next_id = max((int(i) for i in before if i.isdigit()), default=0) + 1
    out: list[Entity] = []
    total = ZERO
    for line in lines:
        line_id = str(line.get("Id")) if isinstance(line, dict) else ""
        if line_id not in before:
            line_id, next_id = str(next_id), next_id + 1
        body, amount = build_line(company, line, before.get(line_id), line_id)
        out.append(body)
        total += amount
    return out, total


def check_ar(company: Company, purchase: Entity, stored: Entity | None) -> None:
    """A/R lines need one customer and a positive amount; linked amounts must stay covered."""
    lines = ar_lines(company, purchase)
    if any(customer is None for _, _, customer in lines):
        raise faults.business(
            "When you use Accounts Receivable, you must choose a customer in the Name field."
        )
    if len({customer for _, _, customer in lines}) > 1:
        raise faults.business(
            "All Accounts Receivable lines of a Purchase must be for the same customer"
        )
    if any(amount < 0 for _, amount, _ in lines):
        raise faults.business("An Accounts Receivable line of a Purchase cannot be negative")
    if lines and purchase.get("Credit") is True:
        raise faults.business("A credit card credit cannot be posted to Accounts Receivable")
    if stored is None:
        return
    linked = applied(company, stored, "Purchase")
    if linked == 0:
        return
    if ar_customer(company, purchase) != ar_customer(company, stored):
        raise faults.business(
            "This Purchase has payments linked to it: its Accounts Receivable customer cannot change"
        )
    if ar_amount(company, purchase) < linked:
        raise faults.business(
            "The Purchase total cannot be less than the amount already applied to it"
        )


def purchase_ex(payment_type: str) -> Entity:
    """The JAXB extension real responses carry: QBO's internal TxnType (3 cheque, 54 expense)."""
    value = "3" if payment_type == "Check" else "54"
    return {
        "any": [
            {
                "name": "{http://schema.intuit.com/finance/v3}NameValue",
                "declaredType": "com.intuit.schema.finance.v3.NameValue",
                "scope": "javax.xml.bind.JAXBElement$GlobalScope",
                "value": {"Name": "TxnType", "Value": value},
                "nil": False,
                "globalScope": True,
                "typeSubstituted": False,
            }
        ]
    }


def build_purchase(company: Company, data: Entity, stored: Entity | None, new_id: str) -> Entity:
    """A Purchase from request data (merged with the stored one for a sparse update)."""
    payment_type = data.get("PaymentType")
    if payment_type in (None, ""):
        raise faults.required_param("PaymentType")
    if payment_type not in PAID_FROM:
        raise enumeration(payment_type, "PaymentType")
    account = referenced(company, "Account", data, "AccountRef", required=True, stored=stored)
    assert account is not None
    if account["AccountType"] not in PAID_FROM[payment_type]:
        raise faults.invalid_reference("AccountRef")
    entity_ref = payee(company, data, stored)
    lines, total = build_lines(company, data.get("Line"), stored)
    txn_date = date_field(data, "TxnDate") or (stored or {}).get("TxnDate") or today()
    check_open_period(company, txn_date, (stored or {}).get("TxnDate"))
    print_status = None
    if payment_type == "Check":
        print_status = data.get("PrintStatus") or "NotSet"
        if print_status not in PRINT_STATUS:
            raise enumeration(print_status, "PrintStatus")
    values: dict[str, Any] = {
        "AccountRef": {"value": account["Id"], "name": account["Name"]},
        "PaymentType": payment_type,
        "EntityRef": entity_ref,
        "Credit": bool(data.get("Credit", False)) if payment_type == "CreditCard" else None,
        "TotalAmt": total,
        "PrintStatus": print_status,
        "PurchaseEx": purchase_ex(str(payment_type)),
        **server(stored, new_id),
        "CustomField": data.get("CustomField") or [],
        "DocNumber": data.get("DocNumber") or None,
        "TxnDate": txn_date,
        "CurrencyRef": USD,
        "PrivateNote": data.get("PrivateNote"),
        # Links are the server's record of the payments that settled it; requests cannot edit them.
        "LinkedTxn": [dict(x) for x in (stored or {}).get("LinkedTxn", [])] or None,
        "Line": lines,
    }
    rest = {k: v for k, v in data.items() if k in KNOWN}
    built = ordered(list(values), values, rest)
    check_ar(company, built, stored)
    return built
