"""The WSGI app: every module's route table, tried in order, behind one error guard."""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from qbemulator.online import routes
from qbemulator.online.http import Request, Response, Route
from qbemulator.online.state import Emulator

log = logging.getLogger("qbemulator")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

REASONS = {
    200: "OK",
    201: "Created",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def make_app(emulator: Emulator, base_url: str = "") -> WSGIApp:
    """A WSGI callable serving `emulator`. `base_url` is how callers reach it (for redirects)."""
    table = routes.all_routes()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        response = dispatch(emulator, request, table, base_url)
        reason = REASONS.get(response.status, "")
        start_response(f"{response.status} {reason}", response.headers)
        return [response.body]

    return app


def dispatch(emulator: Emulator, request: Request, table: list[Route], base_url: str) -> Response:
    allowed = []
    for route in table:
        groups = route.match(request)
        if groups is None:
            continue
        if route.method != request.method:
            allowed.append(route.method)
            continue
        try:
            return route.handler(request, emulator, **groups)
        except Exception:
            log.exception("emulator error on %s %s", request.method, request.path)
            return Response.json(
                {
                    "Fault": {
                        "Error": [
                            {
                                "Message": "An application error has occurred while processing your request",
                                "Detail": "System Failure Error: An unexpected error occurred",
                                "code": "10000",
                            }
                        ],
                        "type": "SystemFault",
                    }
                },
                500,
            )
    if allowed:
        return Response.json(
            {"error": "method not allowed"}, 405, [("Allow", ", ".join(sorted(set(allowed))))]
        )
    return Response.json({"error": f"no such endpoint: {request.path}"}, 404)
