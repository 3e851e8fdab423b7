"""Page views. Each resolves the caller (`tenancy.access`), then reads or calls an action."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from memberbooks.tenancy.models import Membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user_id=request.user.pk or 0).select_related("organisation")
    )
    if len(memberships) == 1:
        return redirect("aging", org=memberships[0].organisation.slug)
    return render(request, "web/home.html", {"memberships": memberships})
