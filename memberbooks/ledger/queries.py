"""Organisation-scoped reads: every lookup by number or id goes through here.

A lookup for a row of another organisation behaves exactly like a lookup for a
row that does not exist (`NotFound`), so ids cannot be probed.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from memberbooks.ledger.errors import NotFound
from memberbooks.ledger.models import CreditMemo, GLAccount, Invoice, Member, Payment, Refund
from memberbooks.ledger.money import ZERO, MoneyField
from memberbooks.tenancy.models import Organisation


def members(organisation: Organisation, search: str = "") -> QuerySet[Member]:
    queryset = Member.objects.filter(organisation=organisation)
    for word in search.split():
        queryset = queryset.filter(
            Q(member_number__iexact=word)
            | Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(company__icontains=word)
            | Q(email__istartswith=word)
        )
    return queryset


def gl_accounts(organisation: Organisation) -> QuerySet[GLAccount]:
    return GLAccount.objects.filter(organisation=organisation)


def invoices(organisation: Organisation) -> QuerySet[Invoice]:
    return Invoice.objects.filter(organisation=organisation).select_related("member")


def payments(organisation: Organisation) -> QuerySet[Payment]:
    return Payment.objects.filter(organisation=organisation).select_related("member")


def member(
    organisation: Organisation, *, pk: int | None = None, number: str | None = None
) -> Member:
    lookup = {"pk": pk} if pk is not None else {"member_number": (number or "").strip()}
    found = Member.objects.filter(organisation=organisation, **lookup).first()
    if found is None:
        raise NotFound(f"No member {number or pk} in {organisation.name}.", field="member_number")
    return found


def gl_account(
    organisation: Organisation, *, pk: int | None = None, number: str | None = None
) -> GLAccount:
    lookup = {"pk": pk} if pk is not None else {"number": (number or "").strip()}
    found = GLAccount.objects.filter(organisation=organisation, **lookup).first()
    if found is None:
        raise NotFound(f"No GL account {number or pk} in {organisation.name}.", field="gl_account")
    return found


def invoice(
    organisation: Organisation, *, pk: int | None = None, number: str | None = None
) -> Invoice:
    lookup = {"pk": pk} if pk is not None else {"number": (number or "").strip()}
    found = (
        Invoice.objects.filter(organisation=organisation, **lookup).select_related("member").first()
    )
    if found is None:
        raise NotFound(f"No invoice {number or pk} in {organisation.name}.", field="invoice")
    return found


def payment(
    organisation: Organisation, *, pk: int | None = None, number: str | None = None
) -> Payment:
    lookup = {"pk": pk} if pk is not None else {"number": (number or "").strip()}
    found = (
        Payment.objects.filter(organisation=organisation, **lookup).select_related("member").first()
    )
    if found is None:
        raise NotFound(f"No payment {number or pk} in {organisation.name}.", field="payment")
    return found


def credit_memo(
    organisation: Organisation, *, pk: int | None = None, number: str | None = None
) -> CreditMemo:
    lookup = {"pk": pk} if pk is not None else {"number": (number or "").strip()}
    found = (
        CreditMemo.objects.filter(organisation=organisation, **lookup)
        .select_related("member")
        .first()
    )
    if found is None:
        raise NotFound(
            f"No credit memo {number or pk} in {organisation.name}.", field="credit_memo"
        )
    return found


@dataclass(frozen=True)
class LedgerEntry:
    """One line of a member's statement: a document and what it did to the balance."""

    date: dt.date
    kind: str
    number: str
    description: str
    charge: Decimal
    credit: Decimal
    balance: Decimal
    voided: bool
    url_kind: str
    pk: int


def member_ledger(member: Member) -> list[LedgerEntry]:
    """The member's documents in date order with a running balance (what they owe, net of credit).

    A void shows as the document with no effect on the balance, so the statement
    still lists it.
    """
    events: list[tuple[dt.date, int, str, str, str, Decimal, Decimal, bool, str, int]] = []
    for inv in Invoice.objects.filter(member=member):
        amount = ZERO if inv.is_voided else inv.total
        events.append(
            (
                inv.date,
                0,
                "Invoice",
                inv.number,
                inv.memo or inv.get_source_display(),
                amount,
                ZERO,
                inv.is_voided,
                "invoice",
                inv.pk,
            )
        )
    for pay in Payment.objects.filter(member=member):
        amount = ZERO if pay.is_voided else pay.amount
        text = f"{pay.get_method_display()} {pay.reference}".strip()
        events.append(
            (
                pay.date,
                1,
                "Payment",
                pay.number,
                text,
                ZERO,
                amount,
                pay.is_voided,
                "payment",
                pay.pk,
            )
        )
    for memo in CreditMemo.objects.filter(member=member):
        amount = ZERO if memo.is_voided else memo.total
        events.append(
            (
                memo.date,
                2,
                "Credit memo",
                memo.number,
                memo.memo,
                ZERO,
                amount,
                memo.is_voided,
                "credit_memo",
                memo.pk,
            )
        )
    for ref in Refund.objects.filter(member=member):
        source = ref.payment or ref.credit_memo
        events.append(
            (
                ref.date,
                3,
                "Refund",
                str(source.number if source else ""),
                ref.reference,
                ref.amount,
                ZERO,
                False,
                "refund",
                ref.pk,
            )
        )
    events.sort(key=lambda e: (e[0], e[1], e[3]))
    entries, balance = [], ZERO
    for date, _, kind, number, text, charge, credit, voided, url_kind, pk in events:
        balance += charge - credit
        entries.append(
            LedgerEntry(date, kind, number, text, charge, credit, balance, voided, url_kind, pk)
        )
    return entries


def member_balances(member_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each member owes now, net of unapplied payments and credits, in three grouped queries.

    For a page of members at once: lists must not run queries per row.
    """
    ids = list(member_ids)
    result = dict.fromkeys(ids, ZERO)
    sources: tuple[tuple[QuerySet[Any], Any, int], ...] = (
        (Invoice.objects.all(), F("total") - F("amount_applied"), 1),
        (Payment.objects.all(), F("amount") - F("amount_applied") - F("amount_refunded"), -1),
        (CreditMemo.objects.all(), F("total") - F("amount_applied") - F("amount_refunded"), -1),
    )
    for queryset, open_amount, sign in sources:
        rows = (
            queryset.filter(member_id__in=ids, voided_on=None)
            .values("member_id")
            .annotate(open=Sum(open_amount, output_field=MoneyField()))
            .values_list("member_id", "open")
        )
        for member_id, amount in rows:
            result[member_id] += sign * (amount or ZERO)
    return result


def member_balance(member: Member) -> Decimal:
    """What the member owes now: open invoices minus unapplied payments and credits."""
    return member_balances([member.pk])[member.pk]


def open_invoices(member: Member) -> QuerySet[Invoice]:
    """The member's invoices with something left to pay now, oldest due first."""
    return Invoice.objects.filter(
        organisation_id=member.organisation_id,
        member=member,
        voided_on=None,
        amount_applied__lt=F("total"),
    ).order_by("due_date", "number")


def open_credits(member: Member) -> tuple[list[Payment], list[CreditMemo]]:
    """The member's payments and credit memos with an unapplied rest (their credit)."""
    payments = Payment.objects.filter(
        organisation_id=member.organisation_id, member=member, voided_on=None
    ).filter(amount__gt=F("amount_applied") + F("amount_refunded"))
    memos = CreditMemo.objects.filter(
        organisation_id=member.organisation_id, member=member, voided_on=None
    ).filter(total__gt=F("amount_applied") + F("amount_refunded"))
    return list(payments.order_by("date")), list(memos.order_by("date"))
