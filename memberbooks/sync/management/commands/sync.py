"""`memberbooks sync ORG --check|--push [--json]`: check what a sync would send, or send it.

--check  builds the plan and sends nothing (items, by_kind, errors with fixes)
--push   runs the sync in this process and prints the run's outcome; exits 1 if
         anything failed or is left unknown
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.ledger.errors import LedgerError
from memberbooks.sync.check import check
from memberbooks.sync.models import RunState, SyncRun
from memberbooks.sync.plan import Plan
from memberbooks.sync.push import duration, push
from memberbooks.tenancy.access import Actor, system_actor
from memberbooks.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Check what a sync to QuickBooks would send, and what is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--check", action="store_true", help="Build the plan; send nothing")
        parser.add_argument("--push", action="store_true", help="Send to QuickBooks now")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = system_actor(options["org"])
        except Organisation.DoesNotExist as error:
            raise CommandError(str(error)) from None
        if options["check"] == options["push"]:
            raise CommandError("Say what to do: --check or --push.")
        try:
            if options["push"]:
                self.push(actor, options["json"])
                return
            plan = check(actor)
        except (LedgerError, PermissionDenied) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(plan.as_json(), indent=2))
        else:
            self.stdout.write(describe(plan))

    def push(self, actor: Actor, as_json: bool) -> None:
        run = push(actor)
        outcome = run_json(run)
        if as_json:
            self.stdout.write(json.dumps(outcome, indent=2))
        else:
            self.stdout.write(
                f"Sync {run.pk}: {run.confirmed} confirmed, {run.failed} failed, "
                f"{run.held} held in {outcome['duration_s']} s. {run.note}".strip()
            )
        if run.failed or run.state != RunState.DONE:
            raise SystemExit(1)


def run_json(run: SyncRun) -> dict[str, Any]:
    """The outcome of a run, as `sync --push --json` prints it."""
    return {
        "run": run.pk,
        "state": run.state,
        "planned": run.planned,
        "confirmed": run.confirmed,
        "failed": run.failed,
        "held": run.held,
        "by_kind": run.by_kind,
        "duration_s": round(duration(run).total_seconds(), 3),
        "note": run.note,
    }


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
