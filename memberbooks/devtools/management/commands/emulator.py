"""`memberbooks emulator online [--port 8765] [--host 127.0.0.1] [--state PATH] [--throttle] [--knobs JSON]`.

Serves the QuickBooks Online emulator (the `qbemulator` package) in the
foreground. This launcher is the only place memberbooks imports the emulator;
the app itself reaches it through URLs, as it reaches Intuit. The state file
defaults to `var/emulator-online.json`, so the demo's QuickBooks survives a restart.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qbemulator.online import server


class Command(BaseCommand):
    help = "Serve the offline QuickBooks Online emulator."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="product", required=True)
        online = sub.add_parser("online", help="QuickBooks Online: API v3 and Intuit's OAuth 2.0")
        server.add_arguments(online)
        online.set_defaults(state=str(settings.VAR_DIR / "emulator-online.json"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server.run_from_options(
                options["host"],
                options["port"],
                options["state"],
                options["throttle"],
                options["knobs"],
                announce=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
