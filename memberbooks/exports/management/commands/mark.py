"""`memberbooks mark ORG --before DATE [--after DATE] [--type ...] --no-go|--go --reason TEXT
[--preview] [--json]` and `memberbooks mark ORG --undo BATCH_ID`.

--before and --after are inclusive bounds of the documents' dates.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.exports import actions
from memberbooks.exports.management.commands._common import actor, parse_date, parse_types


class Command(BaseCommand):
    help = "Mass-mark documents go / no-go by date range and type (previewable), or undo a batch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--before", help="Last document date included (YYYY-MM-DD)")
        parser.add_argument("--after", help="First document date included (YYYY-MM-DD)")
        parser.add_argument("--type", help="Comma-separated: invoice,payment,credit_memo,refund")
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument("--go", action="store_true")
        choice.add_argument("--no-go", action="store_true")
        parser.add_argument("--reason", default="")
        parser.add_argument(
            "--preview", action="store_true", help="Count and total; change nothing"
        )
        parser.add_argument("--undo", type=int, metavar="BATCH_ID")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        who = actor(options["org"])
        try:
            data = self._undo(who, options) if options["undo"] else self._mark(who, options)
        except actions.ExportError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(data["message"])

    def _undo(self, who: Any, options: dict[str, Any]) -> dict[str, Any]:
        batch = actions.undo_mass_mark(who, options["undo"])
        return {
            "batch": batch.pk,
            "undone": True,
            "count": batch.count,
            "message": f"Batch {batch.pk} undone: {batch.count} documents restored.",
        }

    def _mark(self, who: Any, options: dict[str, Any]) -> dict[str, Any]:
        if not options["before"]:
            raise CommandError("Give --before DATE (or --undo BATCH_ID).")
        if not (options["go"] or options["no_go"]):
            raise CommandError("Give --go or --no-go.")
        date_to = parse_date(options["before"], "--before")
        date_from = parse_date(options["after"], "--after")
        types = parse_types(options["type"])
        if options["preview"]:
            preview = actions.preview_mass_mark(who, date_from, date_to, types, options["go"])
            return {
                "preview": True,
                **preview.as_json(),
                "message": f"Would mark {preview.count} documents totalling {preview.total}.",
            }
        batch = actions.mass_mark(who, date_from, date_to, types, options["go"], options["reason"])
        return {
            "preview": False,
            "batch": batch.pk,
            "count": batch.count,
            "total": str(batch.total),
            "decision": batch.decision,
            "message": f"Batch {batch.pk}: marked {batch.count} documents totalling "
            f"{batch.total} {batch.decision} (undo with --undo {batch.pk}).",
        }
