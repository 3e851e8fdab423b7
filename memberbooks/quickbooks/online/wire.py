"""QuickBooks Online JSON <-> memberbooks' own typed values, in this one module.

The rest of memberbooks never sees PascalCase JSON: it reads `QbInvoice.total`
(a Decimal) and `QbInvoice.txn_date` (a date), and builds write payloads with the
`*_json` functions here. Amounts arrive as Decimal because the client parses JSON
with `parse_float=Decimal`; `money()` still accepts ints and strings (report
cells are strings) and never goes through float.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

JsonDict = dict[str, Any]


def dumps(value: Any) -> str:
    """JSON text with Decimals written as exact numbers (json.dumps refuses Decimal)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, float):
        raise TypeError("floats are not allowed in QuickBooks payloads: use Decimal")
    return json.dumps(value)


def loads(text: str | bytes) -> Any:
    """Parse QuickBooks JSON with every non-integer number as Decimal."""
    return json.loads(text, parse_float=Decimal)


def money(value: Any) -> Decimal:
    """A QuickBooks amount as Decimal; missing or empty is zero."""
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, float):
        raise TypeError("float amount: parse QuickBooks JSON with wire.loads")
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def ref(value: Any) -> str | None:
    """The id of a QuickBooks reference object ``{"value": "1", "name": ...}``."""
    return str(value["value"]) if isinstance(value, dict) and "value" in value else None


def as_ref(entity_id: str | None) -> JsonDict | None:
    return {"value": entity_id} if entity_id is not None else None


def compact(data: JsonDict) -> JsonDict:
    """Drop None values: QuickBooks sets sent fields, so unknown ones must not be sent."""
    return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class QbFault:
    code: str
    message: str
    detail: str = ""
    element: str = ""
    fault_type: str = ""


@dataclass(frozen=True)
class QbCustomer:
    id: str | None
    display_name: str
    sync_token: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    active: bool = True
    balance: Decimal = Decimal("0")


@dataclass(frozen=True)
class QbAccount:
    id: str
    name: str
    account_type: str
    sync_token: str | None = None
    account_sub_type: str | None = None
    active: bool = True
    current_balance: Decimal = Decimal("0")


@dataclass(frozen=True)
class QbItem:
    id: str
    name: str
    item_type: str
    sync_token: str | None = None
    income_account_id: str | None = None
    unit_price: Decimal | None = None
    active: bool = True


@dataclass(frozen=True)
class QbLine:
    """A sales line (item, quantity, price); subtotal lines are left out."""

    amount: Decimal
    item_id: str | None = None
    description: str | None = None
    qty: Decimal | None = None
    unit_price: Decimal | None = None
    id: str | None = None


@dataclass(frozen=True)
class QbLinkedTxn:
    txn_id: str
    txn_type: str  # "Invoice", "CreditMemo", "Payment", ...


@dataclass(frozen=True)
class QbInvoice:
    id: str | None
    customer_id: str
    lines: tuple[QbLine, ...]
    sync_token: str | None = None
    doc_number: str | None = None
    txn_date: date | None = None
    due_date: date | None = None
    total: Decimal = Decimal("0")
    balance: Decimal = Decimal("0")
    private_note: str | None = None
    linked: tuple[QbLinkedTxn, ...] = ()


@dataclass(frozen=True)
class QbCreditMemo:
    id: str | None
    customer_id: str
    lines: tuple[QbLine, ...]
    sync_token: str | None = None
    doc_number: str | None = None
    txn_date: date | None = None
    total: Decimal = Decimal("0")
    remaining_credit: Decimal = Decimal("0")
    private_note: str | None = None


@dataclass(frozen=True)
class QbApplication:
    """One payment line: an amount applied to invoices or credit memos."""

    amount: Decimal
    linked: tuple[QbLinkedTxn, ...]


@dataclass(frozen=True)
class QbPayment:
    id: str | None
    customer_id: str
    total: Decimal
    applications: tuple[QbApplication, ...] = ()
    sync_token: str | None = None
    txn_date: date | None = None
    unapplied: Decimal = Decimal("0")
    ref_num: str | None = None
    deposit_to_account_id: str | None = None
    private_note: str | None = None


@dataclass(frozen=True)
class QbDeleted:
    """A CDC entry for an object deleted in QuickBooks."""

    entity: str
    id: str


@dataclass(frozen=True)
class QbChanges:
    """What a CDC call returned, as raw entity dicts per entity name plus deletions."""

    entities: dict[str, list[JsonDict]] = field(default_factory=dict)
    deleted: tuple[QbDeleted, ...] = ()


def fault_from_json(data: JsonDict) -> QbFault | None:
    """The first error of a Fault (either JSON dialect), or None if there is none."""
    fault = data.get("Fault") or data.get("fault")
    if not isinstance(fault, dict):
        return None
    errors = fault.get("Error") or fault.get("error") or [{}]
    first = errors[0]
    return QbFault(
        code=str(first.get("code") or ""),
        message=str(first.get("Message") or first.get("message") or ""),
        detail=str(first.get("Detail") or first.get("detail") or ""),
        element=str(first.get("element") or ""),
        fault_type=str(fault.get("type") or ""),
    )


def customer_from_json(data: JsonDict) -> QbCustomer:
    return QbCustomer(
        id=data.get("Id"),
        sync_token=data.get("SyncToken"),
        display_name=str(data.get("DisplayName", "")),
        given_name=data.get("GivenName"),
        family_name=data.get("FamilyName"),
        company_name=data.get("CompanyName"),
        email=(data.get("PrimaryEmailAddr") or {}).get("Address"),
        phone=(data.get("PrimaryPhone") or {}).get("FreeFormNumber"),
        active=bool(data.get("Active", True)),
        balance=money(data.get("Balance")),
    )


def customer_json(customer: QbCustomer) -> JsonDict:
    """Create or full-update payload (Balance is QuickBooks' to compute)."""
    return compact(
        {
            "Id": customer.id,
            "SyncToken": customer.sync_token,
            "DisplayName": customer.display_name,
            "GivenName": customer.given_name,
            "FamilyName": customer.family_name,
            "CompanyName": customer.company_name,
            "PrimaryEmailAddr": {"Address": customer.email} if customer.email else None,
            "PrimaryPhone": {"FreeFormNumber": customer.phone} if customer.phone else None,
            "Active": customer.active,
        }
    )


def account_from_json(data: JsonDict) -> QbAccount:
    return QbAccount(
        id=str(data["Id"]),
        sync_token=data.get("SyncToken"),
        name=str(data.get("Name", "")),
        account_type=str(data.get("AccountType", "")),
        account_sub_type=data.get("AccountSubType"),
        active=bool(data.get("Active", True)),
        current_balance=money(data.get("CurrentBalance")),
    )


def item_from_json(data: JsonDict) -> QbItem:
    price = data.get("UnitPrice")
    return QbItem(
        id=str(data["Id"]),
        sync_token=data.get("SyncToken"),
        name=str(data.get("Name", "")),
        item_type=str(data.get("Type", "")),
        income_account_id=ref(data.get("IncomeAccountRef")),
        unit_price=money(price) if price is not None else None,
        active=bool(data.get("Active", True)),
    )


def _line_from_json(data: JsonDict) -> QbLine | None:
    if data.get("DetailType") != "SalesItemLineDetail":
        return None
    detail = data.get("SalesItemLineDetail") or {}
    qty, price = detail.get("Qty"), detail.get("UnitPrice")
    return QbLine(
        id=data.get("Id"),
        amount=money(data.get("Amount")),
        description=data.get("Description"),
        item_id=ref(detail.get("ItemRef")),
        qty=money(qty) if qty is not None else None,
        unit_price=money(price) if price is not None else None,
    )


def _lines(data: JsonDict) -> tuple[QbLine, ...]:
    found = (_line_from_json(line) for line in data.get("Line") or [])
    return tuple(line for line in found if line is not None)


def _line_json(line: QbLine) -> JsonDict:
    detail = compact(
        {"ItemRef": as_ref(line.item_id), "Qty": line.qty, "UnitPrice": line.unit_price}
    )
    return compact(
        {
            "Id": line.id,
            "Amount": line.amount,
            "Description": line.description,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": detail,
        }
    )


def _linked(data: Any) -> tuple[QbLinkedTxn, ...]:
    return tuple(
        QbLinkedTxn(str(link["TxnId"]), str(link.get("TxnType", "")))
        for link in data or []
        if isinstance(link, dict) and "TxnId" in link
    )


def invoice_from_json(data: JsonDict) -> QbInvoice:
    return QbInvoice(
        id=data.get("Id"),
        sync_token=data.get("SyncToken"),
        customer_id=ref(data.get("CustomerRef")) or "",
        doc_number=data.get("DocNumber"),
        txn_date=day(data.get("TxnDate")),
        due_date=day(data.get("DueDate")),
        total=money(data.get("TotalAmt")),
        balance=money(data.get("Balance")),
        private_note=data.get("PrivateNote"),
        lines=_lines(data),
        linked=_linked(data.get("LinkedTxn")),
    )


def _sales_json(doc: QbInvoice | QbCreditMemo) -> JsonDict:
    return compact(
        {
            "Id": doc.id,
            "SyncToken": doc.sync_token,
            "CustomerRef": as_ref(doc.customer_id),
            "DocNumber": doc.doc_number,
            "TxnDate": doc.txn_date.isoformat() if doc.txn_date else None,
            "PrivateNote": doc.private_note,
            "Line": [_line_json(line) for line in doc.lines],
        }
    )


def invoice_json(invoice: QbInvoice) -> JsonDict:
    """Create or full-update payload; totals and balances are QuickBooks' to compute."""
    data = _sales_json(invoice)
    if invoice.due_date:
        data["DueDate"] = invoice.due_date.isoformat()
    return data


def credit_memo_from_json(data: JsonDict) -> QbCreditMemo:
    return QbCreditMemo(
        id=data.get("Id"),
        sync_token=data.get("SyncToken"),
        customer_id=ref(data.get("CustomerRef")) or "",
        doc_number=data.get("DocNumber"),
        txn_date=day(data.get("TxnDate")),
        total=money(data.get("TotalAmt")),
        remaining_credit=money(data.get("RemainingCredit", data.get("Balance"))),
        private_note=data.get("PrivateNote"),
        lines=_lines(data),
    )


def credit_memo_json(memo: QbCreditMemo) -> JsonDict:
    return _sales_json(memo)


def payment_from_json(data: JsonDict) -> QbPayment:
    applications = tuple(
        QbApplication(money(line.get("Amount")), _linked(line.get("LinkedTxn")))
        for line in data.get("Line") or []
    )
    return QbPayment(
        id=data.get("Id"),
        sync_token=data.get("SyncToken"),
        customer_id=ref(data.get("CustomerRef")) or "",
        txn_date=day(data.get("TxnDate")),
        total=money(data.get("TotalAmt")),
        unapplied=money(data.get("UnappliedAmt")),
        ref_num=data.get("PaymentRefNum"),
        deposit_to_account_id=ref(data.get("DepositToAccountRef")),
        private_note=data.get("PrivateNote"),
        applications=applications,
    )


def payment_json(payment: QbPayment) -> JsonDict:
    lines = [
        {
            "Amount": app.amount,
            "LinkedTxn": [{"TxnId": link.txn_id, "TxnType": link.txn_type} for link in app.linked],
        }
        for app in payment.applications
    ]
    return compact(
        {
            "Id": payment.id,
            "SyncToken": payment.sync_token,
            "CustomerRef": as_ref(payment.customer_id),
            "TotalAmt": payment.total,
            "TxnDate": payment.txn_date.isoformat() if payment.txn_date else None,
            "PaymentRefNum": payment.ref_num,
            "DepositToAccountRef": as_ref(payment.deposit_to_account_id),
            "PrivateNote": payment.private_note,
            "Line": lines,
        }
    )


def changes_from_json(data: JsonDict) -> QbChanges:
    """A CDC answer: live objects per entity, deleted ones (status Deleted) apart."""
    entities: dict[str, list[JsonDict]] = {}
    deleted: list[QbDeleted] = []
    for block in data.get("CDCResponse") or []:
        for response in block.get("QueryResponse") or []:
            for name, rows in response.items():
                if not isinstance(rows, list):
                    continue
                for row in rows:
                    if row.get("status") == "Deleted":
                        deleted.append(QbDeleted(name, str(row.get("Id"))))
                    else:
                        entities.setdefault(name, []).append(row)
    return QbChanges(entities, tuple(deleted))
