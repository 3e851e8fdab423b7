"""The QuickBooks Online JSON for each kind of write, built from the ledger as it is now.

Amounts are Decimals all the way into the JSON (the client serialises them
exactly). Every document carries the memberbooks marker in PrivateNote so it can
be found again (markers.py). References to other QuickBooks objects come from
`Refs`: the member links, the GL mappings, and the QuickBooks ids of documents
already exported (earlier runs) or confirmed in this run.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from memberbooks.exports.models import DocType
from memberbooks.ledger.models import CreditMemo, DocumentLine, Invoice, Payment
from memberbooks.mapping.models import GLMapping
from memberbooks.quickbooks.online.wire import JsonDict
from memberbooks.sync.markers import note_with_marker


@dataclass
class Refs:
    """QuickBooks ids the bodies point at."""

    org_slug: str
    customers: dict[int, str]  # member id -> Customer Id
    mappings: dict[int, GLMapping]  # GL id -> mapping
    ar_account: str  # the receivable GL's A/R account ('' = QuickBooks' default)
    exported: dict[tuple[str, int], str] = field(default_factory=dict)  # doc -> QuickBooks Id

    def ar(self) -> JsonDict:
        return {"ARAccountRef": {"value": self.ar_account}} if self.ar_account else {}


def _line(line: DocumentLine, refs: Refs) -> JsonDict:
    """One sales line; Qty x UnitPrice only when it is exactly the amount (QuickBooks checks)."""
    detail: JsonDict = {"ItemRef": {"value": refs.mappings[line.gl_account_id].qb_item_id}}
    if line.quantity * line.unit_price == line.amount:
        detail |= {"Qty": line.quantity, "UnitPrice": line.unit_price}
    return {
        "Amount": line.amount,
        "DetailType": "SalesItemLineDetail",
        "Description": line.description,
        "SalesItemLineDetail": detail,
    }


def _note(memo: str, refs: Refs, doc_type: str, doc_id: int) -> str:
    return note_with_marker(memo, refs.org_slug, doc_type, doc_id)


def invoice(doc: Invoice, lines: Sequence[DocumentLine], refs: Refs) -> JsonDict:
    return {
        "DocNumber": doc.number,
        "TxnDate": doc.date.isoformat(),
        "DueDate": doc.due_date.isoformat(),
        "CustomerRef": {"value": refs.customers[doc.member_id]},
        **refs.ar(),
        "PrivateNote": _note(doc.memo, refs, DocType.INVOICE, doc.pk),
        "Line": [_line(line, refs) for line in lines],
    }


def credit_memo(doc: CreditMemo, lines: Sequence[DocumentLine], refs: Refs) -> JsonDict:
    return {
        "DocNumber": doc.number,
        "TxnDate": doc.date.isoformat(),
        "CustomerRef": {"value": refs.customers[doc.member_id]},
        **refs.ar(),
        "PrivateNote": _note(doc.memo, refs, DocType.CREDIT_MEMO, doc.pk),
        "Line": [_line(line, refs) for line in lines],
    }


def payment(doc: Payment, applied: Sequence[tuple[int, object]], refs: Refs) -> JsonDict:
    """A payment and its applications (QuickBooks' LinkedTxn); the rest stays unapplied credit."""
    account = refs.mappings[doc.deposit_account_id].qb_account_id
    return {
        "TotalAmt": doc.amount,
        "TxnDate": doc.date.isoformat(),
        "PaymentRefNum": doc.number,
        "CustomerRef": {"value": refs.customers[doc.member_id]},
        **refs.ar(),
        "DepositToAccountRef": {"value": account},
        "PrivateNote": _note(doc.reference, refs, DocType.PAYMENT, doc.pk),
        "Line": [
            {
                "Amount": amount,
                "LinkedTxn": [
                    {"TxnId": refs.exported[(DocType.INVOICE, invoice_id)], "TxnType": "Invoice"}
                ],
            }
            for invoice_id, amount in applied
        ],
    }


def credit_application(
    doc: CreditMemo, applied: Sequence[tuple[int, object]], refs: Refs
) -> JsonDict:
    """A credit memo applied to invoices: QuickBooks records it as a zero payment linking both."""
    memo_qb_id = refs.exported[(DocType.CREDIT_MEMO, doc.pk)]
    lines: list[JsonDict] = []
    for invoice_id, amount in applied:
        target = refs.exported[(DocType.INVOICE, invoice_id)]
        lines.append({"Amount": amount, "LinkedTxn": [{"TxnId": target, "TxnType": "Invoice"}]})
        lines.append(
            {"Amount": amount, "LinkedTxn": [{"TxnId": memo_qb_id, "TxnType": "CreditMemo"}]}
        )
    return {
        "TotalAmt": 0,
        "TxnDate": doc.date.isoformat(),
        "CustomerRef": {"value": refs.customers[doc.member_id]},
        **refs.ar(),
        "PrivateNote": _note("credit applied", refs, "credit_application", doc.pk),
        "Line": lines,
    }
