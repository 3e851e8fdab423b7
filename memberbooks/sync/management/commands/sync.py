"""`memberbooks sync ORG --check [--json]`: what a sync would send now, and what is wrong.

The push (`--push`) comes with the outbox; see memberbooks/sync/docs.md.
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.ledger.errors import LedgerError
from memberbooks.sync.check import check
from memberbooks.sync.plan import Plan
from memberbooks.tenancy.access import system_actor
from memberbooks.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Check what a sync to QuickBooks would send, and what is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--check", action="store_true", help="Build the plan; send nothing")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = system_actor(options["org"])
        except Organisation.DoesNotExist as error:
            raise CommandError(str(error)) from None
        if not options["check"]:
            raise CommandError("Say what to do: --check (the push is not built yet).")
        try:
            plan = check(actor)
        except (LedgerError, PermissionDenied) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(plan.as_json(), indent=2))
        else:
            self.stdout.write(describe(plan))


def describe(plan: Plan) -> str:
    """The plan in a few lines: counts and totals per kind, then errors by cause."""
    lines = [f"{len(plan.items)} item(s) ready to send."]
    for kind, cell in plan.by_kind.items():
        lines.append(f"  {kind:<12} {cell['count']:>7}  {cell['total']:>14}")
    for code, problems in plan.errors_by_code.items():
        lines.append(f"{len(problems)} error(s) {code}: {problems[0].message} {problems[0].fix}")
    if plan.held:
        lines.append(f"{len(plan.held)} held until what they depend on is fixed.")
    if plan.review:
        lines.append(f"{len(plan.review)} correction(s) listed for review.")
    if plan.undecided:
        lines.append(f"{plan.undecided} undecided transaction(s) will not be sent.")
    return "\n".join(lines)
