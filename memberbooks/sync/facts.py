"""What the check stage asks QuickBooks, in a few large queries per run.

QuickBooks Online allows 500 requests a minute per company, so the check never
asks per transaction: customers and document numbers are looked up with
`IN (...)` lists of up to 1,000 values, one query per thousand.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from memberbooks.quickbooks.online.client import QboClient
from memberbooks.sync.markers import owner

CHUNK = 1000
NUMBER_FIELDS = {
    "Invoice": "DocNumber",
    "CreditMemo": "DocNumber",
    "Payment": "PaymentRefNum",
}


@dataclass(frozen=True)
class TakenNumber:
    """A document number QuickBooks already has, and whose document it is."""

    qb_id: str
    sync_token: str
    mine: tuple[str, str, int] | None  # (org slug, doc type, doc id) from the marker


@dataclass
class QuickBooksFacts:
    """The answers the validation needs; built by `gather` or by hand in tests."""

    active_customers: set[str] = field(default_factory=set)
    book_close_date: dt.date | None = None
    taken: dict[str, dict[str, TakenNumber]] = field(default_factory=dict)

    def taken_number(self, entity: str, number: str) -> TakenNumber | None:
        return self.taken.get(entity, {}).get(number)


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for value in sorted(set(values)):
        batch.append(value)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def active_customers(client: QboClient, ids: Iterable[str]) -> set[str]:
    """Those of `ids` that are active customers (QuickBooks queries skip inactive ones)."""
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(str(row["Id"]) for row in client.query_all("Customer", {"Id": chunk}))
    return found


def book_close_date(client: QboClient) -> dt.date | None:
    """The closing date in Preferences (AccountingInfoPrefs.BookCloseDate), if one is set."""
    prefs = client.request("GET", "preferences").get("Preferences", {})
    value = prefs.get("AccountingInfoPrefs", {}).get("BookCloseDate") if prefs else None
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def taken_numbers(client: QboClient, entity: str, numbers: Iterable[str]) -> dict[str, TakenNumber]:
    """Those of `numbers` QuickBooks already has on `entity`, with the owner from the marker."""
    column = NUMBER_FIELDS[entity]
    taken: dict[str, TakenNumber] = {}
    for chunk in _chunks(n for n in numbers if n):
        for row in client.query_all(entity, {column: chunk}):
            taken[str(row.get(column, ""))] = TakenNumber(
                str(row["Id"]), str(row.get("SyncToken", "0")), owner(row.get("PrivateNote", ""))
            )
    return taken


def gather(
    client: QboClient, customer_ids: Iterable[str], numbers: dict[str, set[str]]
) -> QuickBooksFacts:
    """Everything the check needs, from as few requests as QuickBooks allows."""
    return QuickBooksFacts(
        active_customers=active_customers(client, customer_ids),
        book_close_date=book_close_date(client),
        taken={entity: taken_numbers(client, entity, wanted) for entity, wanted in numbers.items()},
    )
