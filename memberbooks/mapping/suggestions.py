"""Members against the QuickBooks customer list, through memberbooks.matching.

Reads QuickBooks' customer list (customer_list.py: at most once a minute) and the organisation's links,
and returns matching's suggestions; it writes nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from memberbooks.ledger.models import Member
from memberbooks.mapping import customer_list
from memberbooks.mapping.actions import qb_client
from memberbooks.mapping.errors import QuickBooksRefused
from memberbooks.mapping.models import CustomerLink
from memberbooks.matching.normalise import fold
from memberbooks.matching.score import CustomerFacts, MemberFacts
from memberbooks.matching.suggest import Suggestion, suggest
from memberbooks.quickbooks.online.client import build_query
from memberbooks.quickbooks.online.errors import QboError
from memberbooks.quickbooks.online.wire import JsonDict
from memberbooks.tenancy.models import Organisation


def member_facts(member: Member) -> MemberFacts:
    return MemberFacts(
        member_id=member.pk,
        first_name=member.first_name,
        last_name=member.last_name,
        company=member.company,
        email=member.email,
        phone=member.phone,
        address=member.address,
        city=member.city,
        state=member.state,
        postal_code=member.postal_code,
    )


def customer_facts(row: JsonDict) -> CustomerFacts:
    address = row.get("BillAddr") or {}
    return CustomerFacts(
        qb_id=str(row["Id"]),
        display_name=str(row.get("DisplayName") or ""),
        given_name=str(row.get("GivenName") or ""),
        family_name=str(row.get("FamilyName") or ""),
        company_name=str(row.get("CompanyName") or ""),
        email=str((row.get("PrimaryEmailAddr") or {}).get("Address") or ""),
        phone=str((row.get("PrimaryPhone") or {}).get("FreeFormNumber") or ""),
        address=str(address.get("Line1") or ""),
        postal_code=str(address.get("PostalCode") or ""),
        active=row.get("Active", True) is not False,
    )


def customer_rows(organisation: Organisation) -> list[JsonDict]:
    """The kept customer list (customer_list.py), read from QuickBooks when none is kept."""

    def read() -> list[JsonDict]:
        with qb_client(organisation) as client:
            try:
                return list(client.query_all("Customer", [("Active", "IN", [True, False])]))
            except QboError as error:
                raise QuickBooksRefused.of(error) from error

    return customer_list.customers(organisation, read)


def suggestions_for(organisation: Organisation, members: Sequence[Member]) -> list[Suggestion]:
    """One suggestion per member, scored against every QuickBooks customer (customer_list.py)."""
    rows = customer_rows(organisation)
    linked = dict(
        CustomerLink.objects.filter(organisation=organisation).values_list("qb_id", "member_id")
    )
    return suggest(
        [member_facts(m) for m in members], [customer_facts(r) for r in rows], linked=linked
    )


@dataclass(frozen=True)
class CustomerHit:
    """A QuickBooks customer found by a live search, with the member it is linked to, if any."""

    qb_id: str
    display_name: str
    company_name: str
    email: str
    linked_to: str | None  # member number

    def as_json(self) -> dict[str, Any]:
        return {
            "qb_id": self.qb_id,
            "display_name": self.display_name,
            "company_name": self.company_name,
            "email": self.email,
            "linked_to": self.linked_to,
        }


SEARCH_FIELDS = ("DisplayName", "CompanyName", "PrimaryEmailAddr")


def search_customers(organisation: Organisation, text: str, limit: int = 25) -> list[CustomerHit]:
    """Active customers whose DisplayName, CompanyName or email contains `text`.

    QuickBooks is asked live (its query language has no OR, so one LIKE query per
    field), which finds a customer added a second ago. Its LIKE compares accents,
    so the kept customer list (customer_list.py) is searched as well with accents,
    case and punctuation folded: "Garcia" finds "García". Merged by Id, ordered by name.
    """
    words = " ".join(text.split())
    if not words:
        return []
    found: dict[str, JsonDict] = {}
    with qb_client(organisation) as client:
        for name in SEARCH_FIELDS:
            try:
                response = client.query(
                    build_query("Customer", [(name, "LIKE", f"%{words}%")], max_results=limit)
                )
            except QboError as error:
                raise QuickBooksRefused.of(error) from error
            for row in response.get("Customer", []):
                found.setdefault(str(row["Id"]), row)
    for row in _folded_matches(customer_rows(organisation), words):
        found.setdefault(str(row["Id"]), row)
    linked = dict(
        CustomerLink.objects.filter(organisation=organisation, qb_id__in=list(found)).values_list(
            "qb_id", "member__member_number"
        )
    )
    hits = [
        CustomerHit(
            qb_id,
            str(row.get("DisplayName") or ""),
            str(row.get("CompanyName") or ""),
            str((row.get("PrimaryEmailAddr") or {}).get("Address") or ""),
            linked.get(qb_id),
        )
        for qb_id, row in found.items()
    ]
    return sorted(hits, key=lambda hit: (hit.display_name.casefold(), hit.qb_id))[:limit]


def _folded_matches(rows: list[JsonDict], words: str) -> list[JsonDict]:
    """Active customers whose name, company or email contains `words`, accents folded."""
    wanted = fold(words)
    if not wanted:
        return []
    return [
        row
        for row in rows
        if row.get("Active", True) is not False
        and any(
            wanted in fold(text)
            for text in (
                str(row.get("DisplayName") or ""),
                str(row.get("CompanyName") or ""),
                str((row.get("PrimaryEmailAddr") or {}).get("Address") or ""),
            )
        )
    ]
