"""`memberbooks qbo connect|status|disconnect ORG` and `memberbooks qbo rotate-keys`.

`connect ORG` prints the authorize URL and waits until the callback page completes the
connection (for servers without a browser). `connect ORG --emulator URL --auto-approve`
answers the emulator's consent itself: it follows the authorize redirect with httpx, reads
the code from the callback URL and finishes the connection directly (no web server needed).
"""

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from memberbooks.connections import actions, crypto, oauth
from memberbooks.connections.models import QboConnection, Status
from memberbooks.tenancy.access import Actor, system_actor
from memberbooks.tenancy.models import Organisation

DEFAULT_CALLBACK = "http://127.0.0.1:8000/quickbooks/callback/"


class Command(BaseCommand):
    help = "Connect an organisation to QuickBooks Online, show the connection, or disconnect it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        connect = sub.add_parser("connect", help="Connect ORG to QuickBooks.")
        connect.add_argument("org")
        connect.add_argument("--emulator", default="", help="The emulator's base URL")
        connect.add_argument(
            "--auto-approve", action="store_true", help="Approve the emulator's consent page"
        )
        connect.add_argument(
            "--if-needed", action="store_true", help="Do nothing when already connected"
        )
        connect.add_argument(
            "--timeout", type=float, default=600.0, help="Seconds to wait for the callback"
        )
        status = sub.add_parser("status", help="Show ORG's connection.")
        status.add_argument("org")
        status.add_argument("--json", action="store_true")
        disconnect = sub.add_parser("disconnect", help="Revoke ORG's tokens and disconnect.")
        disconnect.add_argument("org")
        sub.add_parser("rotate-keys", help="Re-encrypt every stored secret with the first key.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "rotate-keys":
            try:
                count = actions.rotate_keys()
            except crypto.DecryptionError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Re-encrypted the secrets of {count} connection(s).")
            return
        actor = _actor(options["org"])
        if action == "status":
            self._status(actor, as_json=options["json"])
        elif action == "disconnect":
            connection = actions.disconnect(actor)
            self.stdout.write(connection.last_error or "Disconnected; the tokens were revoked.")
        else:
            self._connect(actor, options)

    def _status(self, actor: Actor, *, as_json: bool) -> None:
        state = actions.status(actions.connection_for(actor.organisation))
        if as_json:
            self.stdout.write(json.dumps(state, indent=2))
            return
        for key, value in state.items():
            self.stdout.write(f"{key:20} {'' if value is None else value}")

    def _connect(self, actor: Actor, options: dict[str, Any]) -> None:
        existing = actions.connection_for(actor.organisation)
        if options["if_needed"] and existing is not None and existing.connected:
            self.stdout.write(
                f"{actor.organisation.slug} is already connected ({existing.company_name})."
            )
            return
        if options["auto_approve"] and not options["emulator"]:
            raise CommandError("--auto-approve works only with --emulator URL.")
        started_at = timezone.now()
        try:
            started = actions.start_connect(
                actor,
                redirect_uri=settings.QBO_REDIRECT_URI or DEFAULT_CALLBACK,
                emulator_url=options["emulator"],
                auto_approve=options["auto_approve"],
            )
            if options["auto_approve"]:
                connection = _approve_on_emulator(actor, options["emulator"], started)
            else:
                self.stdout.write("Open this URL in a browser, logged in as an admin, and approve:")
                self.stdout.write(started.authorize_url)
                connection = _wait(actor.organisation, started_at, options["timeout"])
        except actions.ConnectionProblem as problem:
            raise CommandError(f"{problem.message} {problem.fix}".strip()) from None
        self.stdout.write(
            f"Connected {actor.organisation.slug} to {connection.company_name} "
            f"(realmId {connection.realm_id})."
        )


def _actor(slug: str) -> Actor:
    try:
        return system_actor(slug)
    except Organisation.DoesNotExist as exc:
        raise CommandError(str(exc)) from None


def _approve_on_emulator(actor: Actor, emulator: str, started: actions.Started) -> QboConnection:
    """Follow the emulator's authorize redirect to our callback and finish there."""
    _wait_for_emulator(emulator)
    with httpx.Client(timeout=oauth.TIMEOUT, follow_redirects=False) as http:
        response = http.get(started.authorize_url)
    location = response.headers.get("location", "")
    query = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
    if response.status_code not in (302, 303) or "code" not in query:
        problem = query.get("error") or f"HTTP {response.status_code}"
        raise actions.ConnectionProblem(f"The emulator did not approve the connection ({problem}).")
    return actions.finish_connect(
        actor, state=query.get("state", ""), code=query["code"], realm_id=query.get("realmId", "")
    )


def _wait_for_emulator(emulator: str, seconds: float = 15.0) -> None:
    """`make demo` starts the emulator in the background; give it a moment to listen."""
    deadline = time.monotonic() + seconds
    url = emulator.rstrip("/") + "/.well-known/openid-configuration"
    while True:
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise actions.ConnectionProblem(
                    f"The QuickBooks emulator at {emulator} does not answer.",
                    "Start it with: memberbooks emulator online --port 8765",
                ) from None
            time.sleep(0.3)


def _wait(organisation: Organisation, since: Any, timeout: float) -> QboConnection:
    """Poll until the callback page has completed the connection (or time runs out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection = QboConnection.objects.filter(
            organisation=organisation, status=Status.CONNECTED, connected_at__gte=since
        ).first()
        if connection is not None:
            return connection
        time.sleep(1.0)
    raise actions.ConnectionProblem(
        f"No answer from QuickBooks within {timeout:.0f} seconds.", "Run the command again."
    )
