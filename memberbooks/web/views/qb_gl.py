"""Edit General Ledger Accounts: map each MMS GL account to a QuickBooks item or account, from the cached catalog."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from memberbooks.web.access import org_page


@org_page()
def index(request: HttpRequest, org: str) -> HttpResponse:
    """Placeholder until the screen is built."""
    return HttpResponse("Not built yet.")


urlpatterns: list[URLPattern] = [path("", index, name="qb-gl")]
