"""Member-to-customer matching: normalise names and score candidates. Pure functions, no database.

    from memberbooks.matching import MemberFacts, CustomerFacts, score, suggest

`score()` rates one pair 0..100 with reasons in plain words; `suggest()` gives
every member its best few customers and a verdict ("confident", "ambiguous",
"weak", "none"). Only "confident" may be linked in bulk.
"""

from memberbooks.matching.score import CustomerFacts, Match, MemberFacts, score
from memberbooks.matching.suggest import Candidate, Suggestion, Verdict, suggest

__all__ = [
    "Candidate",
    "CustomerFacts",
    "Match",
    "MemberFacts",
    "Suggestion",
    "Verdict",
    "score",
    "suggest",
]
