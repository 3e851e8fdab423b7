"""Score how likely a QuickBooks customer is a given member, and say why in plain words.

Points (capped at 100): a person's name or a company name is the backbone (up
to 60), email adds 30, phone 20, street address 10, postal code 5. A name with
nothing else tops out at 60, below the confident line in suggest.py, so a
bookkeeper looks at it. An email shared by a family (same email, different
first names) earns only a few points, and a customer whose first name clashes
with the member's never scores above 45, whatever household facts they share.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from memberbooks.matching import normalise as n

FULL_NAME = 60
NICKNAME_NAME = 55
FUZZY_NAME = 45
INITIAL_NAME = 40
LAST_NAME_ONLY = 15
COMPANY_EXACT = 60
COMPANY_CORE = 55
COMPANY_FUZZY = 40
COMPANY_BONUS = 10
EMAIL = 30
SHARED_EMAIL = 5
PHONE = 20
STREET = 10
POSTAL = 5
CLASHING_FIRST_NAME_CAP = 45


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What the membership system knows about a member, as plain strings."""

    member_id: int
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """What QuickBooks holds for a customer (Customer.DisplayName, GivenName, ...)."""

    qb_id: str
    display_name: str = ""
    given_name: str = ""
    family_name: str = ""
    company_name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    postal_code: str = ""
    active: bool = True


@dataclass(slots=True)
class Match:
    """One customer's score against one member, with the evidence behind it."""

    qb_id: str
    score: int
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Keys:
    """A record reduced to comparable keys, computed once per record."""

    person: n.PersonName
    companies: tuple[n.CompanyName, ...]
    email: str
    phone: str
    street: str
    postal: str


def member_keys(member: MemberFacts) -> Keys:
    company = n.company_name(member.company)
    return Keys(
        person=n.person_name(member.first_name, member.last_name),
        companies=(company,) if company.tokens else (),
        email=n.email_key(member.email),
        phone=n.phone_digits(member.phone),
        street=n.street_key(member.address),
        postal=n.postal_key(member.postal_code),
    )


def customer_keys(customer: CustomerFacts) -> Keys:
    """Prefer GivenName/FamilyName; fall back on DisplayName unless it names a company."""
    person = n.person_name(customer.given_name, customer.family_name)
    if person.empty and not n.looks_like_company(customer.display_name):
        person = n.display_person_name(customer.display_name)
    companies: list[n.CompanyName] = []
    for raw in (customer.company_name, customer.display_name):
        company = n.company_name(raw)
        if company.tokens and company.key not in {c.key for c in companies}:
            companies.append(company)
    return Keys(
        person=person,
        companies=tuple(companies),
        email=n.email_key(customer.email),
        phone=n.phone_digits(customer.phone),
        street=n.street_key(customer.address),
        postal=n.postal_key(customer.postal_code),
    )


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _transposed(a: str, b: str) -> bool:
    """One pair of neighbouring letters swapped ("Waston" for "Watson"), the commonest typo.

    difflib rates such pairs low (0.83 for six letters), so they are caught here.
    """
    if len(a) != len(b) or len(a) < 4 or a == b:
        return False
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and a[diffs[0]] == b[diffs[1]]
        and a[diffs[1]] == b[diffs[0]]
    )


@lru_cache(maxsize=1 << 17)
def _similar(a: str, b: str, threshold: float) -> bool:
    """difflib's ratio >= threshold; the length bound skips most pairs without running difflib.

    Names repeat a lot in a member list, so the answer is cached. difflib's ratio
    depends slightly on argument order; sorting the pair keeps a score symmetric.
    """
    if _transposed(a, b):
        return True
    total = len(a) + len(b)
    if not total or 2 * min(len(a), len(b)) < threshold * total:
        return False
    return _ratio(min(a, b), max(a, b)) >= threshold


def _first_names(a: n.PersonName, b: n.PersonName) -> tuple[int, str] | None:
    """How well two first names agree, given the last names already agree."""
    if a.first == b.first:
        return FULL_NAME, "name matches"
    if a.formal_first == b.formal_first:
        nick, formal = (a.first, b.first) if a.first != a.formal_first else (b.first, a.first)
        return NICKNAME_NAME, f"name matches (nickname {nick.title()} = {formal.title()})"
    if len(a.first) == 1 or len(b.first) == 1:
        if a.first[:1] == b.first[:1]:
            return INITIAL_NAME, "last name matches, first initial matches"
    elif _similar(a.formal_first, b.formal_first, 0.86):
        return FUZZY_NAME, "name nearly matches (first name spelled differently)"
    return None


def person_points(a: n.PersonName, b: n.PersonName) -> tuple[int, str]:
    """Points for a person's name; a last name alone is only a family hint."""
    if a.empty or b.empty:
        return 0, ""
    if a.same_last(b):
        if a.generation and b.generation and a.generation != b.generation:
            return LAST_NAME_ONLY, "same last name, but Jr. / Sr. differ"
        if a.first and b.first:
            found = _first_names(a, b)
            if found:
                return found
        return LAST_NAME_ONLY, "same last name only"
    same_first = a.first and (a.first == b.first or a.formal_first == b.formal_first)
    if same_first and _similar(a.last, b.last, 0.85):
        return FUZZY_NAME, "name nearly matches (last name spelled differently)"
    return 0, ""


def company_points(a: n.CompanyName, b: n.CompanyName) -> tuple[int, str]:
    """Points for a company name; legal forms ("Inc." = "Incorporated") are equal."""
    if a.key == b.key:
        spelled = [f for f in a.forms if f not in b.forms] + [
            f for f in b.forms if f not in a.forms
        ]
        if spelled:
            return (
                COMPANY_EXACT,
                f"same company ({' = '.join(sorted({f.title() for f in spelled}))})",
            )
        return COMPANY_EXACT, "same company"
    if a.core and a.core == b.core:
        return COMPANY_CORE, "same company (legal form differs)"
    if min(len(a.core), len(b.core)) >= 5 and _similar(a.core, b.core, 0.9):
        return COMPANY_FUZZY, "company nearly matches"
    return 0, ""


def _best_company(member: Keys, customer: Keys) -> tuple[int, str]:
    best = (0, "")
    for mine in member.companies:
        for theirs in customer.companies:
            best = max(best, company_points(mine, theirs), key=lambda found: found[0])
    return best


def _name_evidence(member: Keys, customer: Keys) -> tuple[int, list[str], bool]:
    """Name points, reasons, and whether the first names clash (for the shared-email rule)."""
    person, person_reason = person_points(member.person, customer.person)
    company, company_reason = _best_company(member, customer)
    mine, theirs = member.person, customer.person
    clash = bool(
        mine.first
        and theirs.first
        and mine.formal_first != theirs.formal_first
        and mine.first[:1] != theirs.first[:1]
    ) or bool(mine.generation and theirs.generation and mine.generation != theirs.generation)
    if person >= FUZZY_NAME and company:
        return person + COMPANY_BONUS, [person_reason, company_reason], clash
    if company > person:
        return company, [company_reason], clash
    return person, [person_reason] if person_reason else [], clash


def score_keys(qb_id: str, member: Keys, customer: Keys) -> Match:
    """Score precomputed keys; suggest() uses this to normalise each record once."""
    points, reasons, clash = _name_evidence(member, customer)
    if member.email and member.email == customer.email:
        if clash:
            points += SHARED_EMAIL
            reasons.append("same email, but a different person's name (shared family email?)")
        else:
            points += EMAIL
            reasons.append("same email")
    if member.phone and member.phone == customer.phone:
        points += PHONE
        reasons.append("same phone")
    if member.street and member.street == customer.street:
        points += STREET
        reasons.append("same street address")
    if member.postal and member.postal == customer.postal:
        points += POSTAL
        reasons.append("same postal code")
    if clash:
        # A household shares email, phone and address; none of it says which person this is.
        points = min(points, CLASHING_FIRST_NAME_CAP)
    return Match(qb_id, min(points, 100), reasons)


def score(member: MemberFacts, customer: CustomerFacts) -> Match:
    """How likely `customer` is `member`, 0..100, with the reasons in plain words."""
    return score_keys(customer.qb_id, member_keys(member), customer_keys(customer))
