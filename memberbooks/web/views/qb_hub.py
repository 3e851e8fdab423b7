"""The QuickBooks Interface hub: where the organisation stands before a sync, with a link to each screen.

It answers the bookkeeper's first question ("what is left to do before I can
sync?") with counts, each linking to the screen that fixes it.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from memberbooks.connections.actions import connection_for
from memberbooks.exports.models import InSyncPoint
from memberbooks.exports.queries import UNDECIDED, summary
from memberbooks.ledger.money import ZERO
from memberbooks.mapping import queries as mapping
from memberbooks.web.access import org_page
from memberbooks.web.views.common import actor

SECTION = "quickbooks"


def _decisions(org: Any) -> dict[str, int]:
    """Documents per decision (go / no_go / undecided), over every type."""
    counts: dict[str, int] = {"go": 0, "no_go": 0, UNDECIDED: 0}
    for cells in summary(org).values():
        for decision, cell in cells.items():
            counts[decision] = counts.get(decision, 0) + cell["count"]
    return counts


@require_GET
@org_page()
def hub(request: HttpRequest, org: str) -> HttpResponse:
    """The QuickBooks Interface: connection, links, mappings, decisions and the in-sync point."""
    organisation = actor(request).organisation
    unmapped = mapping.unmapped_gl_with_transactions(organisation)
    context = {
        "section": SECTION,
        "connection": connection_for(organisation),
        "unlinked": mapping.unlinked_members_with_transactions(organisation).count(),
        "unmapped": len(unmapped),
        "decisions": _decisions(organisation),
        "insync": InSyncPoint.objects.filter(organisation=organisation).first(),
        "zero": ZERO,
    }
    return render(request, "web/qb/hub.html", context)
