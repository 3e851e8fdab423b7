"""The Sync pages: check (what will be sent, what is wrong), live progress, results, history."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from memberbooks.web.access import org_page


@org_page()
def index(request: HttpRequest, org: str) -> HttpResponse:
    """Placeholder until the screen is built."""
    return HttpResponse("Not built yet.")


urlpatterns: list[URLPattern] = [path("", index, name="qb-sync")]
