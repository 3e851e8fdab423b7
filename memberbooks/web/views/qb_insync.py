"""Starting in sync: MMS AR beside QuickBooks AR at a date, confirm the in-sync point; mass marking with preview and undo."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from memberbooks.web.access import org_page


@org_page()
def index(request: HttpRequest, org: str) -> HttpResponse:
    """Placeholder until the screen is built."""
    return HttpResponse("Not built yet.")


urlpatterns: list[URLPattern] = [path("", index, name="qb-insync")]
