"""QuickBooks' customer list of an organisation, read from QuickBooks at most once a minute.

Member Status scores its page of members against every customer (suggestions.py),
and the customer search folds accents over the same list; reading 10,000
customers costs 10 requests of the company's 500 a minute, so the list is kept in
Django's cache for `TTL` seconds under the organisation and the QuickBooks company
(a reconnection to another company never sees the old list). Creating a customer
from memberbooks forgets it at once. A customer added in QuickBooks itself shows in
the live search at once (its LIKE queries ask QuickBooks) and in suggestions
within a minute.
"""

from collections.abc import Callable

from django.core.cache import cache

from memberbooks.connections.models import QboConnection
from memberbooks.quickbooks.online.wire import JsonDict
from memberbooks.tenancy.models import Organisation

TTL = 60


def _key(organisation: Organisation) -> str:
    realm = (
        QboConnection.objects.filter(organisation=organisation)
        .values_list("realm_id", flat=True)
        .first()
    )
    return f"mb:qb-customers:{organisation.pk}:{realm or ''}"


def customers(organisation: Organisation, read: Callable[[], list[JsonDict]]) -> list[JsonDict]:
    """Every customer, active or not, as QuickBooks' JSON, at most `TTL` seconds old.

    `read` asks QuickBooks for the whole list when none is kept (suggestions.py
    passes it, so this module needs no QuickBooks client and the mapping actions
    can forget the list without an import cycle).
    """
    key = _key(organisation)
    rows: list[JsonDict] | None = cache.get(key)
    if rows is None:
        rows = read()
        cache.set(key, rows, TTL)
    return rows


def forget(organisation: Organisation) -> None:
    """Drop the kept list (after memberbooks created a customer)."""
    cache.delete(_key(organisation))
