"""Member Status: every member's QuickBooks link state, live customer search, the matching workbench and Create in QuickBooks."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from memberbooks.web.access import org_page


@org_page()
def index(request: HttpRequest, org: str) -> HttpResponse:
    """Placeholder until the screen is built."""
    return HttpResponse("Not built yet.")


urlpatterns: list[URLPattern] = [path("", index, name="qb-members")]
