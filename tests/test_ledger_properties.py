"""Property tests: for any sequence of ledger actions, the books add up at every date.

Hypothesis draws sequences of bookkeeping actions (invoices, payments with
applications, credit memos, refunds, voids, unapplications) on random dates, runs
them through the real actions (refusals included), then checks, at many as-of
dates, that

    AR total (SQL aging, both directions) = sum of open balances (recomputed here in Python, row by row)
                         = invoices - applied payments - applied credits - voided invoices

and that the running totals kept on the documents match their live applications.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memberbooks.ledger import actions
from memberbooks.ledger.aging import aging, bucket_for, open_items
from memberbooks.ledger.drafts import ApplicationDraft, CreditMemoDraft, InvoiceDraft, LineDraft
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.models import Application, CreditMemo, Invoice, Member, Payment, Refund
from memberbooks.ledger.money import ZERO
from memberbooks.tenancy.models import Organisation
from tests.books import Books

START = dt.date(2026, 1, 1)
cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c).scaleb(-2))
day = st.integers(min_value=0, max_value=150)
pick = st.integers(min_value=0, max_value=10_000)

operation = st.one_of(
    st.tuples(
        st.just("invoice"),
        pick,
        day,
        st.integers(0, 60),
        st.lists(
            st.tuples(cents, st.sampled_from(["1", "2", "0.5", "1.25"])), min_size=1, max_size=3
        ),
    ),
    st.tuples(st.just("payment"), pick, day, cents, st.lists(st.tuples(pick, cents), max_size=3)),
    st.tuples(st.just("credit"), pick, day, cents, st.lists(st.tuples(pick, cents), max_size=2)),
    st.tuples(st.just("apply"), pick, pick, cents, day),
    st.tuples(st.just("refund"), pick, cents, day),
    st.tuples(st.just("void_invoice"), pick, day),
    st.tuples(st.just("void_payment"), pick, day),
    st.tuples(st.just("void_credit"), pick, day),
    st.tuples(st.just("unapply"), pick, day),
)


def _nth(items: list[Any], index: int) -> Any:
    return items[index % len(items)] if items else None


def _run(books: Books, members: list[Any], op: tuple[Any, ...]) -> None:
    kind, when = op[0], None
    invoices = list(Invoice.objects.filter(organisation=books.org).order_by("pk"))
    payments = list(Payment.objects.filter(organisation=books.org).order_by("pk"))
    credits = list(CreditMemo.objects.filter(organisation=books.org).order_by("pk"))
    if kind == "invoice":
        _, who, start, terms, lines = op
        when = START + dt.timedelta(days=start)
        actions.post_invoice(
            books.actor,
            InvoiceDraft(
                member=_nth(members, who),
                date=when,
                due_date=when + dt.timedelta(days=terms),
                lines=[LineDraft(books.dues, price, Decimal(qty)) for price, qty in lines],
            ),
        )
    elif kind in ("payment", "credit"):
        _, who, start, amount, targets = op
        member = _nth(members, who)
        own = [inv for inv in invoices if inv.member_id == member.pk] or invoices
        apps = [ApplicationDraft(_nth(own, i), amt) for i, amt in targets if own]
        when = START + dt.timedelta(days=start)
        if kind == "payment":
            books_payment = actions.record_payment
            from memberbooks.ledger.drafts import PaymentDraft

            books_payment(
                books.actor,
                PaymentDraft(
                    member=member,
                    date=when,
                    amount=amount,
                    deposit_account=books.bank,
                    applications=apps,
                ),
            )
        else:
            actions.post_credit_memo(
                books.actor,
                CreditMemoDraft(
                    member=member,
                    date=when,
                    lines=[LineDraft(books.dues, amount)],
                    applications=apps,
                ),
            )
    elif kind == "apply":
        _, src, inv, amount, start = op
        source = _nth(payments + credits, src)
        invoice = _nth(invoices, inv)
        if source is None or invoice is None:
            return
        apply = actions.apply_payment if isinstance(source, Payment) else actions.apply_credit
        apply(
            books.actor,
            source,
            [ApplicationDraft(invoice, amount)],
            START + dt.timedelta(days=start),
        )  # type: ignore[operator]
    elif kind == "refund":
        _, src, amount, start = op
        source = _nth(payments + credits, src)
        if source is not None:
            actions.refund(
                books.actor, source, amount, START + dt.timedelta(days=start), books.bank
            )
    elif kind.startswith("void_"):
        _, which, start = op
        target = _nth(
            {"void_invoice": invoices, "void_payment": payments, "void_credit": credits}[kind],
            which,
        )
        void = {
            "void_invoice": actions.void_invoice,
            "void_payment": actions.void_payment,
            "void_credit": actions.void_credit_memo,
        }[kind]
        if target is not None:
            void(books.actor, target, START + dt.timedelta(days=start), "property test")  # type: ignore[operator]
    elif kind == "unapply":
        _, which, start = op
        live = list(
            Application.objects.filter(organisation=books.org, unapplied_on=None).order_by("pk")
        )
        target = _nth(live, which)
        if target is not None:
            actions.unapply(books.actor, target, START + dt.timedelta(days=start))


def _snapshot(org: Organisation) -> tuple[Any, ...]:
    """Everything an action could write, to prove a refused action wrote nothing."""
    return (
        list(
            Invoice.objects.filter(organisation=org).values_list(
                "pk", "amount_applied", "voided_on"
            )
        ),
        list(
            Payment.objects.filter(organisation=org).values_list(
                "pk", "amount_applied", "amount_refunded", "voided_on"
            )
        ),
        list(
            CreditMemo.objects.filter(organisation=org).values_list(
                "pk", "amount_applied", "amount_refunded", "voided_on"
            )
        ),
        list(Application.objects.filter(organisation=org).values_list("pk", "unapplied_on")),
        Refund.objects.filter(organisation=org).count(),
    )


def _live(app: Application, as_of: dt.date) -> bool:
    return app.applied_on <= as_of and (app.unapplied_on is None or app.unapplied_on > as_of)


def _expected_credit(
    org: Organisation, apps: list[Application], as_of: dt.date
) -> dict[int, Decimal]:
    """Unapplied payments and credits per member on `as_of`, recomputed row by row."""
    credit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    refunds = list(Refund.objects.filter(organisation=org, date__lte=as_of))
    for doc in [
        *Payment.objects.filter(organisation=org),
        *CreditMemo.objects.filter(organisation=org),
    ]:
        if doc.date > as_of or (doc.voided_on is not None and doc.voided_on <= as_of):
            continue
        is_payment = isinstance(doc, Payment)
        rest = doc.amount if is_payment else doc.total
        rest -= sum(
            (
                a.amount
                for a in apps
                if (a.payment_id if is_payment else a.credit_memo_id) == doc.pk and _live(a, as_of)
            ),
            ZERO,
        )
        rest -= sum(
            (
                r.amount
                for r in refunds
                if (r.payment_id if is_payment else r.credit_memo_id) == doc.pk
            ),
            ZERO,
        )
        assert rest >= ZERO
        credit[doc.member_id] += rest
    return {member: value for member, value in credit.items() if value}


def _check_books(org: Organisation, as_of: dt.date) -> None:
    invoices = list(Invoice.objects.filter(organisation=org))
    apps = list(Application.objects.filter(organisation=org))
    dated = [inv for inv in invoices if inv.date <= as_of]
    voided = [inv for inv in dated if inv.voided_on is not None and inv.voided_on <= as_of]
    applied_payments = sum((a.amount for a in apps if a.payment_id and _live(a, as_of)), ZERO)
    applied_credits = sum((a.amount for a in apps if a.credit_memo_id and _live(a, as_of)), ZERO)

    expected: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    open_sum = ZERO
    for inv in dated:
        if inv in voided:
            continue
        open_balance = inv.total - sum(
            (a.amount for a in apps if a.invoice_id == inv.pk and _live(a, as_of)), ZERO
        )
        assert open_balance >= ZERO
        open_sum += open_balance
        expected[inv.member_id][bucket_for((as_of - inv.due_date).days)] += open_balance

    identity = (
        sum((i.total for i in dated), ZERO)
        - applied_payments
        - applied_credits
        - sum((i.total for i in voided), ZERO)
    )
    credit = _expected_credit(org, apps, as_of)
    for direction in ("forward", "back"):
        report = aging(org, as_of, direction=direction)  # type: ignore[arg-type]
        assert report.total == open_sum == identity, direction
        assert {row.member_id: row.credit for row in report.rows if row.credit} == credit, direction
        for row in report.rows:
            for bucket, value in row.buckets.items():
                assert value == expected[row.member_id][bucket], (
                    direction,
                    as_of,
                    row.member_number,
                    bucket,
                )
        owing = {member for member, buckets in expected.items() if any(buckets.values())}
        assert {row.member_id for row in report.rows if row.total} == owing, direction
        rows = {row.member_id: (row.buckets, row.credit) for row in report.rows}
        for member in Member.objects.filter(organisation=org):
            alone = aging(org, as_of, member=member, direction=direction)  # type: ignore[arg-type]
            assert [(r.buckets, r.credit) for r in alone.rows] == (
                [rows[member.pk]] if member.pk in rows else []
            )
            items = open_items(org, member, as_of, direction=direction)  # type: ignore[arg-type]
            assert sum((item.open_balance for item in items), ZERO) == sum(
                expected[member.pk].values(), ZERO
            )


def _check_running_totals(org: Organisation) -> None:
    live = list(Application.objects.filter(organisation=org, unapplied_on=None))
    for inv in Invoice.objects.filter(organisation=org):
        assert inv.amount_applied == sum((a.amount for a in live if a.invoice_id == inv.pk), ZERO)
    for pay in Payment.objects.filter(organisation=org):
        assert pay.amount_applied == sum((a.amount for a in live if a.payment_id == pay.pk), ZERO)
        assert pay.amount_refunded == sum((r.amount for r in pay.refunds.all()), ZERO)
    for memo in CreditMemo.objects.filter(organisation=org):
        assert memo.amount_applied == sum(
            (a.amount for a in live if a.credit_memo_id == memo.pk), ZERO
        )


def _as_of_dates(org: Organisation, as_of_days: list[int]) -> list[dt.date]:
    """The drawn dates plus the boundaries where a bug would hide: each void and (un)application day and the day before."""
    dates = {START + dt.timedelta(days=offset) for offset in [*as_of_days, 200]}
    edges: set[dt.date] = set()
    for model in (Invoice, Payment, CreditMemo):
        edges |= {
            d
            for d in model.objects.filter(organisation=org).values_list("voided_on", flat=True)
            if d
        }  # type: ignore[attr-defined]
    for applied_on, unapplied_on in Application.objects.filter(organisation=org).values_list(
        "applied_on", "unapplied_on"
    )[:10]:
        edges |= {applied_on} | ({unapplied_on} if unapplied_on else set())
    for edge in edges:
        dates |= {edge, edge - dt.timedelta(days=1)}
    return sorted(dates)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(operation, min_size=1, max_size=25),
    as_of_days=st.lists(day, min_size=1, max_size=4),
)
def test_ar_equals_open_balances_at_every_date(
    org: Organisation, ops: list[tuple[Any, ...]], as_of_days: list[int]
) -> None:
    with transaction.atomic():
        books = Books(org)
        members = [books.member("Ann"), books.member("Bob"), books.member("Cy")]
        for op in ops:
            before = _snapshot(org)
            try:
                with transaction.atomic():
                    _run(books, members, op)
            except LedgerError:
                assert _snapshot(org) == before, f"refused {op[0]} wrote something"
        _check_running_totals(org)
        for as_of in _as_of_dates(org, as_of_days):
            _check_books(org, as_of)
        transaction.set_rollback(True)
