"""Shapes of the QuickBooks Interface API (see `interface.py`): queries, bodies, responses.

As in `shapes.py`, ledger documents, members and GL accounts are named by their
numbers; QuickBooks objects by their QuickBooks ids (`customer_id`, `item_id`,
`account_id`), which are QuickBooks' own and safe to show. A refund has no
number of its own and is named `R` + its id, as the Transaction Status report shows it.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Literal

from memberbooks.api.schema import Alias, Money, Range
from memberbooks.api.shapes import MemberNumber, Paging
from memberbooks.exports.models import DocType, ExportStatus
from memberbooks.ledger import models as ledger
from memberbooks.mapping.models import CatalogKind

LinkState = Literal["linked", "unlinked"]
MappingState = Literal["unmapped", "mapped", "mismatch"]
Verdict = Literal["confident", "ambiguous", "weak", "none"]
GoNoGo = Literal["go", "no_go"]
DecisionFilter = Literal["go", "no_go", "undecided"]
QbId = Annotated[str, "A QuickBooks id (an Online Id), as QuickBooks shows it."]
TYPES_HELP = "Comma-separated document types: invoice, payment, credit_memo, refund (default all)."


# --- query strings ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MemberLinkQuery(Paging):
    state: Annotated[LinkState | None, "Only linked or only unlinked members."] = None


@dataclass(frozen=True, kw_only=True)
class SuggestionQuery:
    member: Annotated[
        MemberNumber | None,
        "One member (linked or not); default: every unlinked member with transactions.",
    ] = None


@dataclass(frozen=True, kw_only=True)
class CustomerQuery:
    search: Annotated[str, "Text in the customer's DisplayName, CompanyName or email."]
    limit: Annotated[int, Range(1, 100), "At most this many customers (default 25)."] = 25


@dataclass(frozen=True, kw_only=True)
class GLMappingQuery(Paging):
    state: Annotated[MappingState | None, "Only GL accounts in this mapping state."] = None


@dataclass(frozen=True, kw_only=True)
class CatalogQuery(Paging):
    kind: Annotated[CatalogKind | None, "Only items or only accounts."] = None


@dataclass(frozen=True, kw_only=True)
class TransactionFilters:
    type: Annotated[str, TYPES_HELP] = ""
    date_from: Annotated[dt.date | None, Alias("from"), "Dated on or after this day."] = None
    date_to: Annotated[dt.date | None, Alias("to"), "Dated on or before this day."] = None
    decision: Annotated[DecisionFilter | None, "Export decision."] = None
    status: Annotated[ExportStatus | None, "What the sync did with the document."] = None
    member: Annotated[MemberNumber | None, "Only this member's documents."] = None
    source: Annotated[ledger.InvoiceSource | None, "Invoices from this source only."] = None


@dataclass(frozen=True, kw_only=True)
class TransactionQuery(TransactionFilters):
    cursor: Annotated[
        str | None, "Where the page starts: the `cursor` of the previous page's `next` link."
    ] = None
    page_size: Annotated[int, Range(1, 200), "Rows per page (default 50, at most 200)."] = 50


@dataclass(frozen=True, kw_only=True)
class MassMarkQuery:
    date_from: Annotated[dt.date | None, Alias("from"), "First document date included."] = None
    date_to: Annotated[dt.date | None, Alias("to"), "Last document date included."] = None
    type: Annotated[str, TYPES_HELP] = ""


@dataclass(frozen=True, kw_only=True)
class CompareQuery:
    date: Annotated[dt.date, "As of this day (today or earlier)."]


# --- request bodies ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Confirm:
    """Nothing to add: send an empty JSON object, {}."""


@dataclass(frozen=True, kw_only=True)
class NewLink:
    customer_id: Annotated[QbId, "The QuickBooks customer to link (GET qb/customers/ finds it)."]


@dataclass(frozen=True, kw_only=True)
class ConfirmConfident:
    """Link every unlinked member whose best candidate is confident; ambiguous ones never."""

    members: Annotated[
        list[MemberNumber], "Only these members (default: every unlinked member)."
    ] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class NewMapping:
    """Exactly one: an item for income, deferred and expense GLs; an account for deposit and A/R."""

    item_id: QbId | None = None
    account_id: QbId | None = None


@dataclass(frozen=True, kw_only=True)
class NewDedicatedAr:
    """A QuickBooks A/R account for MMS invoices only; an active one of that name is reused."""

    name: Annotated[str, "The account's name in QuickBooks."] = "MMS Accounts Receivable"


@dataclass(frozen=True, kw_only=True)
class DocumentRef:
    type: DocType
    number: Annotated[str, "The document's number (a refund: R + its id, as listed)."]


@dataclass(frozen=True, kw_only=True)
class Marking:
    """Set go or no-go, with a reason, on the listed documents (all or none)."""

    documents: list[DocumentRef]
    decision: GoNoGo
    reason: Annotated[str, "Why; kept with each decision and in the audit log."]


@dataclass(frozen=True, kw_only=True)
class MassMarking:
    """Mark every document dated in the range (inclusive) as one batch that can be undone."""

    date_from: Annotated[dt.date | None, Alias("from"), "First document date included."] = None
    date_to: Annotated[dt.date | None, Alias("to"), "Last document date included."] = None
    types: Annotated[list[DocType], "Document types (default: all)."] = field(default_factory=list)
    decision: GoNoGo
    reason: str


@dataclass(frozen=True, kw_only=True)
class NewInSyncPoint:
    date: Annotated[dt.date, "Before it: no-go; on or after: go. Today or earlier."]


# --- responses: member links ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MemberLink:
    member_number: str
    name: str
    state: LinkState
    has_transactions: bool
    customer_id: str | None
    customer_name: str | None
    linked_by: str | None
    linked_at: dt.datetime | None


@dataclass(frozen=True, kw_only=True)
class Candidate:
    customer_id: str
    display_name: str
    score: int
    reasons: list[str]
    linked_to: Annotated[str | None, "Member number already linked to this customer."]
    active: bool


@dataclass(frozen=True, kw_only=True)
class MemberSuggestion:
    """confident: may be linked in bulk; ambiguous: choose by hand; weak: look; none: create."""

    member_number: str
    name: str
    verdict: Verdict
    note: str
    candidates: list[Candidate]


@dataclass(frozen=True, kw_only=True)
class Suggestions:
    results: list[MemberSuggestion]


@dataclass(frozen=True, kw_only=True)
class CustomerHit:
    customer_id: str
    display_name: str
    company_name: str
    email: str
    linked_to: Annotated[str | None, "Member number already linked to this customer."]


@dataclass(frozen=True, kw_only=True)
class CustomerHits:
    results: list[CustomerHit]


@dataclass(frozen=True, kw_only=True)
class Failure:
    member_number: str
    message: str


@dataclass(frozen=True, kw_only=True)
class BulkLinks:
    linked: list[MemberLink]
    not_confident: Annotated[int, "Members left for a person to decide."]
    failed: list[Failure]


# --- responses: GL mappings and the catalog ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GLMapping:
    gl_number: str
    gl_name: str
    gl_kind: ledger.GLAccountKind
    state: MappingState
    has_transactions: bool
    item_id: str | None
    item_name: str | None
    account_id: str | None
    account_name: str | None
    mismatch: Annotated[str, "Why the item's income account does not fit the GL (empty if fine)."]


@dataclass(frozen=True, kw_only=True)
class DedicatedAr:
    mapping: GLMapping
    created: Annotated[bool, "False: an existing A/R account of that name was chosen."]


@dataclass(frozen=True, kw_only=True)
class CatalogEntry:
    kind: CatalogKind
    qb_id: str
    name: str
    type: str
    subtype: str
    income_account_id: str
    active: bool
    fetched_at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class CatalogCounts:
    items: int
    accounts: int


# --- responses: export decisions --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Transaction:
    type: DocType
    number: str
    date: dt.date
    member_number: str
    amount: Money
    voided_on: dt.date | None
    source: str
    decision: DecisionFilter
    reason: str
    status: Annotated[str, "pending, exported, failed, changed; empty when undecided."]
    qb_id: str


@dataclass(frozen=True, kw_only=True)
class TransactionPage:
    """Newest first. Follow `next` (it carries a cursor) for the following page; null at the end."""

    results: list[Transaction]
    page_size: int
    next: str | None


@dataclass(frozen=True, kw_only=True)
class SummaryCell:
    type: DocType
    decision: DecisionFilter
    count: int
    total: Money


@dataclass(frozen=True, kw_only=True)
class Summary:
    results: list[SummaryCell]


@dataclass(frozen=True, kw_only=True)
class Marked:
    count: int


@dataclass(frozen=True, kw_only=True)
class TypeTotal:
    type: DocType
    count: int
    total: Money


@dataclass(frozen=True, kw_only=True)
class MassMarkPreview:
    count: int
    total: Money
    per_type: list[TypeTotal]


@dataclass(frozen=True, kw_only=True)
class Batch:
    id: int
    description: str
    decision: Annotated[str, "go or no_go; empty for an in-sync point (it sets both)."]
    reason: str
    count: int
    total: Money
    marked_by: str
    marked_at: dt.datetime
    undone_by: str
    undone_at: dt.datetime | None


# --- responses: AR and the in-sync point ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CustomerDifference:
    member_number: str
    customer_id: str
    mms: Money
    quickbooks: Money
    difference: Money


@dataclass(frozen=True, kw_only=True)
class ArComparison:
    """MMS AR (aging) beside QuickBooks' AgedReceivables; difference = MMS net - QuickBooks."""

    date: dt.date
    mms_ar_total: Money
    mms_ar_net: Annotated[Money, "MMS AR less unapplied payments and credits."]
    quickbooks_ar: Money
    difference: Money
    links_available: Annotated[bool, "False: no member is linked, so no per-customer figures."]
    customers: Annotated[list[CustomerDifference], "Linked members whose amounts differ."]


@dataclass(frozen=True, kw_only=True)
class InSyncPoint:
    id: int
    date: dt.date
    mms_ar_total: Money
    mms_ar_net: Money
    quickbooks_ar: Money
    customers: list[CustomerDifference]
    batch: Annotated[int | None, "The mark batch that set the decisions (undo it to reverse)."]
    count: Annotated[int, "Documents marked."]
    set_by: str
    set_at: dt.datetime
