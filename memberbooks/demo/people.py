"""The demo's members, drawn before any row is written.

A `Profile` is everything the generator needs to know about a member for the
demo year: contact details, membership tier, annual or monthly billing, the
month their renewal falls in, how promptly and how they pay, and at most one
bookkeeping story (a `scenario`) the demo must show, such as a bounced check or
a refunded duplicate payment. Drawing is pure Python on a seeded
`random.Random`, so the same seed gives the same people in the same order.

Scenarios are dealt out by count, not left to chance, so that even a small demo
(the tests load 60 members) contains every kind of document the brief asks for.
"""

import random
import re
from dataclasses import dataclass, field

from memberbooks.demo import catalogue as cat
from memberbooks.ledger.models import CreditMemo, Invoice, Member, Payment

MONTHS = 12

# Annual-billing scenarios, with the share of members and the latest renewal
# month (0 = first month of the demo year) that still lets the story finish
# before the anchor date.
ANNUAL_SCENARIOS = {
    "partial": (0.04, 2, 9),
    "partial_open": (0.02, 1, 10),
    "overpaid_credit": (0.02, 1, 10),
    "duplicate_refund": (0.012, 1, 9),
    "early_discount": (0.03, 1, 10),
    "volunteer_credit": (0.012, 1, 9),
    "bounced_repaid": (0.012, 1, 9),
    "payment_voided_open": (0.012, 1, 9),
    "wrong_tier": (0.01, 1, 10),
    "duplicate_invoice": (0.01, 1, 10),
    "lapsing": (0.05, 2, 7),
    "write_off": (0.008, 1, 5),
}
# Monthly-billing scenarios (they start on the first monthly invoice).
MONTHLY_SCENARIOS = {
    "prepaid_next_month": (0.01, 1),
    "misapplied": (0.006, 1),
}

WRONG_TIER = {"business-1": "business-2", "business-2": "business-1", "business-3": "business-2"}


@dataclass
class Profile:
    """One member as the demo plans them; `member` is set once the row exists."""

    number: str
    tier: cat.Tier
    first_name: str
    last_name: str
    company: str
    email: str
    phone: str
    address: str
    city: str
    postal_code: str
    billing: str = "annual"  # or "monthly"
    status: str = "active"  # "lapsed" or "inactive" for former members
    joins: int | None = None  # month of the year they joined, None if a member before
    join_day: int = 0
    renew_month: int = 0
    payer: str = "normal"  # prompt, normal or slow
    method: str = "check"  # check, card or ach
    scenario: str | None = None
    member: Member | None = None
    next_check: int = 1001
    invoices: list[Invoice] = field(default_factory=list)
    pending_credit: list[Payment | CreditMemo] = field(default_factory=list)

    @property
    def is_current(self) -> bool:
        return self.status == "active"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class People:
    """Draws profiles from the catalogue with one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.companies: set[str] = set()

    def tier(self) -> cat.Tier:
        codes = list(cat.TIER_WEIGHTS)
        code = self.rng.choices(codes, weights=[cat.TIER_WEIGHTS[c] for c in codes])[0]
        return cat.TIERS[code]

    def company(self, tier: cat.Tier, last_name: str) -> str:
        for _ in range(20):
            name = self._company_name(tier, last_name)
            if name not in self.companies:
                self.companies.add(name)
                return name
            last_name = self.rng.choice(cat.LAST_NAMES)
        name = f"{name} of {self.rng.choice(cat.CITIES)[0]}"
        self.companies.add(name)
        return name

    def _company_name(self, tier: cat.Tier, last_name: str) -> str:
        rng = self.rng
        if tier.code == "nonprofit":
            return f"{rng.choice(cat.PLACE_WORDS)} {rng.choice(cat.NONPROFIT_KINDS)}"
        if tier.code in ("business-4", "presidents-circle") and rng.random() < 0.7:
            return rng.choice(cat.LARGE_EMPLOYERS)
        roll = rng.random()
        if roll < 0.1:
            partner = rng.choice(cat.LAST_NAMES)
            return f"{last_name} & {partner} {rng.choice(cat.LAW_AND_PRACTICE)}"
        if roll < 0.35:
            return f"{last_name} {rng.choice(cat.BUSINESS_KINDS)}{rng.choice(cat.COMPANY_FORMS)}"
        place = rng.choice(cat.PLACE_WORDS)
        return f"{place} {rng.choice(cat.BUSINESS_KINDS)}{rng.choice(cat.COMPANY_FORMS)}"

    def profile(self, number: str) -> Profile:
        rng = self.rng
        tier = self.tier()
        first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
        company = "" if tier.code == "individual" else self.company(tier, last)
        if company:
            base = company
            for form in cat.COMPANY_FORMS:
                base = base.removesuffix(form) if form else base
            domain = _slug(base)[:40] + ".example"
            email = f"{first[0]}{last}".lower().replace(" ", "") + "@" + domain
        else:
            email = (
                f"{first}.{last}{rng.randint(1, 99)}".lower() + "@" + rng.choice(cat.MAIL_PROVIDERS)
            )
        city, postal_code = rng.choice(cat.CITIES)
        area = rng.choice(("951", "951", "951", "909"))
        return Profile(
            number=number,
            tier=tier,
            first_name=first,
            last_name=last,
            company=company,
            email=email,
            phone=f"({area}) 555-01{rng.randint(0, 99):02d}",
            address=f"{rng.randint(100, 9899)} {rng.choice(cat.STREETS)}",
            city=city,
            postal_code=postal_code,
            renew_month=rng.randrange(MONTHS),
            payer=rng.choices(("prompt", "normal", "slow"), weights=(45, 40, 15))[0],
            method=rng.choices(("check", "card", "ach"), weights=(45, 35, 20))[0],
            next_check=rng.randint(1001, 9400),
        )


def draw(rng: random.Random, count: int) -> list[Profile]:
    """`count` members: most current, some lapsed or resigned before the year, some joining in it."""
    people = People(rng)
    profiles: list[Profile] = []
    number = 10000
    for _ in range(count):
        number += rng.choice((1, 1, 1, 2, 3))  # gaps: members deleted long ago
        profiles.append(people.profile(str(number)))
    _former_members(rng, profiles)
    _joiners(rng, profiles)
    _monthly(rng, profiles)
    _deal_scenarios(rng, profiles)
    return profiles


def _share(count: int, rate: float, minimum: int) -> int:
    return max(minimum, round(count * rate))


def _pick(rng: random.Random, pool: list[Profile], how_many: int) -> list[Profile]:
    return rng.sample(pool, min(how_many, len(pool)))


def _former_members(rng: random.Random, profiles: list[Profile]) -> None:
    """About 5% lapsed before the demo year and 1.5% resigned (inactive)."""
    count = len(profiles)
    lapsed = _pick(rng, profiles, _share(count, 0.05, 1))
    for profile in lapsed:
        profile.status = "lapsed"
    current = [p for p in profiles if p.is_current]
    for profile in _pick(rng, current, _share(count, 0.015, 1)):
        profile.status = "inactive"


def _joiners(rng: random.Random, profiles: list[Profile]) -> None:
    """About 7% join during the year; they are numbered after everyone else, by join date."""
    current = [p for p in profiles if p.is_current]
    joiners = _pick(rng, current, _share(len(profiles), 0.07, 1))
    for profile in joiners:
        profile.joins = rng.randint(1, MONTHS - 1)
        profile.join_day = rng.randint(0, 20)
        profile.renew_month = profile.joins
    joiners.sort(key=lambda p: (p.joins or 0, p.join_day, p.number))
    last = max(int(p.number) for p in profiles)
    for offset, profile in enumerate(joiners, start=1):
        profile.number = str(last + offset)


def _monthly(rng: random.Random, profiles: list[Profile]) -> None:
    """About a fifth of small and mid-sized businesses pay their dues monthly."""
    for profile in profiles:
        if profile.is_current and profile.tier.monthly is not None and rng.random() < 0.2:
            profile.billing = "monthly"


def _deal_scenarios(rng: random.Random, profiles: list[Profile]) -> None:
    count = len(profiles)

    def pool(billing: str) -> list[Profile]:
        return [
            p
            for p in profiles
            if p.is_current and p.joins is None and p.billing == billing and p.scenario is None
        ]

    for name, (rate, minimum, last_month) in ANNUAL_SCENARIOS.items():
        candidates = pool("annual")
        if name == "wrong_tier":
            candidates = [p for p in candidates if p.tier.code in WRONG_TIER]
        for profile in _pick(rng, candidates, _share(count, rate, minimum)):
            profile.scenario = name
            profile.renew_month = rng.randint(0, last_month)
    for name, (rate, minimum) in MONTHLY_SCENARIOS.items():
        wanted = _share(count, rate, minimum)
        candidates = pool("monthly")
        if len(candidates) < wanted:  # a small demo may lack monthly payers: switch some over
            switch = [p for p in pool("annual") if p.tier.monthly is not None]
            candidates += _pick(rng, switch, wanted - len(candidates))
        for profile in _pick(rng, candidates, wanted):
            profile.billing = "monthly"
            profile.scenario = name
            profile.payer = "slow"
