"""Suggest QuickBooks customers for every member, with a verdict a bookkeeper can act on.

Scoring every member against every customer is 10^8 pairs for 10,000 of each,
far too slow, so customers are first indexed by blocking keys (last name
with first initial, formal first name with last initial, the first distinctive
company word, email, phone, postal code plus street) and a member is scored only against customers that
share a key with it.

Verdicts: "confident" may be linked in bulk; "ambiguous" (two candidates
within MARGIN points) never is; "weak" needs a person to look; "none" means
no plausible customer, so creating one in QuickBooks is safe.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from memberbooks.matching import normalise as n
from memberbooks.matching.score import (
    CustomerFacts,
    Keys,
    MemberFacts,
    customer_keys,
    member_keys,
    score_keys,
)

CONFIDENT = 70
WEAK = 30
MARGIN = 15
TOP = 3
# A blocking key shared by more customers than this ("services", a common
# surname in a big list) is too common to narrow anything; it is skipped
# unless the member has no other key.
MAX_BLOCK = 400

Verdict = Literal["confident", "ambiguous", "weak", "none"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A scored customer; `linked_to` is the member it is already linked to, if any."""

    qb_id: str
    score: int
    reasons: tuple[str, ...]
    linked_to: int | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The best few customers for one member and what to do about them."""

    member_id: int
    verdict: Verdict
    candidates: tuple[Candidate, ...] = field(default=())
    note: str = ""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _name_keys(person: n.PersonName, indexing: bool) -> list[str]:
    """Last name plus first initial, and formal first name plus last initial.

    A last name alone would put every Smith against every Smith (and a shared
    surname only earns a hint of a score), so a customer is indexed under its
    last name with its first initial; the last name on its own ("l:") is only
    looked up for a member who has no first name. The formal first name with the
    last initial catches nicknames and typos in the last name.
    """
    found: list[str] = []
    initial = person.first[:1]
    for last in (person.last, person.last_alt):
        if not last:
            continue
        if indexing:
            found += [f"l:{last}", f"n:{initial}:{last}"]
        elif initial:
            found += [f"n:{initial}:{last}", f"n::{last}"]
        else:
            found.append(f"l:{last}")
    if person.first and person.last:
        found.append(f"f:{person.formal_first}:{person.last[:1]}")
    return found


def blocking_keys(keys: Keys, indexing: bool = False) -> list[str]:
    """Cheap keys two records must share to be worth scoring (`indexing`: a customer's keys)."""
    found = _name_keys(keys.person, indexing)
    for company in keys.companies:
        # The first distinctive word only: later words ("Consulting", "Services")
        # are shared by too many unrelated companies to narrow the search.
        found.extend(f"c:{token}" for token in n.company_block_tokens(company)[:1])
    if keys.email:
        found.append(f"e:{keys.email}")
    if keys.phone:
        found.append(f"p:{keys.phone}")
    if keys.postal and keys.street:
        found.append(f"a:{keys.postal}:{keys.street}")
    return found


class CustomerIndex:
    """Customers with their keys computed once and grouped by blocking key."""

    def __init__(self, customers: Iterable[CustomerFacts]) -> None:
        self.customers: list[CustomerFacts] = list(customers)
        self.keys: list[Keys] = [customer_keys(c) for c in self.customers]
        self.blocks: dict[str, list[int]] = defaultdict(list)
        for position, keys in enumerate(self.keys):
            for key in dict.fromkeys(blocking_keys(keys, indexing=True)):
                self.blocks[key].append(position)

    def candidates(self, keys: Keys) -> set[int]:
        """Positions of customers sharing at least one usable blocking key."""
        blocks = [self.blocks.get(key, []) for key in blocking_keys(keys)]
        usable = [b for b in blocks if len(b) <= MAX_BLOCK] or blocks
        return {position for block in usable for position in block}


def _verdict(candidates: Sequence[Candidate], member_id: int) -> tuple[Verdict, str]:
    plausible = [c for c in candidates if c.score >= WEAK]
    if not plausible:
        return "none", "no plausible customer"
    best = plausible[0]
    if len(plausible) > 1 and best.score - plausible[1].score < MARGIN:
        return "ambiguous", f"two candidates within {MARGIN} points: choose by hand"
    if best.linked_to is not None and best.linked_to != member_id:
        return "weak", f"best candidate is already linked to member {best.linked_to}"
    if not best.active:
        return "weak", "best candidate is inactive in QuickBooks"
    if best.score >= CONFIDENT:
        return "confident", ""
    return "weak", "not enough evidence to link without a look"


def suggest_one(
    member: MemberFacts, index: CustomerIndex, linked: Mapping[str, int], top: int = TOP
) -> Suggestion:
    """Score one member against its blocked candidates and give a verdict."""
    keys = member_keys(member)
    scored = []
    for position in index.candidates(keys):
        customer = index.customers[position]
        match = score_keys(customer.qb_id, keys, index.keys[position])
        if match.score > 0:
            scored.append((match, customer))
    scored.sort(key=lambda pair: (-pair[0].score, pair[0].qb_id))
    candidates = tuple(
        Candidate(
            match.qb_id,
            match.score,
            tuple(match.reasons),
            linked.get(match.qb_id),
            customer.active,
        )
        for match, customer in scored[:top]
    )
    verdict, note = _verdict(candidates, member.member_id)
    return Suggestion(member.member_id, verdict, candidates, note)


def suggest(
    members: Iterable[MemberFacts],
    customers: Iterable[CustomerFacts],
    linked: Mapping[str, int] | None = None,
    top: int = TOP,
) -> list[Suggestion]:
    """One Suggestion per member, in the members' order.

    `linked` maps QuickBooks customer ids to the member each is already linked
    to; such candidates are flagged and never make a confident suggestion for
    another member. When one customer is the confident choice of two members
    (a father and son of the same name sharing an email), neither is confident.
    """
    index = CustomerIndex(customers)
    links = linked or {}
    return _one_customer_one_member([suggest_one(m, index, links, top) for m in members])


def _one_customer_one_member(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Demote confident suggestions that claim the same customer to "ambiguous"."""
    claims: dict[str, list[int]] = defaultdict(list)
    for suggestion in suggestions:
        if suggestion.verdict == "confident" and suggestion.best is not None:
            claims[suggestion.best.qb_id].append(suggestion.member_id)
    result = []
    for suggestion in suggestions:
        best = suggestion.best
        if suggestion.verdict == "confident" and best and len(claims[best.qb_id]) > 1:
            others = ", ".join(str(m) for m in claims[best.qb_id] if m != suggestion.member_id)
            note = f"customer {best.qb_id} is also the best match for member {others}"
            suggestion = replace(suggestion, verdict="ambiguous", note=note)
        result.append(suggestion)
    return result
