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
from memberbooks.ledger.models import CreditMemo, DocumentLine, Invoice, Payment, Refund
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


def _cheque_lines(cheques: Sequence[tuple[str, object]]) -> list[JsonDict]:
    """Lines linking refund cheques already in QuickBooks: the credit they paid out."""
    return [
        {"Amount": amount, "LinkedTxn": [{"TxnId": qb_id, "TxnType": "Check"}]}
        for qb_id, amount in cheques
    ]


def payment(
    doc: Payment,
    applied: Sequence[tuple[int, object]],
    refs: Refs,
    cheques: Sequence[tuple[str, object]] = (),
) -> JsonDict:
    """A payment, its applications (QuickBooks' LinkedTxn) and its refund cheques; the rest
    stays unapplied credit. QuickBooks replaces all lines on an update, so all are sent."""
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
        ]
        + _cheque_lines(cheques),
    }


def credit_application(
    doc: CreditMemo,
    applied: Sequence[tuple[int, object]],
    refs: Refs,
    cheques: Sequence[tuple[str, object]] = (),
) -> JsonDict:
    """A credit memo's uses: applied to invoices, or paid out by refund cheques. QuickBooks
    records them as one zero payment linking the credit memo and each invoice or cheque."""
    memo_qb_id = refs.exported[(DocType.CREDIT_MEMO, doc.pk)]
    lines: list[JsonDict] = []
    for invoice_id, amount in applied:
        target = refs.exported[(DocType.INVOICE, invoice_id)]
        lines.append({"Amount": amount, "LinkedTxn": [{"TxnId": target, "TxnType": "Invoice"}]})
        lines.append(
            {"Amount": amount, "LinkedTxn": [{"TxnId": memo_qb_id, "TxnType": "CreditMemo"}]}
        )
    for line in _cheque_lines(cheques):
        lines.append(line)
        lines.append(
            {
                "Amount": line["Amount"],
                "LinkedTxn": [{"TxnId": memo_qb_id, "TxnType": "CreditMemo"}],
            }
        )
    return {
        "TotalAmt": 0,
        "TxnDate": doc.date.isoformat(),
        "CustomerRef": {"value": refs.customers[doc.member_id]},
        **refs.ar(),
        "PrivateNote": _note("credit applied", refs, "credit_application", doc.pk),
        "Line": lines,
    }


def refund(doc: Refund, refs: Refs, ar_account: str) -> JsonDict:
    """A refund of a member's credit: a cheque to the customer, drawn on the bank account
    the refund was paid from, on the A/R account (it raises what the customer owes by
    what was paid back; linking it to the credit then closes both)."""
    line: JsonDict = {
        "Amount": doc.amount,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": ar_account}},
    }
    body: JsonDict = {
        "PaymentType": "Check",
        "AccountRef": {"value": refs.mappings[doc.paid_from_id].qb_account_id},
        "EntityRef": {"value": refs.customers[doc.member_id], "type": "Customer"},
        "TxnDate": doc.date.isoformat(),
        "PrivateNote": _note(f"Refund {doc.reference}".strip(), refs, DocType.REFUND, doc.pk),
        "Line": [line],
    }
    if doc.reference:
        body["DocNumber"] = doc.reference[:21]
    return body
