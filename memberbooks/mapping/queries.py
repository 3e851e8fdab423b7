"""Organisation-scoped reads for the Member Status and GL mapping lists.

"Has transactions" means the member or GL appears on any invoice, payment,
credit memo or refund (voided ones included: they are exported as voids).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from memberbooks.ledger.models import (
    CreditMemo,
    CreditMemoLine,
    GLAccount,
    GLAccountKind,
    Invoice,
    InvoiceLine,
    Member,
    Payment,
    Refund,
)
from memberbooks.mapping.models import CatalogKind, CustomerLink, GLMapping, QbCatalogEntry
from memberbooks.tenancy.models import Organisation


def members_with_transactions(organisation: Organisation) -> QuerySet[Member]:
    member = OuterRef("pk")
    return Member.objects.filter(organisation=organisation).filter(
        Exists(Invoice.objects.filter(member=member))
        | Exists(Payment.objects.filter(member=member))
        | Exists(CreditMemo.objects.filter(member=member))
        | Exists(Refund.objects.filter(member=member))
    )


def unlinked_members_with_transactions(organisation: Organisation) -> QuerySet[Member]:
    return members_with_transactions(organisation).filter(qb_link__isnull=True)


def link_of(member: Member) -> CustomerLink | None:
    return CustomerLink.objects.filter(member=member).first()


@dataclass(frozen=True)
class MemberLinkRow:
    member: Member
    link: CustomerLink | None
    has_transactions: bool

    @property
    def state(self) -> str:
        return "linked" if self.link else "unlinked"

    def as_json(self) -> dict[str, Any]:
        return {
            "member_number": self.member.member_number,
            "name": self.member.display_name,
            "state": self.state,
            "has_transactions": self.has_transactions,
            "qb_kind": self.link.qb_kind if self.link else None,
            "qb_id": self.link.qb_id if self.link else None,
            "qb_name": self.link.qb_name if self.link else None,
            "linked_by": self.link.linked_by if self.link else None,
            "linked_at": self.link.linked_at.isoformat() if self.link else None,
        }


def member_link_status(organisation: Organisation) -> list[MemberLinkRow]:
    """Every member with its link; unlinked members with transactions first."""
    used = set(members_with_transactions(organisation).values_list("pk", flat=True))
    links = {
        link.member_id: link for link in CustomerLink.objects.filter(organisation=organisation)
    }
    rows = [
        MemberLinkRow(member, links.get(member.pk), member.pk in used)
        for member in Member.objects.filter(organisation=organisation).order_by("member_number")
    ]
    rows.sort(key=lambda row: not (row.link is None and row.has_transactions))
    return rows


def gl_ids_with_transactions(organisation: Organisation) -> set[int]:
    """GL accounts on lines, payments and refunds; every receivable GL once an invoice exists."""
    ids: set[int] = set()
    ids.update(
        InvoiceLine.objects.filter(invoice__organisation=organisation).values_list(
            "gl_account_id", flat=True
        )
    )
    ids.update(
        CreditMemoLine.objects.filter(credit_memo__organisation=organisation).values_list(
            "gl_account_id", flat=True
        )
    )
    ids.update(
        Payment.objects.filter(organisation=organisation).values_list(
            "deposit_account_id", flat=True
        )
    )
    ids.update(
        Refund.objects.filter(organisation=organisation).values_list("paid_from_id", flat=True)
    )
    if Invoice.objects.filter(organisation=organisation).exists():
        ids.update(
            GLAccount.objects.filter(
                organisation=organisation, kind=GLAccountKind.RECEIVABLE
            ).values_list("pk", flat=True)
        )
    return ids


@dataclass(frozen=True)
class GLMappingRow:
    gl_account: GLAccount
    mapping: GLMapping | None
    has_transactions: bool

    @property
    def state(self) -> str:
        if self.mapping is None:
            return "unmapped"
        return "mismatch" if self.mapping.mismatch else "mapped"

    def as_json(self) -> dict[str, Any]:
        m = self.mapping
        return {
            "gl_number": self.gl_account.number,
            "gl_name": self.gl_account.name,
            "gl_kind": self.gl_account.kind,
            "state": self.state,
            "has_transactions": self.has_transactions,
            "qb_item_id": m.qb_item_id if m else None,
            "qb_item_name": m.qb_item_name if m else None,
            "qb_account_id": m.qb_account_id if m else None,
            "qb_account_name": m.qb_account_name if m else None,
            "mismatch": m.mismatch if m else "",
        }


def gl_mapping_status(organisation: Organisation) -> list[GLMappingRow]:
    """Every GL with its mapping; unmapped GLs that have transactions first, then by number."""
    used = gl_ids_with_transactions(organisation)
    mappings = {m.gl_account_id: m for m in GLMapping.objects.filter(organisation=organisation)}
    rows = [
        GLMappingRow(gl, mappings.get(gl.pk), gl.pk in used)
        for gl in GLAccount.objects.filter(organisation=organisation).order_by("number")
    ]
    rows.sort(key=lambda row: not (row.mapping is None and row.has_transactions))
    return rows


def unmapped_gl_with_transactions(organisation: Organisation) -> list[GLAccount]:
    return [
        row.gl_account
        for row in gl_mapping_status(organisation)
        if row.mapping is None and row.has_transactions
    ]


def catalog(organisation: Organisation, kind: str | None = None) -> QuerySet[QbCatalogEntry]:
    queryset = QbCatalogEntry.objects.filter(organisation=organisation)
    return queryset.filter(Q(kind=kind)) if kind else queryset


def catalog_refreshed_at(organisation: Organisation) -> dt.datetime | None:
    """When the cached items and accounts were last read from QuickBooks (None: never)."""
    return (
        QbCatalogEntry.objects.filter(organisation=organisation)
        .aggregate(at=Max("fetched_at"))
        .get("at")
    )


# Which catalog entries fit a GL of each kind: (catalog kind, Q over type/subtype).
DEPOSIT_ACCOUNTS = Q(type="Bank") | Q(type="Other Current Asset", subtype="UndepositedFunds")
AR_ACCOUNTS = Q(type="Accounts Receivable")


def picker_entries(organisation: Organisation, gl_kind: str) -> QuerySet[QbCatalogEntry]:
    """The active cached items or accounts a GL of this kind may map to, by name.

    Income, deferred and expense GLs pick an item (used on invoice and credit-memo
    lines); deposit GLs a bank or Undeposited Funds account; receivable GLs an
    Accounts Receivable account. The same rules as the mapping actions' checks.
    """
    entries = catalog(organisation).filter(active=True)
    if gl_kind == GLAccountKind.DEPOSIT:
        return entries.filter(DEPOSIT_ACCOUNTS, kind=CatalogKind.ACCOUNT)
    if gl_kind == GLAccountKind.RECEIVABLE:
        return entries.filter(AR_ACCOUNTS, kind=CatalogKind.ACCOUNT)
    return entries.filter(kind=CatalogKind.ITEM)
