"""Linking many members at once, shared by `memberbooks link` and the Member Status page.

Both confirm the confident suggestions and create customers for members with
no plausible match; keeping the rules here means the page and the command can
never disagree about what "confident" allows. Every write still goes through
the one-member actions in actions.py, so each link is checked and audited alike.

The `Workbench` reads QuickBooks' customer list once and scores any set of
members against it, so a page can score only the members it shows (plus their
"rivals", below) instead of all 50,000.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from memberbooks.exports.queries import members_with_go_documents
from memberbooks.ledger.errors import LedgerError, NotFound
from memberbooks.ledger.models import Member
from memberbooks.mapping import actions, queries
from memberbooks.mapping.models import CustomerLink
from memberbooks.mapping.suggestions import customer_facts, customer_rows, member_facts
from memberbooks.matching.score import CustomerFacts
from memberbooks.matching.suggest import Suggestion, suggest
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

# At most this many rivals are added to a partial scoring; enough for any family or
# shared surname on one page, bounded so that a page of Smiths stays quick.
MAX_RIVALS = 2000


@dataclass(frozen=True)
class Workbench:
    """QuickBooks' customers (active and inactive) and the organisation's links, read once."""

    organisation: Organisation
    customers: dict[str, CustomerFacts]
    linked: dict[str, int]  # QuickBooks customer id -> member pk

    def name_of(self, qb_id: str) -> str:
        found = self.customers.get(qb_id)
        return found.display_name if found else ""

    def name_taken(self, name: str) -> bool:
        """Whether a customer already has this DisplayName (QuickBooks compares without case)."""
        wanted = name.casefold()
        return any(c.display_name.casefold() == wanted for c in self.customers.values())

    def suggest(self, members: Sequence[Member]) -> dict[int, Suggestion]:
        """Suggestions for `members`, a confident one checked against its rivals.

        A customer that is the confident choice of two members is ambiguous for
        both, but only if both are scored together. Scoring a page of members alone
        would miss a father on page 1 and his son of the same name on page 40. So
        the members whose suggestion is confident are scored again together with
        the unlinked members sharing their last name, email or company; only
        `members`' suggestions are returned.
        """
        found = self.suggest_all(members)
        confident = [m for m in members if found[m.pk].verdict == "confident"]
        others = rivals(self.organisation, confident)
        if others:
            again = self.suggest_all([*confident, *others])
            found.update({m.pk: again[m.pk] for m in confident})
        return found

    def suggest_all(self, members: Sequence[Member]) -> dict[int, Suggestion]:
        """Suggestions when `members` already holds every member that could compete."""
        found = suggest(
            [member_facts(m) for m in members], list(self.customers.values()), linked=self.linked
        )
        return {s.member_id: s for s in found}


def load(organisation: Organisation) -> Workbench:
    """Every QuickBooks customer, from the list kept for a minute (customer_list.py).

    Raises NotConnected or QuickBooksRefused when QuickBooks has to be asked and cannot be.
    """
    customers = {str(row["Id"]): customer_facts(row) for row in customer_rows(organisation)}
    linked = dict(
        CustomerLink.objects.filter(organisation=organisation).values_list("qb_id", "member_id")
    )
    return Workbench(organisation, customers, linked)


def rivals(organisation: Organisation, members: Iterable[Member]) -> list[Member]:
    """Unlinked members, not in `members`, sharing a last name, email or company with one of them."""
    chosen = list(members)
    match = Q()
    for field_name in ("last_name", "email", "company"):
        values = {str(getattr(m, field_name)).strip().lower() for m in chosen}
        for value in values - {""}:
            match |= Q(**{f"{field_name}__iexact": value})
    if not match:
        return []
    return list(
        Member.objects.filter(organisation=organisation, qb_link__isnull=True)
        .filter(match)
        .exclude(pk__in=[m.pk for m in chosen])
        .order_by("pk")[:MAX_RIVALS]
    )


@dataclass
class Outcome:
    """What a bulk run did, member by member, for the command's lines and the page's flash."""

    done: list[tuple[Member, CustomerLink]] = field(default_factory=list)
    skipped: list[tuple[Member, Suggestion]] = field(default_factory=list)
    failed: list[tuple[Member, LedgerError]] = field(default_factory=list)


def _own(actor: Actor, members: Sequence[Member]) -> None:
    for member in members:
        if member.organisation_id != actor.organisation.pk:
            raise NotFound(f"No member {member.pk} in {actor.organisation.name}.", field="member")


def confirm_confident(
    actor: Actor, members: Sequence[Member] | None = None, bench: Workbench | None = None
) -> Outcome:
    """Link each unlinked member whose best candidate is confident; never an ambiguous one.

    `members` None means every unlinked member of the organisation (the command's
    --confirm-confident, the page's "Confirm all confident"); otherwise only those
    members are linked (the page's ticked boxes), each one only if the suggestion,
    worked out afresh now, is still confident. Others are returned as skipped.
    """
    actor.require(Role.BOOKKEEPER)
    organisation = actor.organisation
    bench = bench or load(organisation)
    if members is None:
        chosen = list(Member.objects.filter(organisation=organisation, qb_link=None))
        found = bench.suggest_all(chosen)
    else:
        _own(actor, members)
        linked_now = set(
            CustomerLink.objects.filter(member__in=list(members)).values_list(
                "member_id", flat=True
            )
        )
        chosen = [m for m in members if m.pk not in linked_now]
        found = bench.suggest(chosen)
    outcome = Outcome()
    for member in chosen:
        suggestion = found[member.pk]
        if suggestion.verdict != "confident" or suggestion.best is None:
            outcome.skipped.append((member, suggestion))
            continue
        try:
            outcome.done.append((member, actions.link_member(actor, member, suggestion.best.qb_id)))
        except LedgerError as error:
            outcome.failed.append((member, error))
    return outcome


def create_missing(actor: Actor, bench: Workbench | None = None) -> Outcome:
    """Create a customer for each unlinked member with go transactions and no plausible match.

    Members whose transactions all stay out of QuickBooks (no-go, or undecided
    before the in-sync point) need no customer. A member with any plausible
    candidate (even a weak one) is skipped: creating a second customer for
    someone QuickBooks already has is worse than waiting.
    """
    actor.require(Role.BOOKKEEPER)
    going = members_with_go_documents(actor.organisation)
    members = [
        m for m in queries.unlinked_members_with_transactions(actor.organisation) if m.pk in going
    ]
    bench = bench or load(actor.organisation)
    found = bench.suggest_all(members)
    outcome = Outcome()
    for member in members:
        suggestion = found[member.pk]
        if suggestion.verdict != "none" and suggestion.best is not None:
            outcome.skipped.append((member, suggestion))
            continue
        try:
            outcome.done.append((member, actions.create_customer_for(actor, member)))
        except LedgerError as error:
            outcome.failed.append((member, error))
    return outcome
