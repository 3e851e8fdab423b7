"""Carry out a checked plan through the ledger actions, all in one transaction.

Nothing here writes a row itself: GL accounts go through `create_gl_account`
one by one; members, invoices and payments through the batch actions
`create_members`, `post_invoices` and `record_payments`, a thousand or so at a time. If an action still refuses
something the checks let through (another clerk took the number a moment ago),
the whole import is rolled back and the refusal is reported on the rows of the
document that was being written.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import DatabaseError, transaction

from memberbooks.imports.lookups import chunks
from memberbooks.imports.plans import InvoicePlan, PaymentPlan, Plan, RowsPlan, span
from memberbooks.imports.schema import GLAccountRow, MemberRow
from memberbooks.ledger import actions
from memberbooks.ledger.drafts import (
    ApplicationDraft,
    InvoiceDraft,
    LineDraft,
    MemberDraft,
    PaymentDraft,
)
from memberbooks.ledger.errors import LedgerError
from memberbooks.tenancy.access import Actor

INVOICES_PER_BATCH = 1000
PAYMENTS_PER_BATCH = 1000
MEMBERS_PER_BATCH = 2000


class WriteFailed(Exception):
    """An action refused part of a checked plan; nothing was written."""

    def __init__(self, row: int, column: str, message: str) -> None:
        super().__init__(message)
        self.row, self.column, self.message = row, column, message


@dataclass
class Step:
    """One action call, with the rows it came from for the error report."""

    first_row: int
    last_row: int
    call: Callable[[], object]


def write(actor: Actor, plan: Plan, progress: Callable[[int], None] | None = None) -> None:
    """Write the whole plan or, raising WriteFailed, nothing.

    `progress(last_row_written)` is told after each batch.
    """
    step: Step | None = None
    try:
        with transaction.atomic():
            for step in _steps(actor, plan):
                step.call()
                if progress:
                    progress(step.last_row - 1)
    except LedgerError as exc:
        assert step is not None
        raise _failed(step, exc.field or "", str(exc)) from exc
    except DatabaseError as exc:
        if step is None:
            raise
        raise _failed(step, "", f"The database refused it ({exc}).") from exc


def _failed(step: Step, column: str, reason: str) -> WriteFailed:
    return WriteFailed(
        step.first_row,
        column,
        f"Writing {span(step.first_row, step.last_row)} was refused: {reason} Nothing was imported; fix the file and import it again.",
    )


def _steps(actor: Actor, plan: Plan) -> Iterator[Step]:
    if isinstance(plan, InvoicePlan):
        yield from _invoice_steps(actor, plan)
    elif isinstance(plan, PaymentPlan):
        yield from _payment_steps(actor, plan)
    else:
        yield from _row_steps(actor, plan)


def _row_steps(actor: Actor, plan: RowsPlan[GLAccountRow] | RowsPlan[MemberRow]) -> Iterator[Step]:
    members: list[MemberRow] = []
    for row in plan.rows:
        if isinstance(row, GLAccountRow):
            yield Step(row.row, row.row, _gl_account(actor, row))
        else:
            members.append(row)
    for batch in chunks(members, MEMBERS_PER_BATCH):
        yield Step(batch[0].row, batch[-1].row, _members(actor, batch))


def _gl_account(actor: Actor, row: GLAccountRow) -> Callable[[], object]:
    return lambda: actions.create_gl_account(actor, row.number, row.name, row.kind)


def _members(actor: Actor, rows: list[MemberRow]) -> Callable[[], object]:
    drafts = [MemberDraft(row.member_number, row.values) for row in rows]
    return lambda: actions.create_members(actor, drafts)


def _invoice_steps(actor: Actor, plan: InvoicePlan) -> Iterator[Step]:
    for batch in chunks(plan.groups, INVOICES_PER_BATCH):
        drafts = [
            InvoiceDraft(
                member=plan.members[group.member_number],
                date=group.date,
                due_date=group.due_date,
                number=group.number,
                source=group.source,
                lines=[
                    LineDraft(
                        gl_account=plan.accounts[line.gl_account],
                        unit_price=line.unit_price,
                        quantity=line.quantity,
                        description=line.description,
                    )
                    for line in group.lines
                ],
            )
            for group in batch
        ]
        yield Step(batch[0].first_row, batch[-1].last_row, _post(actor, drafts))


def _post(actor: Actor, drafts: list[InvoiceDraft]) -> Callable[[], object]:
    return lambda: actions.post_invoices(actor, drafts)


def _payment_steps(actor: Actor, plan: PaymentPlan) -> Iterator[Step]:
    for batch in chunks(plan.groups, PAYMENTS_PER_BATCH):
        drafts = [
            PaymentDraft(
                member=plan.members[group.member_number],
                date=group.date,
                amount=group.amount,
                deposit_account=plan.accounts[group.deposit_account],
                method=group.method,
                reference=group.reference,
                number=group.ref,
                applications=[
                    ApplicationDraft(invoice=plan.invoices[app.invoice_number], amount=app.amount)
                    for app in group.applications
                ],
            )
            for group in batch
        ]
        yield Step(batch[0].first_row, batch[-1].last_row, _record(actor, drafts))


def _record(actor: Actor, drafts: list[PaymentDraft]) -> Callable[[], object]:
    return lambda: actions.record_payments(actor, drafts)
