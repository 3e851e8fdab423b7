"""Page views. Each resolves the caller (`web.access.org_page`), then reads or calls an action.

Views are thin: a form parses the input, `ledger.queries` resolves every id
inside the caller's organisation, a named action writes, and a LedgerError
comes back as an error on the form. Writes answer with a redirect (POST,
redirect, GET).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from memberbooks.tenancy.models import Membership
from memberbooks.web.access import org_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user_id=request.user.pk or 0)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    if len(memberships) == 1:
        return redirect("aging", org=memberships[0].organisation.slug)
    return render(request, "web/home.html", {"memberships": memberships})


@org_page()
def org_home(request: HttpRequest, org: str) -> HttpResponse:
    """An organisation's front page is its aging report: what members owe, as of today."""
    return redirect("aging", org=org)
