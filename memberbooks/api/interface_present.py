"""Mapping and export rows as the QuickBooks Interface API's response shapes. Reads only."""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, cast

from memberbooks.api import interface_shapes as shapes
from memberbooks.api.schema import Money
from memberbooks.exports.actions import ArComparison, CustomerDifference
from memberbooks.exports.models import DocType, InSyncPoint, MarkBatch
from memberbooks.exports.queries import StatusRow
from memberbooks.ledger.models import GLAccountKind, Member
from memberbooks.mapping.models import CatalogKind, CustomerLink, QbCatalogEntry
from memberbooks.mapping.queries import GLMappingRow, MemberLinkRow
from memberbooks.matching.suggest import Suggestion


def member_link(row: MemberLinkRow) -> shapes.MemberLink:
    return link_of(row.member, row.link, row.has_transactions)


def link_of(member: Member, link: CustomerLink | None, has_transactions: bool) -> shapes.MemberLink:
    return shapes.MemberLink(
        member_number=member.member_number,
        name=member.display_name,
        state="linked" if link else "unlinked",
        has_transactions=has_transactions,
        customer_id=link.qb_id if link else None,
        customer_name=link.qb_name if link else None,
        linked_by=link.linked_by if link else None,
        linked_at=link.linked_at if link else None,
    )


def suggestion(
    member: Member, found: Suggestion, numbers: Mapping[int, str], name_of: Callable[[str], str]
) -> shapes.MemberSuggestion:
    """`numbers`: member id -> member number, for candidates already linked to someone;
    `name_of`: a customer's DisplayName by QuickBooks id."""
    return shapes.MemberSuggestion(
        member_number=member.member_number,
        name=member.display_name,
        verdict=found.verdict,
        note=found.note,
        candidates=[
            shapes.Candidate(
                customer_id=c.qb_id,
                display_name=name_of(c.qb_id),
                score=c.score,
                reasons=list(c.reasons),
                linked_to=numbers.get(c.linked_to) if c.linked_to is not None else None,
                active=c.active,
            )
            for c in found.candidates
        ],
    )


def gl_mapping(row: GLMappingRow) -> shapes.GLMapping:
    m = row.mapping
    return shapes.GLMapping(
        gl_number=row.gl_account.number,
        gl_name=row.gl_account.name,
        gl_kind=GLAccountKind(row.gl_account.kind),
        state="unmapped" if m is None else ("mismatch" if m.mismatch else "mapped"),
        has_transactions=row.has_transactions,
        item_id=(m.qb_item_id or None) if m else None,
        item_name=(m.qb_item_name or None) if m else None,
        account_id=(m.qb_account_id or None) if m else None,
        account_name=(m.qb_account_name or None) if m else None,
        mismatch=m.mismatch if m else "",
    )


def catalog_entry(row: QbCatalogEntry) -> shapes.CatalogEntry:
    return shapes.CatalogEntry(
        kind=CatalogKind(row.kind),
        qb_id=row.qb_id,
        name=row.name,
        type=row.type,
        subtype=row.subtype,
        income_account_id=row.income_account_id,
        active=row.active,
        fetched_at=row.fetched_at,
    )


def transaction(row: StatusRow) -> shapes.Transaction:
    return shapes.Transaction(
        type=DocType(row.doc_type),
        number=row.number,
        date=row.date,
        member_number=row.member_number,
        amount=Money(row.amount),
        voided_on=row.voided_on,
        source=row.source,
        decision=_decision(row.decision),
        reason=row.reason,
        status=row.status,
        qb_id=row.qb_id,
    )


def summary(cells: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> shapes.Summary:
    rows = []
    for doc_type, per_decision in sorted(cells.items()):
        for decision, cell in sorted(per_decision.items()):
            rows.append(
                shapes.SummaryCell(
                    type=DocType(doc_type),
                    decision=_decision(decision),
                    count=int(cell["count"]),
                    total=Money(Decimal(cell["total"])),
                )
            )
    return shapes.Summary(results=rows)


def _decision(value: str) -> shapes.DecisionFilter:
    """go, no_go or undecided, as the exports queries report it."""
    return cast(shapes.DecisionFilter, value)


def batch(row: MarkBatch) -> shapes.Batch:
    return shapes.Batch(
        id=row.pk,
        description=row.description,
        decision=row.decision,
        reason=row.reason,
        count=row.count,
        total=Money(row.total),
        marked_by=row.marked_by,
        marked_at=row.marked_at,
        undone_by=row.undone_by,
        undone_at=row.undone_at,
    )


def difference(row: CustomerDifference) -> shapes.CustomerDifference:
    return shapes.CustomerDifference(
        member_number=row.member_number,
        customer_id=row.qb_customer_id,
        mms=Money(row.mms),
        quickbooks=Money(row.quickbooks),
        difference=Money(row.difference),
    )


def stored_difference(data: Mapping[str, Any]) -> shapes.CustomerDifference:
    """A per-customer difference as `InSyncPoint.customer_differences` keeps it (strings)."""
    return shapes.CustomerDifference(
        member_number=str(data.get("member", "")),
        customer_id=str(data.get("qb_customer_id", "")),
        mms=Money(Decimal(str(data.get("mms", "0.00")))),
        quickbooks=Money(Decimal(str(data.get("quickbooks", "0.00")))),
        difference=Money(Decimal(str(data.get("difference", "0.00")))),
    )


def comparison(row: ArComparison) -> shapes.ArComparison:
    return shapes.ArComparison(
        date=row.date,
        mms_ar_total=Money(row.mms_total),
        mms_ar_net=Money(row.mms_net),
        quickbooks_ar=Money(row.qb_total),
        difference=Money(row.difference),
        links_available=row.links_available,
        customers=[difference(c) for c in row.customers],
    )


def insync_point(row: InSyncPoint) -> shapes.InSyncPoint:
    return shapes.InSyncPoint(
        id=row.pk,
        date=row.date,
        mms_ar_total=Money(row.mms_ar_total),
        mms_ar_net=Money(row.mms_ar_net),
        quickbooks_ar=Money(row.qb_ar_total),
        customers=[stored_difference(c) for c in row.customer_differences],
        batch=row.batch_id,
        count=row.batch.count if row.batch else 0,
        set_by=row.set_by,
        set_at=row.set_at,
    )
