"""Shapes of the sync API (see `sync_api.py`): the check's plan, runs, their progress and items.

The plan is the same as `memberbooks sync ORG --check --json` prints, with
`by_kind` naming every kind (zero when there is none) so the schema is fixed.
Documents are named as the check names them (`transaction`: "invoice INV-0001")
with their type and id; QuickBooks objects by their QuickBooks ids.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from memberbooks.api.schema import Money
from memberbooks.api.shapes import Paging
from memberbooks.sync.models import OutboxState, RunState

# --- queries and bodies -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RunItemQuery(Paging):
    state: Annotated[OutboxState | None, "Only items in this state (failed, held, ...)."] = None


@dataclass(frozen=True, kw_only=True)
class StartSync:
    """Start a sync, or join the one running. `seen_run` makes a repeated request safe."""

    seen_run: Annotated[
        int | None,
        "The newest run id you knew of when you decided to sync (0: none). If a newer run "
        "exists, it is returned instead of starting another, so a retried or doubled request "
        "never starts a second sync.",
    ] = None


# --- the check --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class KindTotal:
    count: int
    total: Money


@dataclass(frozen=True, kw_only=True)
class ByKind:
    """Count and total per kind of write, in the order they are sent."""

    customer: KindTotal
    invoice: KindTotal
    credit_memo: KindTotal
    payment: KindTotal
    application: Annotated[KindTotal, "Credit memos applied to invoices."]
    refund: KindTotal
    void: KindTotal
    update: KindTotal


@dataclass(frozen=True, kw_only=True)
class CheckProblem:
    transaction: Annotated[str, 'The document as the bookkeeper knows it ("invoice INV-0001").']
    type: str
    id: int
    code: Annotated[
        str,
        "member_not_linked, customer_inactive, gl_not_mapped, books_closed, amounts_disagree, "
        "doc_number_too_long, doc_number_taken, depends_on_unexported, or held.",
    ]
    message: str
    fix: str
    fix_url: Annotated[str, "The page that fixes it (empty when none does)."]


@dataclass(frozen=True, kw_only=True)
class ErrorCount:
    code: str
    count: int


@dataclass(frozen=True, kw_only=True)
class ReviewItem:
    kind: Annotated[str, "void or update (a correction), or refund."]
    transaction: str
    type: str
    id: int
    date: dt.date
    member_number: str
    amount: Money
    qb_id: str | None


@dataclass(frozen=True, kw_only=True)
class SyncCheck:
    """What a sync would send now, and what is wrong; nothing was sent or written."""

    items: Annotated[int, "Writes that can go."]
    total: Annotated[Money, "Their total amount."]
    by_kind: ByKind
    errors: list[CheckProblem]
    error_counts: list[ErrorCount]
    held: Annotated[list[CheckProblem], "Items that depend on one with an error."]
    review: Annotated[list[ReviewItem], "Corrections and refunds listed for review, not sent."]
    undecided: Annotated[int, "Transactions with no export decision: never sent."]
    insync_date: dt.date | None


# --- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RunProgress:
    done: Annotated[int, "Items confirmed or failed so far."]
    total: Annotated[int, "Items planned."]
    failed: int
    held: int
    percent: int
    rate_per_s: Annotated[str, 'Items per second since the push started, e.g. "12.50".']
    eta_s: Annotated[int | None, "Seconds left at that rate; null when finished or unknown."]


@dataclass(frozen=True, kw_only=True)
class RetryCount:
    code: Annotated[str, "The QuickBooks fault that caused retries (429, 500, timeout, ...)."]
    count: int


@dataclass(frozen=True, kw_only=True)
class SyncRun:
    """One sync: who started it, its progress while it works, then its outcome."""

    id: int
    state: RunState
    phase: str
    started_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    planned: int
    confirmed: int
    failed: int
    held: Annotated[int, "Items held or with errors in the check, and held during the push."]
    by_kind: ByKind
    duration_ms: Annotated[int | None, "From start to finish; null until finished."]
    retries: list[RetryCount]
    note: str
    progress: RunProgress
    url: Annotated[str, "This run in the API: poll it until `state` is done or failed."]
    items_url: Annotated[str, "Its items in the API."]
    page_url: Annotated[str, "Its progress and results page."]


@dataclass(frozen=True, kw_only=True)
class SyncRunItem:
    """One write of a run and what became of it: the QuickBooks id, or the error and its fix."""

    id: int
    kind: Annotated[
        str, "customer, invoice, credit_memo, payment, application, refund, void, update."
    ]
    operation: Annotated[str, "create, void or update."]
    type: Annotated[str, "The MMS document type (customer: a member)."]
    doc_id: int
    number: Annotated[str, "The document's number (a member's number for a customer)."]
    member_number: str
    state: OutboxState
    qb_entity: str
    qb_id: str | None
    error_code: str
    message: str
    fix: str
    attempts: int
