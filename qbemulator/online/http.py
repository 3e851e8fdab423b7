"""WSGI plumbing: a small Request, Response and router. No framework, no memberbooks."""

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

JSON = "application/json"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    environ: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> "Request":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=environ.get("PATH_INFO", "/") or "/",
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
            environ=environ,
        )

    def arg(self, name: str, default: str | None = None) -> str | None:
        """A query-string parameter (case-insensitive name, as Intuit accepts)."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[-1]
        return default

    def json(self) -> Any:
        """The body parsed with Decimal for numbers: amounts never pass through float."""
        return json.loads(self.body or b"null", parse_float=Decimal)

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()
    ) -> "Response":
        return cls(status, dumps(data).encode(), [("Content-Type", JSON), *headers])

    @classmethod
    def html(cls, text: str, status: int = 200) -> "Response":
        return cls(status, text.encode(), [("Content-Type", "text/html; charset=utf-8")])

    @classmethod
    def redirect(cls, location: str) -> "Response":
        return cls(302, b"", [("Location", location)])


def dumps(data: Any) -> str:
    """JSON text in which a Decimal is written as a JSON number with its exact digits.

    QBO sends amounts as JSON numbers; the stdlib encoder would only take them as
    floats, which is how cents get lost, so this encoder writes them itself.
    """
    if isinstance(data, Decimal):
        return format(data, "f")
    if isinstance(data, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in data.items()) + "}"
    if isinstance(data, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in data) + "]"
    if isinstance(data, float):
        raise TypeError("floats are not written: amounts must be Decimal")
    return json.dumps(data)


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    """`pattern` is a regex over the path; named groups become handler keyword arguments."""

    method: str
    pattern: str
    handler: Handler

    def match(self, request: Request) -> dict[str, str] | None:
        found = re.fullmatch(self.pattern, request.path)
        return found.groupdict() if found else None
