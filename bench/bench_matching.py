"""Benchmark: matching suggestions for 10,000 members against 10,000 QuickBooks customers (target under 10 s).

The data is generated (fixed seed, no database): members with realistic names,
some companies, families sharing an email, and for about 70% of them a
QuickBooks customer typed differently (nickname, accents dropped, "Last,
First", honorifics and suffixes, "Inc." for "Incorporated", other phone and
ZIP formats, a typo now and then, fields missing). The other customers are
strangers, many with the same common surnames. `suggest()` is timed `--runs`
times (median reported); then its verdicts are checked against the known
pairs: a confident suggestion that names the wrong customer, or any customer
for a member who has none, is a wrong confident link. Finally `--recall`
members are scored against every customer, untimed, to count how often
blocking hid a better candidate than the one suggested.

    python bench/bench_matching.py [--members 10000] [--runs 3] [--seed 5] [--recall 100]
"""

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common

from memberbooks.matching.normalise import NICKNAMES
from memberbooks.matching.score import (
    CustomerFacts,
    MemberFacts,
    customer_keys,
    member_keys,
    score_keys,
)
from memberbooks.matching.suggest import WEAK, Suggestion, suggest


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "James Robert John Michael William David Richard Joseph Thomas Charles Christopher Daniel "
    "Matthew Anthony Donald Steven Andrew Joshua Kenneth Kevin Brian George Edward Ronald Timothy "
    "Jason Jeffrey Ryan Jacob Gary Nicholas Eric Stephen Jonathan Larry Justin Scott Brandon "
    "Benjamin Samuel Gregory Frank Alexander Raymond Patrick Jack Dennis Jerry Tyler Aaron José "
    "Luis Carlos Juan Miguel Jorge Pedro Raúl Andrés Ignacio Francisco Mary Patricia Jennifer "
    "Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Margaret Betty Sandra Ashley "
    "Kimberly Emily Donna Michelle Dorothy Carol Amanda Melissa Deborah Stephanie Rebecca Sharon "
    "Laura Cynthia Katherine Amy Angela Anna Brenda Pamela Nicole Emma Samantha Christine Debra "
    "Rachel Victoria Abigail María Sofía Lucía Isabel Mónica Beatriz Zoë Chloé Renée Amélie Søren "
    "Björn Jürgen Håkon Priya Arjun Wei Mei Hiroshi Yuki Aiko Olufemi Chidi Ngozi Fatima Omar"
)
LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodríguez Martínez Hernández López "
    "González Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Pérez Thompson White Harris "
    "Sánchez Clark Ramírez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gómez Phillips "
    "Evans Turner Díaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutiérrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chávez Wood James Bennett Gray Mendoza Ruiz Hughes Price Álvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jiménez O'Brien O'Neil McDonald MacLeod Van-der-Berg "
    "Müller Schäfer Nuñez Peña Øyelaran Okafor Adeyemi Nakamura Tanaka Chen Wang Zhang Singh "
    "Kowalski Nowak Dubois Lefèvre Rossi Esposito Bianchi Kovač Novák Horváth Papadopoulos"
)
COMPANY_WORDS = _words(
    "Acme Summit Harbor Northwind Pioneer Keystone Riverside Granite Beacon Evergreen Cedar "
    "Atlas Meridian Sterling Horizon Liberty Union Heritage Frontier Coastal Prairie Lakeside "
    "Oakwood Redwood Silverline Bluewater Ironbridge Maple Willow Falcon Eagle Orion Vertex"
)
COMPANY_KINDS = _words(
    "Consulting Engineering Dental Builders Legal Partners Logistics Design Foods Realty "
    "Insurance Medical Architects Analytics Printing Plumbing Electric Landscaping"
)
FORMS = [("Inc.", "Incorporated"), ("LLC", "L.L.C."), ("Co.", "Company"), ("Corp.", "Corporation")]
STREETS = _words("Main Oak Elm Pine Maple Cedar Park Lake Hill Church Market Washington Lincoln")
TYPES = [("Street", "St."), ("Avenue", "Ave"), ("Road", "Rd"), ("Lane", "Ln"), ("Drive", "Dr.")]
HONORIFICS = ["Mr.", "Mrs.", "Ms.", "Dr.", "Prof."]
SUFFIXES = ["Jr.", "Sr.", "III", "PhD", "CPA"]
FORMAL_TO_NICKS: dict[str, list[str]] = {}
for nick, formal in NICKNAMES.items():
    FORMAL_TO_NICKS.setdefault(formal, []).append(nick.title())
PLAIN = str.maketrans("áéíóúñçüöäåøÁÉÍÓÚàèëïôœ", "aeiouncuoaaoAEIOUaeeioo")


def _person(rng: random.Random, index: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    domain = rng.choice(["example.com", "mail.example.org", "inbox.example.net"])
    local = f"{first[0]}{last}".lower().translate(PLAIN).replace("'", "").replace("-", "")
    return {
        "first": first,
        "last": last,
        "email": f"{local}{index}@{domain}",
        "phone": f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}",
        "number": str(rng.randint(1, 9999)),
        "street": rng.choice(STREETS),
        "type": rng.choice(TYPES),
        "zip": f"{rng.randint(1000, 99999):05d}",
    }


def _company(rng: random.Random) -> tuple[str, int]:
    name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
    if rng.random() < 0.3:
        name = f"{name} & {rng.choice(COMPANY_KINDS)}"
    return name, rng.randrange(len(FORMS))


def _member(index: int, p: dict[str, str], company: tuple[str, int] | None) -> MemberFacts:
    return MemberFacts(
        member_id=index,
        first_name=p["first"],
        last_name=p["last"],
        company=f"{company[0]} {FORMS[company[1]][0]}" if company else "",
        email=p["email"],
        phone=f"({p['phone'][:3]}) {p['phone'][3:6]}-{p['phone'][6:]}",
        address=f"{p['number']} {p['street']} {p['type'][0]}",
        postal_code=p["zip"],
    )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _varied_name(rng: random.Random, p: dict[str, str]) -> tuple[str, str, str]:
    """Given name, family name and display name as a bookkeeper might have typed them."""
    first, last = p["first"], p["last"]
    nicks = FORMAL_TO_NICKS.get(first.lower().translate(PLAIN))
    if nicks and rng.random() < 0.3:
        first = rng.choice(nicks)
    if rng.random() < 0.5:
        first, last = first.translate(PLAIN), last.translate(PLAIN)
    if rng.random() < 0.03:
        last = _typo(rng, last)
    if rng.random() < 0.2:
        first, last = first.upper(), last.upper()
    roll = rng.random()
    if roll < 0.25:
        display = f"{last}, {first}"
    elif roll < 0.35:
        display = f"{rng.choice(HONORIFICS)} {first} {last}"
    elif roll < 0.42:
        display = f"{first} {last} {rng.choice(SUFFIXES)}"
    else:
        display = f"{first} {last}"
    if rng.random() < 0.5:
        return "", "", display
    return first, last, display


def _customer(
    rng: random.Random, qb_id: str, p: dict[str, str], company: tuple[str, int] | None
) -> CustomerFacts:
    given, family, display = _varied_name(rng, p)
    company_name = ""
    if company:
        company_name = f"{company[0].replace('&', 'and')} {FORMS[company[1]][1]}"
        if rng.random() < 0.6:
            given, family, display = "", "", company_name
    zip_code = p["zip"] + (f"-{rng.randint(1000, 9999)}" if rng.random() < 0.3 else "")
    return CustomerFacts(
        qb_id=qb_id,
        display_name=display,
        given_name=given,
        family_name=family,
        company_name=company_name,
        email=p["email"].upper()
        if rng.random() < 0.1
        else p["email"]
        if rng.random() < 0.6
        else "",
        phone=f"+1 {p['phone'][:3]}.{p['phone'][3:6]}.{p['phone'][6:]}"
        if rng.random() < 0.5
        else "",
        address=f"{p['number']} {p['street']} {p['type'][1]}" if rng.random() < 0.5 else "",
        postal_code=zip_code if rng.random() < 0.7 else "",
    )


def generate(
    count: int, seed: int
) -> tuple[list[MemberFacts], list[CustomerFacts], dict[int, str]]:
    """Members, customers and the true member -> customer pairs."""
    rng = random.Random(seed)
    members: list[MemberFacts] = []
    customers: list[CustomerFacts] = []
    truth: dict[int, str] = {}
    for index in range(1, count + 1):
        p = _person(rng, index)
        if members and rng.random() < 0.05:  # a family member sharing the previous member's email
            previous = members[-1]
            p["last"], p["email"] = previous.last_name, previous.email
        company = _company(rng) if rng.random() < 0.15 else None
        members.append(_member(index, p, company))
        if rng.random() < 0.7:
            qb_id = str(len(customers) + 1)
            customers.append(_customer(rng, qb_id, p, company))
            truth[index] = qb_id
    while len(customers) < count:
        stranger = _person(rng, count + len(customers) + 1)
        company = _company(rng) if rng.random() < 0.15 else None
        customers.append(_customer(rng, str(len(customers) + 1), stranger, company))
    rng.shuffle(customers)
    return members, customers, truth


def check(suggestions: list[Suggestion], truth: dict[int, str]) -> dict[str, float]:
    """How many confident suggestions are right, and how many are wrong."""
    verdicts = Counter(s.verdict for s in suggestions)
    right = wrong = 0
    for s in suggestions:
        if s.verdict == "confident" and s.best is not None:
            if truth.get(s.member_id) == s.best.qb_id:
                right += 1
            else:
                wrong += 1
    best_right = sum(
        1 for s in suggestions if s.best is not None and truth.get(s.member_id) == s.best.qb_id
    )
    return {
        "members": len(suggestions),
        "with a true customer": len(truth),
        **{f"verdict {v}": verdicts[v] for v in ("confident", "ambiguous", "weak", "none")},
        "confident and right": right,
        "confident and wrong": wrong,
        "confident right, share of true pairs": round(right / max(len(truth), 1), 4),
        "true customer ranked first": best_right,
    }


def blocking_recall(
    members: list[MemberFacts],
    customers: list[CustomerFacts],
    suggestions: list[Suggestion],
    sample: int,
) -> dict[str, int]:
    """Score a sample of members against every customer: did blocking hide a better candidate?"""
    rng = random.Random(0)
    by_id = {s.member_id: s for s in suggestions}
    every = [(c.qb_id, customer_keys(c)) for c in customers]
    missed = 0
    for member in rng.sample(members, min(sample, len(members))):
        mine = member_keys(member)
        best = max((score_keys(qb_id, mine, keys).score for qb_id, keys in every), default=0)
        shown = by_id[member.member_id].best
        if best >= WEAK and (shown is None or shown.score < best):
            missed += 1
    return {"recall sample": sample, "recall: better candidate hidden by blocking": missed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--recall", type=int, default=100, help="members checked against every customer (slow)"
    )
    args = parser.parse_args()
    members, customers, truth = generate(args.members, args.seed)
    suggestions: list[Suggestion] = []

    def run() -> None:
        suggestions[:] = suggest(members, customers, {})

    samples = common.measure(run, args.runs)
    size = f"{len(members):,} members x {len(customers):,} customers"
    result = common.Result("matching", "suggest()", "memory", size, samples)
    common.print_results([result])
    quality = {**check(suggestions, truth)}
    if args.recall:
        quality.update(blocking_recall(members, customers, suggestions, args.recall))
    for name, value in quality.items():
        print(f"{name:<40} {value}")
    common.write_results("matching", [result], {"quality": quality})


if __name__ == "__main__":
    main()
