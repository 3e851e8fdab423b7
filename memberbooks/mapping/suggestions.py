"""Members against the QuickBooks customer list, through memberbooks.matching.

Reads QuickBooks (every customer, active or not) and the organisation's links,
and returns matching's suggestions; it writes nothing.
"""

from collections.abc import Sequence

from memberbooks.ledger.models import Member
from memberbooks.mapping.actions import qb_client
from memberbooks.mapping.errors import QuickBooksRefused
from memberbooks.mapping.models import CustomerLink
from memberbooks.matching.score import CustomerFacts, MemberFacts
from memberbooks.matching.suggest import Suggestion, suggest
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


def suggestions_for(organisation: Organisation, members: Sequence[Member]) -> list[Suggestion]:
    """One suggestion per member, scored against every QuickBooks customer."""
    with qb_client(organisation) as client:
        try:
            rows = list(client.query_all("Customer", [("Active", "IN", [True, False])]))
        except QboError as error:
            raise QuickBooksRefused.of(error) from error
    linked = dict(
        CustomerLink.objects.filter(organisation=organisation).values_list("qb_id", "member_id")
    )
    return suggest(
        [member_facts(m) for m in members], [customer_facts(r) for r in rows], linked=linked
    )
