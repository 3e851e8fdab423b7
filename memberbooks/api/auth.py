"""Who is calling: a bearer token or the Django session, resolved to an `Actor` of the URL's organisation.

- `Authorization: Bearer <token>` wins when present. A token is bound to one
  membership, so it only works under that membership's organisation; anywhere
  else the answer is the same 404 as for an organisation that does not exist.
  Browsers never attach this header by themselves, so token requests need no
  CSRF check.
- Otherwise the session: a logged-in user who is a member of the organisation.
  The browser sends the session cookie on its own, so unsafe methods must pass
  Django's CSRF check (the `X-CSRFToken` header), exactly as pages do.
- Neither: 401 with `WWW-Authenticate`.
"""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware

from memberbooks.api.errors import ApiError, org_not_found
from memberbooks.tenancy.access import Actor, actor_for_token, actor_for_user

REALM = 'Bearer realm="memberbooks"'
SIGN_IN_FIX = "Send Authorization: Bearer <token>; an admin creates one with `memberbooks apitoken create ORG USERNAME`."


def authenticate(request: HttpRequest, slug: str, unsafe: bool) -> Actor:
    header = request.headers.get("Authorization", "")
    if header:
        return _token_actor(header, slug)
    if request.user.is_authenticated:
        if unsafe:
            _check_csrf(request)
        try:
            return actor_for_user(request.user, slug)
        except Http404 as exc:
            raise org_not_found() from exc
    raise ApiError(
        401,
        "unauthenticated",
        "This needs a token or a signed-in session.",
        fix=SIGN_IN_FIX,
        headers={"WWW-Authenticate": REALM},
    )


def _token_actor(header: str, slug: str) -> Actor:
    scheme, _, raw = header.partition(" ")
    actor = actor_for_token(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if actor is None:
        raise ApiError(
            401,
            "invalid_token",
            "The Authorization header does not hold a valid token (mistyped or revoked?).",
            fix=SIGN_IN_FIX,
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    if actor.organisation.slug != slug:
        raise org_not_found()
    return actor


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, run on demand; a rejection comes back as a 403 holding the reason."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return HttpResponseForbidden(reason)


def _no_response(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the CSRF check never calls on")  # pragma: no cover


def _check_csrf(request: HttpRequest) -> None:
    rejected = _CsrfCheck(_no_response).process_view(request, _no_response, (), {})
    if rejected is not None:
        raise ApiError(
            403,
            "csrf_failed",
            f"CSRF check failed: {rejected.content.decode()}",
            fix="With a session, send the csrftoken cookie's value in the X-CSRFToken header; "
            "scripts should use a bearer token instead.",
        )
