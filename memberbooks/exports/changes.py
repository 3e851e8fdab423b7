""" "Changed since export": exported documents the ledger changed afterwards.

The ledger sends `documents_changed` (see `memberbooks.ledger.signals`) inside the
action's transaction; this receiver turns each exported document among them into
status `changed`, audit-logged, so the Transaction Status report lists it and the
sync can correct it in QuickBooks. Documents not yet exported are left alone: the
sync will send them as they are now.
"""

from typing import Any

from memberbooks.audit.log import record
from memberbooks.exports.models import DocType, ExportDecision, ExportStatus
from memberbooks.ledger.models import CreditMemo, Invoice, Payment, Refund
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

DOC_TYPES: dict[type, str] = {
    Invoice: DocType.INVOICE,
    Payment: DocType.PAYMENT,
    CreditMemo: DocType.CREDIT_MEMO,
    Refund: DocType.REFUND,
}


def on_documents_changed(
    sender: type, organisation: Organisation, ids: list[int], why: str, **_: Any
) -> None:
    """Mark the exported ones among `ids` as changed since export."""
    doc_type = DOC_TYPES[sender]
    rows = ExportDecision.objects.select_for_update().filter(
        organisation=organisation,
        doc_type=doc_type,
        doc_id__in=ids,
        status=ExportStatus.EXPORTED,
    )
    ledger = Actor(organisation, Role.ADMIN, "ledger")
    for row in rows:
        row.status = ExportStatus.CHANGED
        row.save(update_fields=["status"])
        record(
            ledger,
            "export.changed",
            row.doc_type,
            row.doc_id,
            before={"status": ExportStatus.EXPORTED, "qb_id": row.qb_id},
            after={"status": ExportStatus.CHANGED, "qb_id": row.qb_id},
            note=f"{why} after export",
        )
