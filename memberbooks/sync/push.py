"""Stage 2, the push: send the checked items to QuickBooks, exactly once, as fast as allowed.

    push(actor) -> SyncRun
      take the lease (one sync per organisation) ........ lease.py
      check again (the books may have moved) ............ check.py
      create missing customers (when allowed)
      queue the outbox rows, committed before sending ... outbox.py
      resolve rows a crash left `sent` .................. resend with their own request id
      per phase: documents, then payments and credit
      applications, then voids: batches of 30 sent by
      a few threads within the company's limits, and
      single writes off the phase's tail in the request
      budget batches cannot use ......................... the client's RateLimiter
      record every outcome (outbox, export decision, run counters)

Worker threads only talk HTTP; this thread does every database write, so a
batch's rows are marked `sent` (and committed) before its request leaves, and
its outcomes are written when its answer comes back. A crash in between leaves
them `sent`; the next run resends the same batch under the same request id, and
QuickBooks answers with what it did the first time instead of doing it again.

**Singles.** QuickBooks allows 40 batches but 500 requests a minute, so once a
push has more batches than one minute's allowance, a few more threads send
single writes taken off the end of the phase (the limiter's *spare* budget: what
the batches cannot use). A single is a batch of one with the key `one:<request
id>`; it is marked `sent` the same way, and resent alone under the same key:
its requestid derives from the request's entity and operation as well as the key,
so inside a batch it would carry another requestid, which QuickBooks would not
recognise as the write it already made.
"""

import datetime as dt
import hashlib
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from memberbooks.exports import actions as exports
from memberbooks.exports.bulk import set_fields
from memberbooks.exports.models import DocType, ExportDecision, ExportStatus
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.models import (
    Application,
    CreditMemo,
    CreditMemoLine,
    DocumentLine,
    Invoice,
    InvoiceLine,
    Member,
    Payment,
    Refund,
)
from memberbooks.ledger.money import ZERO
from memberbooks.mapping import actions as mapping
from memberbooks.quickbooks.online.client import BatchItem, BatchResult, QboClient
from memberbooks.quickbooks.online.errors import QboError, TerminalQboError, advice_for
from memberbooks.quickbooks.online.wire import JsonDict
from memberbooks.sync import bodies, lease, outbox
from memberbooks.sync.check import check
from memberbooks.sync.documents import Doc
from memberbooks.sync.models import OutboxItem, OutboxState, RunState, SyncRun
from memberbooks.sync.plan import Item, Plan, load_links, load_mappings, receivable_gl
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

BATCH = 30
WORKERS = 4  # batches in flight
SINGLES = 4  # single writes in flight besides them (see "Singles" above)
SINGLE_PREFIX = "one:"
PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("documents", ("invoice", "credit_memo")),
    ("payments", ("payment", "application")),
    ("refunds", ("refund",)),
    ("corrections", ("void", "update")),
]
RESEND_ROUNDS = 5


class SyncBusy(LedgerError):
    """Another sync of this organisation is running; `run` is the one to follow."""

    code = "sync_running"

    def __init__(self, run: SyncRun | None) -> None:
        self.run = run
        super().__init__(
            "A sync of this organisation is already running.",
            fix=f"Follow sync {run.pk} until it finishes."
            if run
            else "Wait a minute and try again.",
        )


@dataclass
class Work:
    """One batch (or single write) on its way: its rows, what to send, and the threads' answer."""

    rows: list[OutboxItem]
    items: list[BatchItem]
    key: str
    future: "Future[list[BatchResult]] | None" = None

    @property
    def single(self) -> bool:
        """Sent (and so resent) as a request of its own, not as a batch."""
        return self.key.startswith(SINGLE_PREFIX)


def single_key(row: OutboxItem) -> str:
    return SINGLE_PREFIX + row.request_id


@dataclass
class Pusher:
    """One push of one organisation: the run, the client and what the phases have learnt."""

    actor: Actor
    run: SyncRun
    holder: str
    client: QboClient
    refs: bodies.Refs
    workers: int = WORKERS
    singles: int = SINGLES
    batches_sent: int = 0
    items: dict[tuple[str, int, str], Item] = field(default_factory=dict)
    stale: set[tuple[str, int]] = field(default_factory=set)  # read the SyncToken afresh
    confirmed: int = 0
    failed: int = 0
    held: int = 0

    @property
    def org(self) -> Organisation:
        return self.actor.organisation


def push(
    actor: Actor,
    *,
    run: SyncRun | None = None,
    holder: str | None = None,
    workers: int = WORKERS,
    singles: int = SINGLES,
) -> SyncRun:
    """Run a sync now, in this process; SyncBusy if one is already running.

    `run` is the queued run a background job was given (runs.start); without
    one a new run is recorded. `workers` batches and `singles` single writes are
    kept in flight.
    """
    actor.require(Role.BOOKKEEPER)
    org = actor.organisation
    holder = holder or lease.new_holder()
    if not lease.acquire(org, holder):
        raise SyncBusy(lease.running(org))
    try:
        with mapping.qb_client(org) as client:
            return _push(actor, holder, client, (workers, singles), run)
    except LedgerError as error:
        if run is not None:
            _stopped(run, f"{error.message} {error.fix or ''}".strip())
        raise
    except outbox.KeyConflict as error:
        if run is not None:  # a bug caught before it could write twice: stop, say so
            _stopped(run, f"Stopped before sending anything twice ({error}). Report this.")
        raise
    finally:
        lease.release(org, holder)


def _stopped(run: SyncRun, why: str) -> None:
    SyncRun.objects.filter(pk=run.pk).update(
        state=RunState.FAILED, finished_at=timezone.now(), phase="stopped", note=why
    )


def _push(
    actor: Actor,
    holder: str,
    client: QboClient,
    threads: tuple[int, int],
    queued: SyncRun | None,
) -> SyncRun:
    org = actor.organisation
    plan = check(actor)
    run = _start(actor, plan, queued)
    lease.attach(org, holder, run)
    workers, singles = threads
    pusher = Pusher(
        actor,
        run,
        holder,
        client,
        _refs(org),
        workers=max(1, workers),
        singles=max(0, singles),
        held=len(plan.held) + len(plan.errors),
    )
    _create_customers(pusher, plan)
    exports.decide_after_point(
        org,
        [
            i.doc.key
            for i in plan.items
            if i.operation in ("create", "adopt") and i.kind != "customer" and not i.doc.decision
        ],
    )
    wanted = [i for i in plan.items if i.kind != "customer"]
    rows = outbox.queue(run, wanted)
    pusher.items = {_row_key(row): item for row, item in rows}
    _take_over_orphans(pusher)
    _adopt(pusher, _adoptable(pusher, [row for row, _ in rows]))
    threads_in_all = pusher.workers + pusher.singles
    with ThreadPoolExecutor(max_workers=threads_in_all, thread_name_prefix="qbo-push") as pool:
        _resend_unknown(pusher, pool)
        for phase, kinds in PHASES:
            _phase(pusher, pool, phase, kinds)
        _resend_unknown(pusher, pool)
    return _finish(pusher)


def _row_key(row: OutboxItem) -> tuple[str, int, str]:
    return (row.doc_type, row.doc_id, row.operation)


ORPHAN_KINDS = {"void": "void", "update": "update"}


def _take_over_orphans(pusher: Pusher) -> None:
    """Second halves a stopped run left behind: a void after its create, a credit memo's
    application, a refunded payment's relink. Their document is exported now, so the check
    does not plan them again; this run sends them. (Creates are never taken over this way:
    a document still to create is in the plan, or has since been marked do-not-export.)"""
    left = OutboxItem.objects.filter(
        organisation=pusher.org, state__in=[OutboxState.PENDING, OutboxState.HELD]
    )  # this run's own too: a re-queued run takes over what it left itself
    for row in left:
        key = _row_key(row)
        if key in pusher.items:
            continue
        if row.operation == "create" and row.doc_type != "credit_application":
            continue
        kind = "application" if row.operation == "create" else ORPHAN_KINDS[row.operation]
        doc_type = DocType.CREDIT_MEMO if row.doc_type == "credit_application" else row.doc_type
        doc = Doc(doc_type, row.doc_id, "", pusher.run.created_at.date(), 0, "", ZERO, None, "", "")
        if row.state == OutboxState.HELD:
            outbox.retake(row)
        row.run = pusher.run
        row.save(update_fields=["run"])
        pusher.items[key] = Item(kind, row.operation, doc)


def _is_adopt(pusher: Pusher, row: OutboxItem) -> bool:
    """The check found this document in QuickBooks with our marker: it is there already,
    whether the row is pending (a crash before we recorded the answer) or sent."""
    item = pusher.items.get(_row_key(row))
    return (
        item is not None
        and item.operation == "adopt"
        and row.state in (OutboxState.PENDING, OutboxState.SENT)
    )


def _start(actor: Actor, plan: Plan, queued: SyncRun | None) -> SyncRun:
    """The run, now pushing, with the plan's figures (a queued run is taken over)."""
    now = timezone.now()
    run = queued or SyncRun(
        organisation=actor.organisation, started_by=actor.username, created_at=now
    )
    run.started_at, run.state, run.phase = now, RunState.PUSHING, "starting"
    run.planned = len(plan.items)
    run.held = len(plan.held) + len(plan.errors)
    run.by_kind = {
        k: {"count": c["count"], "total": str(c["total"])} for k, c in plan.by_kind.items()
    }
    run.save()
    return run


def _refs(org: Organisation) -> bodies.Refs:
    ar = receivable_gl(org)
    mappings = load_mappings(org)
    ar_mapping = mappings.get(ar.pk) if ar else None
    return bodies.Refs(
        org_slug=org.slug,
        customers=load_links(org),
        mappings=mappings,
        ar_account=ar_mapping.qb_account_id if ar_mapping else "",
    )


def _create_customers(pusher: Pusher, plan: Plan) -> None:
    """Customers first, one by one (few, and each may need a unique name)."""
    for item in (i for i in plan.items if i.kind == "customer"):
        member = Member.objects.get(pk=item.doc.doc_id, organisation=pusher.org)
        try:
            link = mapping.create_customer_for(pusher.actor, member)
        except LedgerError:
            pusher.failed += 1  # its documents find no customer below and are held, saying why
            continue
        pusher.refs.customers[member.pk] = link.qb_id
        pusher.confirmed += 1
    SyncRun.objects.filter(pk=pusher.run.pk).update(
        confirmed=pusher.confirmed, failed=pusher.failed
    )


def _adoptable(pusher: Pusher, rows: list[OutboxItem]) -> list[OutboxItem]:
    """Rows to confirm without sending: pending ones the check found in QuickBooks, and
    sent batches it found there whole.

    A sent batch found only in part is resent whole under its own id instead:
    QuickBooks replays its first answer for every row, including those no marker
    can find (credit applications). Resending only the rest under a new id would
    write them a second time.
    """
    found = [row for row in rows if _is_adopt(pusher, row)]
    sent = Counter(row.batch_key for row in found if row.state == OutboxState.SENT)
    whole = {
        key
        for key, count in sent.items()
        if OutboxItem.objects.filter(organisation=pusher.org, batch_key=key).count() == count
    }
    return [row for row in found if row.state == OutboxState.PENDING or row.batch_key in whole]


@transaction.atomic  # all or none: a crash must not leave a sent batch adopted in part
def _adopt(pusher: Pusher, rows: list[OutboxItem]) -> None:
    """Documents QuickBooks already has with our marker: confirm without sending."""
    for row in rows:
        item = pusher.items[_row_key(row)]
        _confirm(pusher, [(row, item.qb_id)])


# --- phases ---------------------------------------------------------------------------------


def _phase(pusher: Pusher, pool: ThreadPoolExecutor, phase: str, kinds: tuple[str, ...]) -> None:
    SyncRun.objects.filter(pk=pusher.run.pk).update(phase=phase)
    _load_exported(pusher)
    rows = [
        row
        for row in OutboxItem.objects.filter(run=pusher.run, state=OutboxState.PENDING).order_by(
            "pk"
        )
        if pusher.items.get(_row_key(row)) is not None and pusher.items[_row_key(row)].kind in kinds
    ]
    works = list(_works(pusher, rows))
    _send_all(pusher, pool, works)
    if phase == "corrections":
        _retry_stale(pusher, pool)


def _retry_stale(pusher: Pusher, pool: ThreadPoolExecutor) -> None:
    """Corrections QuickBooks refused for a stale SyncToken (5010): read the token, try again.

    Someone edited the document in QuickBooks since memberbooks last wrote it. The
    refusal wrote nothing, so a new generation (a new request id) is safe.
    """
    for _ in range(2):
        stale = list(
            OutboxItem.objects.filter(
                run=pusher.run, state=OutboxState.FAILED, error_code="5010"
            ).order_by("pk")
        )
        if not stale:
            return
        for row in stale:
            pusher.stale.add((row.doc_type, row.doc_id))
            outbox.retake(row)
        pusher.failed -= len(stale)
        SyncRun.objects.filter(pk=pusher.run.pk).update(failed=pusher.failed)
        _load_exported(pusher)
        _send_all(pusher, pool, list(_works(pusher, stale)))


def _load_exported(pusher: Pusher) -> None:
    """QuickBooks ids of every exported document (earlier runs and this one's phases so far)."""
    rows = ExportDecision.objects.filter(
        organisation=pusher.org, status__in=[ExportStatus.EXPORTED, ExportStatus.CHANGED]
    ).exclude(qb_id="")
    pusher.refs.exported = {
        (doc_type, doc_id): qb_id
        for doc_type, doc_id, qb_id in rows.values_list("doc_type", "doc_id", "qb_id")
    }
    applications = OutboxItem.objects.filter(
        organisation=pusher.org,
        doc_type="credit_application",
        operation="create",
        state=OutboxState.CONFIRMED,
    )
    pusher.refs.exported.update(
        (("credit_application", doc_id), qb_id)
        for doc_id, qb_id in applications.values_list("doc_id", "qb_id")
    )


def _works(pusher: Pusher, rows: list[OutboxItem]) -> Iterator[Work]:
    """Batches of up to 30 ready rows; rows whose prerequisites are missing are held."""
    ready: list[tuple[OutboxItem, BatchItem]] = []
    for chunk_start in range(0, len(rows), 500):
        chunk = rows[chunk_start : chunk_start + 500]
        for row, built in zip(chunk, _build(pusher, chunk), strict=True):
            if isinstance(built, str):
                _hold(pusher, row, built)
            else:
                ready.append((row, built))
        while len(ready) >= BATCH:
            yield _work(ready[:BATCH])
            ready = ready[BATCH:]
    if ready:
        yield _work(ready)


def _work(pairs: list[tuple[OutboxItem, BatchItem]]) -> Work:
    rows = [row for row, _ in pairs]
    key = hashlib.sha256("|".join(sorted(r.request_id for r in rows)).encode()).hexdigest()[:40]
    return Work(rows, [item for _, item in pairs], key)


# --- bodies ---------------------------------------------------------------------------------


def _build(pusher: Pusher, rows: Sequence[OutboxItem]) -> list[BatchItem | str]:
    """The batch item of each row, or why it cannot be built (a missing prerequisite)."""
    ids = {t: [r.doc_id for r in rows if r.doc_type == t] for t in {r.doc_type for r in rows}}
    invoices = Invoice.objects.in_bulk(ids.get(DocType.INVOICE, []))
    memo_ids = ids.get(DocType.CREDIT_MEMO, []) + ids.get("credit_application", [])
    memos = CreditMemo.objects.in_bulk(memo_ids)
    payments = Payment.objects.in_bulk(ids.get(DocType.PAYMENT, []))
    lines = _lines(invoices, memos)
    applied = _applied(ids.get(DocType.PAYMENT, []), memo_ids)
    tokens = _known_tokens(pusher, [r for r in rows if r.operation in ("void", "update")])
    refunds = Refund.objects.in_bulk(ids.get(DocType.REFUND, []))
    cheques = _cheques(pusher, ids.get(DocType.PAYMENT, []), memo_ids)
    docs = Docs(invoices, memos, payments, lines, applied, tokens, refunds, cheques)
    out: list[BatchItem | str] = []
    for row in rows:
        try:
            out.append(_batch_item(pusher, row, docs))
        except KeyError as missing:
            out.append(_missing(pusher, row, missing))
    return out


@dataclass(frozen=True)
class Docs:
    """What one chunk of rows needs from the database to build its bodies."""

    invoices: dict[int, Invoice]
    memos: dict[int, CreditMemo]
    payments: dict[int, Payment]
    lines: dict[tuple[str, int], list[DocumentLine]]
    applied: dict[tuple[str, int], list[tuple[int, object]]]
    tokens: dict[tuple[str, int], str]
    refunds: dict[int, Refund]
    cheques: dict[tuple[str, int], list[tuple[str, object]]]


def _cheques(
    pusher: Pusher, payment_ids: list[int], memo_ids: list[int]
) -> dict[tuple[str, int], list[tuple[str, object]]]:
    """Refund cheques already in QuickBooks, per refunded payment or credit memo."""
    found: dict[tuple[str, int], list[tuple[str, object]]] = {}
    refunds = Refund.objects.filter(
        Q(payment_id__in=payment_ids) | Q(credit_memo_id__in=memo_ids)
    ).order_by("pk")
    for pk, payment_id, memo_id, amount in refunds.values_list(
        "pk", "payment_id", "credit_memo_id", "amount"
    ):
        qb_id = pusher.refs.exported.get((DocType.REFUND, pk))
        if qb_id is None:
            continue  # not sent yet: linked by the update that follows its cheque
        source = (DocType.PAYMENT, payment_id) if payment_id else (DocType.CREDIT_MEMO, memo_id)
        found.setdefault(source, []).append((qb_id, amount))
    return found


def _known_tokens(pusher: Pusher, rows: list[OutboxItem]) -> dict[tuple[str, int], str]:
    """The SyncToken of QuickBooks' last answer to memberbooks, per document.

    Sending it (instead of reading the document first) saves a request per
    correction; if someone edited the document in QuickBooks since, QuickBooks
    refuses with 5010 and `_retry_stale` reads the token and tries again.
    """
    keys = {(r.doc_type, r.doc_id) for r in rows}
    found: dict[tuple[str, int], str] = {}
    ids = sorted({k[1] for k in keys})
    for start in range(0, len(ids), 900):
        answered = OutboxItem.objects.filter(
            organisation=pusher.org,
            doc_id__in=ids[start : start + 900],
            state=OutboxState.CONFIRMED,
        ).exclude(sync_token="")
        for doc_type, doc_id, token in answered.order_by("pk").values_list(
            "doc_type", "doc_id", "sync_token"
        ):
            if (doc_type, doc_id) in keys:
                found[(doc_type, doc_id)] = token
    return found


def _lines(
    invoice_ids: Iterable[int], memo_ids: Iterable[int]
) -> dict[tuple[str, int], list[DocumentLine]]:
    """The lines of each invoice and credit memo, in their order (empty list if none)."""
    found: dict[tuple[str, int], list[DocumentLine]] = {}
    found.update(((DocType.INVOICE, pk), []) for pk in invoice_ids)
    found.update(((DocType.CREDIT_MEMO, pk), []) for pk in memo_ids)
    invoice_lines = InvoiceLine.objects.filter(
        invoice_id__in=[pk for t, pk in found if t == DocType.INVOICE]
    )
    for line in invoice_lines.order_by("position", "pk"):
        found[(DocType.INVOICE, line.invoice_id)].append(line)
    memo_lines = CreditMemoLine.objects.filter(
        credit_memo_id__in=[pk for t, pk in found if t == DocType.CREDIT_MEMO]
    )
    for memo_line in memo_lines.order_by("position", "pk"):
        found[(DocType.CREDIT_MEMO, memo_line.credit_memo_id)].append(memo_line)
    return found


def _applied(
    payment_ids: list[int], memo_ids: list[int]
) -> dict[tuple[str, int], list[tuple[int, object]]]:
    found: dict[tuple[str, int], list[tuple[int, object]]] = {}
    live = Application.objects.filter(unapplied_on__isnull=True).order_by("pk")
    for pid, invoice_id, amount in live.filter(payment_id__in=payment_ids).values_list(
        "payment_id", "invoice_id", "amount"
    ):
        found.setdefault((DocType.PAYMENT, pid), []).append((invoice_id, amount))
    for mid, invoice_id, amount in live.filter(credit_memo_id__in=memo_ids).values_list(
        "credit_memo_id", "invoice_id", "amount"
    ):
        found.setdefault((DocType.CREDIT_MEMO, mid), []).append((invoice_id, amount))
    return found


def _batch_item(pusher: Pusher, row: OutboxItem, docs: Docs) -> BatchItem:
    if row.operation in ("void", "update"):
        return _correction(pusher, row, docs)
    return BatchItem(operation="create", entity=row.qb_entity, body=_body(pusher, row, docs))


def _body(pusher: Pusher, row: OutboxItem, docs: Docs) -> JsonDict:
    """The document as it is now in the MMS, as QuickBooks JSON."""
    refs = pusher.refs
    if row.doc_type == DocType.INVOICE:
        doc = docs.invoices[row.doc_id]
        return bodies.invoice(doc, docs.lines[(DocType.INVOICE, doc.pk)], refs)
    if row.doc_type == DocType.CREDIT_MEMO:
        memo = docs.memos[row.doc_id]
        return bodies.credit_memo(memo, docs.lines[(DocType.CREDIT_MEMO, memo.pk)], refs)
    if row.doc_type == DocType.PAYMENT:
        paid = docs.payments[row.doc_id]
        key = (DocType.PAYMENT, paid.pk)
        return bodies.payment(paid, docs.applied.get(key, []), refs, docs.cheques.get(key, []))
    if row.doc_type == DocType.REFUND:
        return bodies.refund(docs.refunds[row.doc_id], refs, _ar_account(pusher))
    memo = docs.memos[row.doc_id]  # credit_application
    key = (DocType.CREDIT_MEMO, memo.pk)
    return bodies.credit_application(
        memo, docs.applied.get(key, []), refs, docs.cheques.get(key, [])
    )


def _ar_account(pusher: Pusher) -> str:
    """The A/R account refund cheques post to: the receivable GL's, else QuickBooks' first."""
    if not pusher.refs.ar_account:
        found = pusher.client.query_all("Account", {"AccountType": "Accounts Receivable"})
        pusher.refs.ar_account = str(next(iter(found))["Id"])
    return pusher.refs.ar_account


def _correction(pusher: Pusher, row: OutboxItem, docs: Docs) -> BatchItem:
    """A void, or a sparse update to the document as it is now, with the last known SyncToken."""
    key = (row.doc_type, row.doc_id)
    qb_id = pusher.refs.exported[key]
    token = docs.tokens.get(key)
    if token is None or key in pusher.stale:
        token = _token(pusher, row.qb_entity, qb_id)
    head: JsonDict = {"Id": qb_id, "SyncToken": token, "sparse": True}
    if row.operation == "update":
        body = {**_body(pusher, row, docs), **head}
        return BatchItem(operation="update", entity=row.qb_entity, body=body)
    if row.qb_entity == "Invoice":
        return BatchItem(operation="void", entity="Invoice", body={"Id": qb_id, "SyncToken": token})
    return BatchItem(operation="update", entity=row.qb_entity, body=head, options="void")


def _token(pusher: Pusher, entity: str, qb_id: str) -> str:
    """The current SyncToken (read now: the document may have been edited in QuickBooks)."""
    return str(pusher.client.read(entity, qb_id).get("SyncToken", "0"))


def _missing(pusher: Pusher, row: OutboxItem, missing: KeyError) -> str:
    what = missing.args[0] if missing.args else "?"
    if isinstance(what, tuple) and len(what) == 2:
        return f"Held because {str(what[0]).replace('_', ' ')} id {what[1]} is not in QuickBooks (it failed or was held)."
    if isinstance(what, int):
        return "Held because the member has no QuickBooks customer (creating it failed)."
    return f"Held: {what} is missing."


# --- sending --------------------------------------------------------------------------------


def _send_all(
    pusher: Pusher, pool: ThreadPoolExecutor, works: list[Work], *, resend: bool = False
) -> None:
    """Keep `workers` batches in flight from the front, and (when the batch budget will
    bind) `singles` single writes taken off the back; record each answer as it comes.

    `resend`: the works went out before under their keys and must go again exactly
    as they are (a part under a new key could be written twice), so none is split.
    """
    pending = deque(works)
    flying: list[Work] = []
    spare = not resend and _spare_room(pusher, len(works))
    while pending or flying:
        while (
            pending
            and _has_room(pusher, flying, pending[0])
            and (not spare or _batch_may_go(pusher))
        ):
            _launch(pusher, pool, pending.popleft(), flying)
        while spare and pending and sum(w.single for w in flying) < pusher.singles:
            _launch(pusher, pool, _split_last(pending), flying)
        done = _first_done(flying)
        flying.remove(done)
        _record(pusher, done)


def _has_room(pusher: Pusher, flying: list[Work], work: Work) -> bool:
    """Is a thread of its kind free? (Singles come in here only as resends.)"""
    alike = sum(w.single == work.single for w in flying)
    return alike < (max(1, pusher.singles) if work.single else pusher.workers)


def _spare_room(pusher: Pusher, batches: int) -> bool:
    """Are singles worth sending? Only when this push needs more batches than one minute
    allows (a small push goes out whole in its first minute) and the limiter leaves
    a spare budget for them."""
    limiter = pusher.client.limiter
    if pusher.singles == 0 or limiter is None:
        return False
    limits = limiter.limits
    return (
        limits.spare_requests_per_minute > 0
        and pusher.batches_sent + batches > limits.batch_per_minute
    )


def _batch_may_go(pusher: Pusher) -> bool:
    """Would a batch get its slot now? While it would wait, its rows stay free for singles."""
    limiter = pusher.client.limiter
    return limiter is None or limiter.would_wait(pusher.client.realm, batch=True) <= 0


def _split_last(pending: "deque[Work]") -> Work:
    """The last row of the last batch, as a single; the batch keeps the rest (and a new key)."""
    last = pending.pop()
    row, item = last.rows[-1], last.items[-1]
    if len(last.rows) > 1:
        pending.append(_work(list(zip(last.rows[:-1], last.items[:-1], strict=True))))
    return Work([row], [item], single_key(row))


def _launch(pusher: Pusher, pool: ThreadPoolExecutor, work: Work, flying: list[Work]) -> None:
    """Mark the rows sent (committed), then hand the request to a thread."""
    lease.renew(pusher.org, pusher.holder)
    outbox.mark_sent(work.rows, work.key)
    if work.single:
        work.future = pool.submit(_call_single, pusher.client, work.items[0], work.key)
    else:
        pusher.batches_sent += 1
        work.future = pool.submit(_call, pusher.client.batch, work.items, work.key)
    flying.append(work)


def _call(
    batch: Callable[..., list[BatchResult]], items: list[BatchItem], key: str
) -> list[BatchResult]:
    """In a worker thread: HTTP only (a token refresh may touch the database: close after)."""
    try:
        return batch(items, idempotency_key=key)
    finally:
        connections.close_all()


def _call_single(client: QboClient, item: BatchItem, key: str) -> list[BatchResult]:
    """In a worker thread: one write alone, in the spare budget; answered as a batch of one."""
    try:
        data = client.send(item, idempotency_key=key, spare=True)
        return [BatchResult("b0", item.entity, data, None)]
    finally:
        connections.close_all()


def _first_done(flying: list[Work]) -> Work:
    while True:
        for work in flying:
            assert work.future is not None
            if work.future.done():
                return work
        time.sleep(0.002)


def _record(pusher: Pusher, work: Work) -> None:
    assert work.future is not None
    try:
        results = work.future.result()
    except TerminalQboError as error:
        _fail(
            pusher,
            [(row, error.code, error.message_for_bookkeeper, error.fix) for row in work.rows],
        )
        return
    except QboError:
        return  # outcome unknown: the rows stay `sent` and are resent under the same id
    if len(results) != len(work.rows):
        return  # not this batch's answer: leave the rows `sent`, to be asked again
    with transaction.atomic():  # a batch's rows are settled together or not at all
        _settle(pusher, work, results)


def _settle(pusher: Pusher, work: Work, results: list[BatchResult]) -> None:
    confirmed: list[tuple[OutboxItem, str]] = []
    failures: list[tuple[OutboxItem, str, str, str]] = []
    for row, result in zip(work.rows, results, strict=True):
        if result.fault is None and result.data is not None:
            row.sync_token = str(result.data.get("SyncToken", ""))
            confirmed.append((row, str(result.data.get("Id", ""))))
        else:
            fault = result.fault
            code = fault.code if fault else ""
            advice = advice_for(code, 400)
            detail = f" ({fault.message}: {fault.detail})" if fault else ""
            failures.append((row, code, advice.message + detail, advice.fix))
    _confirm(pusher, confirmed)
    _fail(pusher, failures)


def _resend_unknown(pusher: Pusher, pool: ThreadPoolExecutor) -> None:
    """Rows left `sent` (a crash, a timeout): resend each batch as it was, under its own id."""
    for round_ in range(RESEND_ROUNDS):
        rows = list(
            OutboxItem.objects.filter(organisation=pusher.org, state=OutboxState.SENT).order_by(
                "pk"
            )
        )
        if not rows:
            return
        if round_:
            time.sleep(min(30.0, 2.0**round_))
        _load_exported(pusher)
        groups: dict[str, list[OutboxItem]] = {}
        for row in rows:
            groups.setdefault(row.batch_key, []).append(row)
        works: list[Work] = []
        for key, group in groups.items():
            built = _build(pusher, group)
            ready = [(r, b) for r, b in zip(group, built, strict=True) if not isinstance(b, str)]
            if len(ready) != len(group):
                continue
            if _whole(pusher, key, group):
                works.append(Work([r for r, _ in ready], [b for _, b in ready], key))
            # else: part of the batch was settled since (it cannot be, see _adoptable); sending
            # the rest under a new id could write it twice, so it stays `sent` and the run
            # says so rather than risk it.
        _send_all(pusher, pool, works, resend=True)


def _whole(pusher: Pusher, key: str, group: list[OutboxItem]) -> bool:
    """Is the batch still as it was sent? Then its request id gets QuickBooks' first answer."""
    sent_with_it = OutboxItem.objects.filter(organisation=pusher.org, batch_key=key).count()
    return sent_with_it == len(group)


# --- outcomes -------------------------------------------------------------------------------


@transaction.atomic  # the outbox rows and the export decisions commit together (or neither)
def _confirm(pusher: Pusher, pairs: list[tuple[OutboxItem, str]]) -> None:
    if not pairs:
        return
    now = timezone.now()
    for row, qb_id in pairs:
        row.state, row.qb_id, row.resolved_at = OutboxState.CONFIRMED, qb_id, now
    set_fields(OutboxItem, [r for r, _ in pairs], ["state", "qb_id", "sync_token", "resolved_at"])
    created = [
        (row.doc_type, row.doc_id, qb_id)
        for row, qb_id in pairs
        if row.operation == "create" and row.doc_type != "credit_application"
    ]
    corrected = [
        (DocType.CREDIT_MEMO if row.doc_type == "credit_application" else row.doc_type, row.doc_id)
        for row, _ in pairs
        if row.operation in ("void", "update")
    ]
    exports.record_outcomes(pusher.org, created + _exported_again(pusher.org, corrected), [], now)
    exports.await_correction(pusher.org, _voided(created))
    pusher.refs.exported.update({(t, i): q for t, i, q in created})
    pusher.refs.exported.update(
        {(r.doc_type, r.doc_id): q for r, q in pairs if r.doc_type == "credit_application"}
    )
    pusher.confirmed += len(pairs)
    SyncRun.objects.filter(pk=pusher.run.pk).update(confirmed=pusher.confirmed)


VOIDABLE: dict[str, Any] = {
    DocType.INVOICE: Invoice,
    DocType.PAYMENT: Payment,
    DocType.CREDIT_MEMO: CreditMemo,
}


def _voided(created: list[tuple[str, int, str]]) -> list[tuple[str, int]]:
    """Those just created in QuickBooks that are void in the MMS: their void is still due."""
    found: list[tuple[str, int]] = []
    for doc_type, model in VOIDABLE.items():
        ids = [i for t, i, _ in created if t == doc_type]
        if ids:
            voided = model.objects.filter(pk__in=ids, voided_on__isnull=False)
            found.extend((doc_type, pk) for pk in voided.values_list("pk", flat=True))
    return found


def _exported_again(org: Organisation, docs: list[tuple[str, int]]) -> list[tuple[str, int, str]]:
    """Corrected documents are as exported again, under the QuickBooks id they already had."""
    found: list[tuple[str, int, str]] = []
    for doc_type in {t for t, _ in docs}:
        ids = [i for t, i in docs if t == doc_type]
        rows = ExportDecision.objects.filter(organisation=org, doc_type=doc_type, doc_id__in=ids)
        found.extend((doc_type, i, q) for i, q in rows.values_list("doc_id", "qb_id"))
    return found


@transaction.atomic
def _fail(pusher: Pusher, failures: list[tuple[OutboxItem, str, str, str]]) -> None:
    if not failures:
        return
    now = timezone.now()
    for row, code, message, fix in failures:
        row.state, row.error_code, row.message, row.fix, row.resolved_at = (
            OutboxState.FAILED,
            code,
            message,
            fix,
            now,
        )
    set_fields(
        OutboxItem,
        [f[0] for f in failures],
        ["state", "error_code", "message", "fix", "resolved_at"],
    )
    docs = [
        (row.doc_type, row.doc_id, f"{message} {fix}".strip())
        for row, _, message, fix in failures
        if row.operation == "create" and row.doc_type != "credit_application"
    ]
    exports.record_outcomes(pusher.org, [], docs, now)
    pusher.failed += len(failures)
    SyncRun.objects.filter(pk=pusher.run.pk).update(failed=pusher.failed)


def _hold(pusher: Pusher, row: OutboxItem, why: str) -> None:
    row.state, row.message = OutboxState.HELD, why
    row.save(update_fields=["state", "message"])
    pusher.held += 1
    SyncRun.objects.filter(pk=pusher.run.pk).update(held=pusher.held)


def _finish(pusher: Pusher) -> SyncRun:
    if not connection.in_atomic_block:
        close_old_connections()
    unknown = OutboxItem.objects.filter(organisation=pusher.org, state=OutboxState.SENT).count()
    run = pusher.run
    run.refresh_from_db()
    run.finished_at = timezone.now()
    run.phase = "finished"
    run.retries = dict(pusher.client.retries)
    run.state = RunState.FAILED if unknown else RunState.DONE
    if unknown:
        run.note = (
            f"{unknown} item(s) were sent but QuickBooks did not answer; run the sync again "
            "to settle them (they will not be sent twice)."
        )
    run.save()
    return run


def duration(run: SyncRun) -> dt.timedelta:
    end = run.finished_at or timezone.now()
    return end - (run.started_at or run.created_at)
