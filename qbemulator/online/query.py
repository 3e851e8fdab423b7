"""The QBO query language: parse `SELECT ... FROM Entity WHERE ... ORDERBY ... STARTPOSITION ... MAXRESULTS ...`
and evaluate it over a company's entities. (Stub: the query work fills this in.)
"""

from typing import Any

from qbemulator.online.faults import Fault
from qbemulator.online.state import Company


def run(company: Company, text: str) -> dict[str, Any]:
    """The body of a query response: `{"QueryResponse": {...}, "time": ...}`. Raises Fault (4000/4001)."""
    raise Fault(
        "4000", "Error parsing query", "QueryParserError: the query language is not built yet"
    )
