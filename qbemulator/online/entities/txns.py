"""Sales transactions: Invoice, CreditMemo, SalesReceipt, RefundReceipt (payments.py: Payment, Deposit).

Totals and balances are always recomputed from the lines (TotalAmt is read-only in
QBO); an invoice's or credit memo's Balance is its total less what payments applied.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from qbemulator.online import faults
from qbemulator.online.entities.common import (
    BASE,
    CENT,
    USD,
    Entity,
    decimal,
    fields,
    is_voided,
    money,
    referenced,
    today,
)
from qbemulator.online.entities.index import index
from qbemulator.online.entities.names import ordered, server
from qbemulator.online.state import Company

ZERO = Decimal("0.00")
TXN = (
    BASE
    + " DocNumber TxnDate DepartmentRef CurrencyRef ExchangeRate PrivateNote TxnStatus LinkedTxn"
    " Line TxnTaxDetail TxnSource TaxFormType TaxFormNum TransactionLocationType Tag"
    " TxnApprovalInfo RecurDataRef ProjectRef HomeTotalAmt"
)
SALES = (
    TXN + " AutoDocNumber CustomerRef CustomerMemo BillAddr ShipAddr FreeFormAddress ShipFromAddr"
    " RemitToRef ClassRef SalesTermRef DueDate SalesRepRef PONumber FOB ShipMethodRef ShipDate"
    " TrackingNum GlobalTaxCalculation TotalAmt HomeBalance ApplyTaxAfterDiscount TemplateRef"
    " PrintStatus EmailStatus BillEmail BillEmailCc BillEmailBcc ARAccountRef Balance"
    " DeliveryInfo DiscountRate DiscountAmt GovtTxnRefIdentifier TaxExemptionRef"
    " DepositToAccountRef PaymentMethodRef PaymentRefNum PaymentType CheckPayment"
    " CreditCardPayment"
)
KNOWN = {
    "Invoice": fields(
        SALES + " Deposit AllowIPNPayment AllowOnlinePayment AllowOnlineCreditCardPayment"
        " AllowOnlineACHPayment EInvoiceStatus ECloudStatusTimeStamp InvoiceLink InvoiceEx"
        " LessCIS callToAction invoiceStatusLog ConvenienceFeeDetail PaymentDetailsMessage"
    ),
    "CreditMemo": fields(SALES + " RemainingCredit InvoiceRef CreditMemoEx"),
    "SalesReceipt": fields(SALES + " SalesReceiptEx"),
    "RefundReceipt": fields(SALES + " RemainingCredit RefundReceiptEx"),
    "Payment": fields(
        TXN
        + " CustomerRef RemitToRef ARAccountRef DepositToAccountRef PaymentMethodRef PaymentRefNum"
        " PaymentType CheckPayment CreditCardPayment TotalAmt UnappliedAmt ProcessPayment PaymentEx"
    ),
    "Deposit": fields(
        TXN + " DepositToAccountRef ClassRef TotalAmt CashBack DepositEx GlobalTaxCalculation"
    ),
}
AR_TARGETS = ("Invoice", "CreditMemo")  # the sales documents a Payment line may link to
# Payment line LinkedTxn.TxnType -> the entity it names (a Purchase answers to "Expense" or "Check").
LINK_ENTITY = {
    "Invoice": "Invoice",
    "CreditMemo": "CreditMemo",
    "Expense": "Purchase",
    "Check": "Purchase",
}


def date_field(data: Entity, name: str) -> str | None:
    """A `YYYY-MM-DD` date, or the 2010 QBO gives when its JSON binder cannot read one."""
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise faults.Fault(
            "2010",
            "Request has invalid or unsupported property",
            f"Property Name:Can not construct instance of java.util.Date from String value "
            f"'{value}': not a valid representation specified is unsupported or invalid",
            element=name,
        ) from None


def book_close_date(company: Company) -> str | None:
    prefs = company.entities.get("Preferences", {}).get("1", {})
    value = prefs.get("AccountingInfoPrefs", {}).get("BookCloseDate")
    return str(value) if value else None


def check_open_period(company: Company, *dates: Any) -> None:
    """Writes dated on or before the closing date are refused (6210), as QBO does through the API."""
    closed = book_close_date(company)
    if closed is None:
        return
    for date in dates:
        if date and str(date)[:10] <= closed[:10]:
            raise faults.period_closed()


def undeposited_funds(company: Company) -> dict[str, str]:
    for account in company.entities.get("Account", {}).values():
        if account.get("AccountSubType") == "UndepositedFunds" and account.get("Active", True):
            return {"value": account["Id"], "name": account["Name"]}
    raise faults.invalid_reference("DepositToAccountRef")


def account_ref(
    company: Company,
    data: Entity,
    key: str,
    types: tuple[str, ...],
    stored: Entity | None = None,
) -> dict[str, str] | None:
    account = referenced(company, "Account", data, key, required=False, stored=stored)
    if account is None:
        return None
    if account["AccountType"] not in types:
        raise faults.invalid_reference(key)
    return {"value": account["Id"], "name": account["Name"]}


def next_doc_number(company: Company, entity: str) -> str | None:
    prefs = company.entities.get("Preferences", {}).get("1", {})
    if prefs.get("SalesFormsPrefs", {}).get("CustomTxnNumbers"):
        return None
    docs = index(company).docs
    number = company.doc_numbers.get(entity, 1000) + 1
    while _doc_taken(company, entity, str(number), docs.get((entity, str(number)), set())):
        number += 1
    return str(number)  # the counter moves only when the write commits (see entities.create)


def _doc_taken(company: Company, entity: str, doc: str, ids: set[str]) -> str | None:
    """The id of another stored `entity` carrying DocNumber `doc`, if any."""
    table = company.entities.get(entity, {})
    return next((i for i in sorted(ids) if table.get(i, {}).get("DocNumber") == doc), None)


def check_doc_number(
    company: Company, entity: str, doc: str, own_id: str | None, allow: bool
) -> None:
    if allow:
        return
    ids = index(company).docs.get((entity, doc), set()) - {own_id or ""}
    other = _doc_taken(company, entity, doc, ids)
    if other is not None:
        raise faults.duplicate_doc_number(doc, entity, other)


def sales_line(company: Company, line: Entity, voided: bool) -> tuple[Entity, Decimal]:
    detail = dict(line.get("SalesItemLineDetail") or {})
    item = referenced(
        company, "Item", detail, "ItemRef", required=False, stored=detail if voided else None
    )
    qty = decimal(detail["Qty"], "Qty") if detail.get("Qty") is not None else None
    price = (
        decimal(detail["UnitPrice"], "UnitPrice") if detail.get("UnitPrice") is not None else None
    )
    # Clients that send Qty 0 / UnitPrice 0 beside an Amount (python-quickbooks does) mean "no quantity".
    if qty is not None and price is not None and (qty * price != 0 or line.get("Amount") is None):
        amount = money(qty * price)
        if line.get("Amount") is not None and money(line["Amount"]) != amount:
            raise faults.amount_mismatch(str(line["Amount"]))
    elif line.get("Amount") is not None:
        amount = money(line["Amount"])
    else:
        raise faults.required_param("Amount")
    if voided:
        amount, qty = ZERO, (Decimal(0) if qty is not None else None)
    out: dict[str, Any] = {}
    if item is not None:
        out["ItemRef"] = {"value": item["Id"], "name": item["Name"]}
    if price is not None:
        out["UnitPrice"] = price
    if qty is not None:
        out["Qty"] = qty
    out["TaxCodeRef"] = detail.get("TaxCodeRef") or {"value": "NON"}
    for key, value in detail.items():
        if value not in ("", None):
            out.setdefault(key, value)
    return {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": out,
    }, amount


def build_lines(
    company: Company, lines: Any, stored: Entity | None, voided: bool
) -> tuple[list[Entity], Decimal]:
    if not isinstance(lines, list) or not lines:
        raise faults.required_param("Line")
    known = {str(x.get("Id")) for x in (stored or {}).get("Line", []) if x.get("Id")}
    next_id = max((int(i) for i in known if i.isdigit()), default=0) + 1
    out: list[Entity] = []
    subtotal = discount = ZERO
    for line in lines:
        kind = line.get("DetailType")
        if kind == "SubTotalLineDetail":
            continue
        if kind == "SalesItemLineDetail":
            body, amount = sales_line(company, line, voided)
            subtotal += amount
        elif kind == "DiscountLineDetail":
            amount = ZERO if voided else money(line.get("Amount", 0))
            body = {"Amount": amount, "DetailType": kind, kind: line.get(kind) or {}}
            discount += amount
        elif kind == "DescriptionOnly":
            body = {"DetailType": kind, kind: line.get(kind) or {}}
            if line.get("Amount") is not None:
                body = {"Amount": ZERO if voided else money(line["Amount"]), **body}
        elif kind is None:
            raise faults.required_param("DetailType")
        else:
            raise faults.Fault(
                "2170", "Invalid Enumeration", f"Invalid Enumeration : {kind}", element="DetailType"
            )
        line_id = str(line.get("Id")) if str(line.get("Id")) in known else None
        if line_id is None:
            line_id, next_id = str(next_id), next_id + 1
        head: Entity = {"Id": line_id, "LineNum": len(out) + 1}
        if line.get("Description") is not None:
            head["Description"] = line["Description"]
        out.append({**head, **body})
    out.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    return out, subtotal - discount


def applied(company: Company, target: Entity, kind: str, exclude: str | None = None) -> Decimal:
    """How much of `target` (an entity of type `kind`) the Payments linked to it have applied.

    `exclude` skips one payment (the one being rewritten)."""
    total = ZERO
    for link in target.get("LinkedTxn", []):
        if link.get("TxnType") != "Payment" or link.get("TxnId") == exclude:
            continue
        payment = company.entities.get("Payment", {}).get(str(link["TxnId"]))
        for line in (payment or {}).get("Line", []):
            for linked in line.get("LinkedTxn", []):
                if (
                    LINK_ENTITY.get(str(linked.get("TxnType"))) == kind
                    and str(linked.get("TxnId")) == target["Id"]
                ):
                    total += money(line["Amount"])
    return total


def build_sales(
    company: Company,
    entity: str,
    data: Entity,
    stored: Entity | None,
    new_id: str,
    include: set[str],
) -> Entity:
    """Invoice, CreditMemo, SalesReceipt, RefundReceipt: lines, totals, defaults, addresses."""
    own_id = stored["Id"] if stored else None
    voided = own_id is not None and is_voided(company, entity, own_id)
    customer = referenced(
        company, "Customer", data, "CustomerRef", required=entity in AR_TARGETS, stored=stored
    )
    lines, total = build_lines(company, data.get("Line"), stored, voided)
    txn_date = date_field(data, "TxnDate") or (stored or {}).get("TxnDate") or today()
    check_open_period(company, txn_date, (stored or {}).get("TxnDate"))
    doc = data.get("DocNumber") or (stored or {}).get("DocNumber")  # "" means not given
    if doc:
        if stored is None or doc != stored.get("DocNumber"):
            check_doc_number(company, entity, str(doc), own_id, "allowduplicatedocnum" in include)
    elif stored is None:
        doc = next_doc_number(company, entity)
    balance = ZERO
    if entity in AR_TARGETS and stored is not None and not voided:
        balance = total - applied(company, stored, entity)
        if balance < 0:
            raise faults.business(
                f"The {entity} total cannot be less than the amount already applied to it"
            )
    elif entity in AR_TARGETS and not voided:
        balance = total
    deposit_to = account_ref(
        company, data, "DepositToAccountRef", ("Bank", "Other Current Asset"), stored
    )
    if entity == "SalesReceipt" and deposit_to is None:
        deposit_to = undeposited_funds(company)
    if entity == "RefundReceipt" and deposit_to is None:
        raise faults.required_param("DepositToAccountRef")
    due = date_field(data, "DueDate")
    if entity == "Invoice" and not due:
        due = (dt.date.fromisoformat(txn_date[:10]) + dt.timedelta(days=30)).isoformat()
    values: dict[str, Any] = {}
    if entity == "Invoice":
        values |= {
            k: bool(data.get(k, False))
            for k in (
                "AllowIPNPayment",
                "AllowOnlinePayment",
                "AllowOnlineCreditCardPayment",
                "AllowOnlineACHPayment",
            )
        }
    if entity == "CreditMemo":
        values["RemainingCredit"] = balance
    values |= {
        **server(stored, new_id),
        "CustomField": data.get("CustomField") or [],
        "DocNumber": doc,
        "TxnDate": txn_date,
        "CurrencyRef": USD,
        "PrivateNote": data.get("PrivateNote"),
        # Links are the server's record of what applied to this txn; a request cannot edit them.
        "LinkedTxn": [dict(x) for x in (stored or {}).get("LinkedTxn", [])],
        "Line": lines,
        "TxnTaxDetail": {"TotalTax": 0},
        "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]}
        if customer
        else None,
        "CustomerMemo": data.get("CustomerMemo"),
        "BillAddr": data.get("BillAddr") or (customer or {}).get("BillAddr"),
        "ShipAddr": data.get("ShipAddr") or (customer or {}).get("ShipAddr"),
        "ARAccountRef": account_ref(
            company, data, "ARAccountRef", ("Accounts Receivable",), stored
        ),
        "DueDate": due if entity == "Invoice" else None,
        "TotalAmt": ZERO if voided else total.quantize(CENT),
        "ApplyTaxAfterDiscount": bool(data.get("ApplyTaxAfterDiscount", False)),
        "PrintStatus": data.get("PrintStatus", "NeedToPrint" if entity == "Invoice" else "NotSet"),
        "EmailStatus": data.get("EmailStatus", "NotSet"),
        "BillEmail": data.get("BillEmail"),
        "Balance": balance,
        "DepositToAccountRef": deposit_to,
        "PaymentMethodRef": data.get("PaymentMethodRef"),
        "PaymentRefNum": data.get("PaymentRefNum"),
    }
    rest = {k: v for k, v in data.items() if k in KNOWN[entity]}
    return ordered(list(values), values, rest)
