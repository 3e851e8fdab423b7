"""`memberbooks map ORG ...`: map GL accounts to QuickBooks items and accounts.

map ORG --gl NUMBER --item ID | --account ID   map one GL
map ORG --create-missing                       create an item/account per unmapped GL in use
map ORG --list [--json]                        every GL's mapping state
map ORG --refresh                              reload the cached QuickBooks items and accounts
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.ledger import queries as ledger_queries
from memberbooks.ledger.errors import LedgerError
from memberbooks.mapping import actions, queries
from memberbooks.mapping.management.commands.link import actor_of
from memberbooks.tenancy.access import Actor


class Command(BaseCommand):
    help = "Map GL accounts to QuickBooks items and accounts, create missing ones, or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--gl", help="GL account number")
        parser.add_argument("--item", help="QuickBooks item id")
        parser.add_argument("--account", help="QuickBooks account id")
        parser.add_argument("--create-missing", action="store_true")
        parser.add_argument("--list", action="store_true")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--refresh", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = actor_of(options["org"])
        try:
            self.run(actor, options)
        except (LedgerError, PermissionDenied) as error:
            raise CommandError(str(error)) from None

    def run(self, actor: Actor, options: dict[str, Any]) -> None:
        if options["refresh"]:
            counts = actions.refresh_catalog(actor)
            self.stdout.write(f"Cached {counts['items']} items and {counts['accounts']} accounts.")
        elif options["list"]:
            self.list(actor, options["json"])
        elif options["create_missing"]:
            self.create_missing(actor)
        elif options["gl"]:
            gl = ledger_queries.gl_account(actor.organisation, number=options["gl"])
            mapping = actions.map_gl(actor, gl, options["item"], options["account"])
            target = mapping.qb_item_name or mapping.qb_account_name
            self.stdout.write(f"Mapped GL {gl.number} to {target}.")
            if mapping.mismatch:
                self.stdout.write(f"Warning: {mapping.mismatch}")
        else:
            raise CommandError(
                "Say what to do: --gl NUMBER --item ID | --account ID, --create-missing, "
                "--list or --refresh."
            )

    def list(self, actor: Actor, as_json: bool) -> None:
        rows = queries.gl_mapping_status(actor.organisation)
        if as_json:
            self.stdout.write(
                json.dumps({"gl_accounts": [row.as_json() for row in rows]}, indent=2)
            )
            return
        for row in rows:
            m = row.mapping
            target = (m.qb_item_name or m.qb_account_name) if m else "-"
            used = "has transactions" if row.has_transactions else ""
            self.stdout.write(
                f"{row.gl_account.number:<8} {row.state:<9} {target:<40} {row.gl_account.name}  {used}".rstrip()
            )

    def create_missing(self, actor: Actor) -> None:
        failed = 0
        for gl in queries.unmapped_gl_with_transactions(actor.organisation):
            try:
                if gl.kind in actions.ITEM_GL_KINDS:
                    mapping = actions.create_item_for(actor, gl)
                else:
                    mapping = actions.create_account_for(actor, gl)
            except LedgerError as error:
                failed += 1
                self.stderr.write(f"GL {gl.number}: {error}")
                continue
            target = mapping.qb_item_name or mapping.qb_account_name
            self.stdout.write(f"GL {gl.number}: created and mapped to {target}")
        if failed:
            raise CommandError(f"{failed} GL account(s) could not be mapped; see above.")
