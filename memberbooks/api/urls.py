"""The API's URLs under /api/v1/: every route comes from the table in `views.api`."""

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, re_path, resolve
from django.views.decorators.csrf import csrf_exempt

from memberbooks.api import interface, sync_api  # noqa: F401  (they register routes on `api`)
from memberbooks.api.errors import ApiError, error_response
from memberbooks.api.views import api

app_name = "api"


@csrf_exempt
def unknown_path(request: HttpRequest) -> HttpResponse:
    """A JSON 404 for any other path under the API, with a hint when only the slash is missing."""
    fix = "GET /api/v1/openapi.json lists every path."
    try:
        if resolve(request.path + "/").url_name != UNKNOWN:
            fix = f"Add the trailing slash: {request.path}/"
    except Resolver404:
        pass
    return error_response(ApiError(404, "not_found", "There is no such API path.", fix=fix))


UNKNOWN = "unknown-path"

urlpatterns = [*api.urlpatterns(), re_path(r"", unknown_path, name=UNKNOWN)]
