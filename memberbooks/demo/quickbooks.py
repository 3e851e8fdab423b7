"""The demo's QuickBooks company as an association's bookkeeper would find it on day one.

Most members are already customers there, typed by hand over the years: some as
"Last, First", some with a nickname, some without accents, companies with "Inc."
where the MMS says "Incorporated". A few are missing (Create in QuickBooks), a
few are ambiguous (two customers of one family share an email). So Member Status
has confident suggestions to confirm in bulk, ambiguous ones to decide, and
members to create, as a real first sync would.
"""

import unicodedata

from memberbooks.ledger.models import Member
from memberbooks.mapping.actions import qb_client
from memberbooks.quickbooks.online.client import BatchItem
from memberbooks.quickbooks.online.wire import JsonDict
from memberbooks.tenancy.models import Organisation

NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Elizabeth": "Liz",
    "Katherine": "Kate",
    "Michael": "Mike",
    "Jennifer": "Jen",
    "Richard": "Rick",
    "Margaret": "Peggy",
    "James": "Jim",
    "Patricia": "Pat",
    "Thomas": "Tom",
    "Christopher": "Chris",
}
MISSING_EVERY = 10  # every 10th member is not in QuickBooks yet


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c))


def _name(member: Member, n: int) -> str:
    """How someone once typed this member into QuickBooks."""
    first, last = member.first_name, member.last_name
    if member.company and not first:
        return member.company.replace("Incorporated", "Inc.").replace("Company", "Co.")
    if n % 7 == 0:
        return f"{last}, {first}"
    if n % 5 == 0:
        return f"{NICKNAMES.get(first, first)} {last}"
    if n % 3 == 0:
        return _plain(f"{first} {last}")
    return f"{first} {last}"


def _customer(member: Member, n: int) -> JsonDict:
    body: JsonDict = {"DisplayName": _name(member, n)[:100]}
    if member.first_name:
        body |= {"GivenName": member.first_name[:100], "FamilyName": member.last_name[:100]}
    if member.company:
        body["CompanyName"] = member.company[:100]
    if member.email and n % 4:
        body["PrimaryEmailAddr"] = {"Address": member.email}
    if member.phone and n % 2:
        body["PrimaryPhone"] = {"FreeFormNumber": member.phone}
    return body


def seed(organisation: Organisation) -> int:
    """Create the demo's existing QuickBooks customers once; the number created (0 if there)."""
    with qb_client(organisation) as client:
        if client.count("Customer") > 0:
            return 0
        members = Member.objects.filter(organisation=organisation).order_by("member_number")
        items = [
            BatchItem(operation="create", entity="Customer", body=_customer(member, n))
            for n, member in enumerate(members)
            if n % MISSING_EVERY != MISSING_EVERY - 1
        ]
        results = client.batch(items, idempotency_key=f"demo-customers-{organisation.slug}")
    return sum(1 for r in results if r.fault is None)
