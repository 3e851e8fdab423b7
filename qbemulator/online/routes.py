"""The route tables of every module, in the order they are tried.

Each module owns a `ROUTES: list[Route]`; handlers are called as
`handler(request, emulator, **path_groups)` and return a `Response`.
"""

from qbemulator.online.http import Route


def all_routes() -> list[Route]:
    from qbemulator.online import api, control, inspection, oauth

    return [*control.ROUTES, *oauth.ROUTES, *inspection.ROUTES, *api.ROUTES]
