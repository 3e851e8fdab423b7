"""Reads that only the pages need: list filters, paging, GL account choices.

Every function takes the organisation (or a row already resolved inside it
through `ledger.queries`) and never looks a row up by a caller's id across
organisations.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Sum

from memberbooks.ledger import queries
from memberbooks.ledger.models import CreditMemo, GLAccountKind, Invoice, Member, Payment
from memberbooks.ledger.money import ZERO, MoneyField
from memberbooks.tenancy.models import Organisation

PAGE_SIZE = 50

# --- paging -----------------------------------------------------------------------------------


class CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told its count, when the page computed it in a query it needed anyway."""

    def __init__(self, object_list: QuerySet, per_page: int, count: int) -> None:  # type: ignore[type-arg]
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # fills the cached_property, so no second COUNT runs


# --- members ----------------------------------------------------------------------------------


# --- GL account choices -----------------------------------------------------------------------

LINE_KINDS = (GLAccountKind.INCOME, GLAccountKind.DEFERRED, GLAccountKind.EXPENSE)


def account_choices(
    organisation: Organisation, kinds: Iterable[str]
) -> list[tuple[str, list[tuple[int, str]]]]:
    """Active accounts of the given kinds, grouped by kind for a <select> with optgroups."""
    wanted = list(kinds)
    accounts = queries.gl_accounts(organisation).filter(active=True, kind__in=wanted)
    groups: dict[str, list[tuple[int, str]]] = {kind: [] for kind in wanted}
    for account in accounts:
        groups[account.kind].append((account.pk, f"{account.number} {account.name}"))
    labels = dict(GLAccountKind.choices)
    return [(str(labels[kind]), options) for kind, options in groups.items() if options]


# --- billing lists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    member: Member | None = None
    source: str = ""
    status: str = ""


def _dated(queryset: QuerySet, flt: BillingFilter) -> QuerySet:  # type: ignore[type-arg]
    if flt.date_from:
        queryset = queryset.filter(date__gte=flt.date_from)
    if flt.date_to:
        queryset = queryset.filter(date__lte=flt.date_to)
    if flt.member is not None:
        queryset = queryset.filter(member=flt.member)
    return queryset


def invoices(organisation: Organisation, flt: BillingFilter) -> QuerySet[Invoice]:
    queryset = _dated(queries.invoices(organisation), flt)
    if flt.source:
        queryset = queryset.filter(source=flt.source)
    if flt.status == "open":
        queryset = queryset.filter(voided_on=None, amount_applied__lt=F("total"))
    elif flt.status == "paid":
        queryset = queryset.filter(voided_on=None, amount_applied=F("total"))
    elif flt.status == "void":
        queryset = queryset.exclude(voided_on=None)
    return queryset.order_by("-date", "-number")


def _by_rest(queryset: QuerySet, total: str, status: str) -> QuerySet:  # type: ignore[type-arg]
    """Filter payments or credit memos: open = some left unapplied, paid = all used."""
    used = F("amount_applied") + F("amount_refunded")
    if status == "open":
        return queryset.filter(voided_on=None, **{f"{total}__gt": used})
    if status == "paid":
        return queryset.filter(voided_on=None, **{total: used})
    if status == "void":
        return queryset.exclude(voided_on=None)
    return queryset


def payments(organisation: Organisation, flt: BillingFilter) -> QuerySet[Payment]:
    queryset = _by_rest(_dated(queries.payments(organisation), flt), "amount", flt.status)
    return queryset.order_by("-date", "-number")


def credit_memos(organisation: Organisation, flt: BillingFilter) -> QuerySet[CreditMemo]:
    queryset = _dated(CreditMemo.objects.filter(organisation=organisation), flt)
    queryset = _by_rest(queryset, "total", flt.status)
    return queryset.select_related("member").order_by("-date", "-number")


@dataclass(frozen=True)
class Summary:
    count: int
    amount: Decimal | None
    rest: Decimal | None


def summary(queryset: QuerySet, amount: str, rest: Any, *, sums: bool) -> Summary:  # type: ignore[type-arg]
    """Count of a filtered list and, when `sums`, its total and open rest (voids left out).

    The count doubles as the paginator's, so the list runs no second COUNT. The sums read
    every matching row, so the page asks for them only once the list is filtered: over all
    of a large organisation's invoices they cost far more than the page itself.
    """
    if not sums:
        return Summary(queryset.count(), None, None)
    live = Q(voided_on=None)
    found = queryset.order_by().aggregate(
        n=Count("pk"),
        sum_amount=Sum(amount, filter=live, output_field=MoneyField()),
        sum_rest=Sum(rest, filter=live, output_field=MoneyField()),
    )
    return Summary(found["n"], found["sum_amount"] or ZERO, found["sum_rest"] or ZERO)


def status_label(document: Invoice | Payment | CreditMemo) -> str:
    """A document's state in a word or two, as the lists and CSVs show it."""
    if document.is_voided:
        return "Void"
    if isinstance(document, Invoice):
        if document.amount_applied == document.total:
            return "Paid"
        return "Partly paid" if document.amount_applied else "Open"
    if document.unapplied == ZERO:
        return "Refunded" if document.amount_applied == ZERO else "Applied"
    used = document.amount_applied + document.amount_refunded
    return "Partly applied" if used else "Unapplied"
