"""Template filters for the ledger pages: amounts, dates and document links."""

import datetime as dt
from decimal import Decimal

from django import template
from django.urls import reverse

from memberbooks.ledger.models import CreditMemo, Invoice, Member, Payment
from memberbooks.ledger.money import quantize
from memberbooks.web.reads import status_label

register = template.Library()


@register.filter
def money(value: Decimal | int | str | None) -> str:
    """`1234.5` as `1,234.50`; exact (never via float); blank for None."""
    if value is None or value == "":
        return ""
    return f"{quantize(value):,.2f}"


@register.filter
def iso(value: dt.date | None) -> str:
    """Dates as YYYY-MM-DD: unambiguous for every reader, sorts as text."""
    return value.isoformat() if value else ""


@register.filter
def negative(value: Decimal | int | None) -> bool:
    return value is not None and value < 0


@register.filter
def list_name(member: Member) -> str:
    """`Smith, Pat` for a list sorted by last name; the company when there is no person."""
    person = ", ".join(part for part in (member.last_name, member.first_name) if part)
    return person or member.company or member.member_number


@register.filter
def status(document: Invoice | Payment | CreditMemo) -> str:
    return status_label(document)


@register.filter
def posted(amounts: dict[str, str], invoice_id: int) -> str:
    """What was typed beside an invoice in the `apply-<id>` inputs, to show it again."""
    return amounts.get(f"apply-{invoice_id}", "")


@register.filter
def get_item(mapping: dict[str, str], key: str) -> str:
    return mapping.get(key, key)


DOCUMENT_URLS = {
    "invoice": "invoice-detail",
    "payment": "payment-detail",
    "credit_memo": "creditmemo-detail",
}


@register.simple_tag
def entry_url(org: str, url_kind: str, pk: int) -> str:
    """The page of a statement line's document; refunds have no page of their own."""
    name = DOCUMENT_URLS.get(url_kind)
    return reverse(name, kwargs={"org": org, "pk": pk}) if name else ""
