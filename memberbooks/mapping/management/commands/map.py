"""`memberbooks map ORG ...`: map GL accounts to QuickBooks items and accounts.

map ORG --gl NUMBER --item ID | --account ID   map one GL
map ORG --gl NUMBER --unmap                    remove one GL's mapping
map ORG --create-missing                       create an item/account per unmapped GL in use
map ORG --list [--json]                        every GL's mapping state
map ORG --refresh                              reload the cached QuickBooks items and accounts
map ORG --catalog [--kind item|account] [--json]  the cached items and accounts, with their ids
map ORG --dedicated-ar [NAME]                  create or choose a dedicated A/R account for MMS
                                               invoices and map the receivable GL to it
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.ledger import queries as ledger_queries
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.models import GLAccountKind
from memberbooks.mapping import actions, queries
from memberbooks.mapping.management.commands.link import actor_of
from memberbooks.mapping.models import CatalogKind, QbCatalogEntry
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
        parser.add_argument("--unmap", action="store_true", help="Remove the --gl mapping")
        parser.add_argument("--catalog", action="store_true", help="List cached items/accounts")
        parser.add_argument("--kind", choices=[k.value for k in CatalogKind], help="With --catalog")
        parser.add_argument(
            "--dedicated-ar",
            nargs="?",
            const=actions.DEDICATED_AR_NAME,
            help=f"Map the receivable GL to its own A/R account (default {actions.DEDICATED_AR_NAME!r})",
        )

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
        elif options["catalog"]:
            self.catalog(actor, options["kind"], options["json"])
        elif options["create_missing"]:
            self.create_missing(actor)
        elif options["dedicated_ar"]:
            self.dedicated_ar(actor, options["dedicated_ar"])
        elif options["gl"] and options["unmap"]:
            gl = ledger_queries.gl_account(actor.organisation, number=options["gl"])
            actions.unmap_gl(actor, gl)
            self.stdout.write(f"Unmapped GL {gl.number}.")
        elif options["gl"]:
            gl = ledger_queries.gl_account(actor.organisation, number=options["gl"])
            mapping = actions.map_gl(actor, gl, options["item"], options["account"])
            target = mapping.qb_item_name or mapping.qb_account_name
            self.stdout.write(f"Mapped GL {gl.number} to {target}.")
            if mapping.mismatch:
                self.stdout.write(f"Warning: {mapping.mismatch}")
        else:
            raise CommandError(
                "Say what to do: --gl NUMBER --item ID | --account ID, --gl NUMBER --unmap, "
                "--create-missing, --list, --refresh or --catalog."
            )

    def dedicated_ar(self, actor: Actor, name: str) -> None:
        receivable = [
            gl
            for gl in ledger_queries.gl_accounts(actor.organisation)
            if gl.kind == GLAccountKind.RECEIVABLE and gl.active
        ]
        if not receivable:
            raise CommandError(
                "There is no receivable GL account to map. Add one (kind receivable) first."
            )
        result = actions.create_dedicated_ar(actor, receivable[0], name)
        verb = "Created" if result.created else "Found"
        self.stdout.write(
            f"{verb} A/R account {result.mapping.qb_account_name}; GL {receivable[0].number} "
            "maps to it, so every MMS invoice posts there."
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

    def catalog(self, actor: Actor, kind: str | None, as_json: bool) -> None:
        rows = list(queries.catalog(actor.organisation, kind))
        if as_json:
            self.stdout.write(json.dumps({"catalog": [_entry(row) for row in rows]}, indent=2))
            return
        if not rows:
            self.stdout.write(
                f"Nothing cached; run memberbooks map {actor.organisation.slug} --refresh."
            )
        for row in rows:
            state = "" if row.active else "inactive"
            self.stdout.write(
                f"{row.kind:<8} {row.qb_id:<8} {row.name:<40} {row.type} {state}".rstrip()
            )

    def create_missing(self, actor: Actor) -> None:
        failed = 0
        missing = queries.unmapped_gl_with_transactions(actor.organisation)
        if not missing:
            self.stdout.write("Nothing to create: every GL account with transactions is mapped.")
        for gl in missing:
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


def _entry(row: QbCatalogEntry) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "qb_id": row.qb_id,
        "name": row.name,
        "type": row.type,
        "subtype": row.subtype,
        "income_account_id": row.income_account_id,
        "active": row.active,
    }
