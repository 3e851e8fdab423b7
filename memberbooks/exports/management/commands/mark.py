"""`memberbooks mark ORG --before DATE --no-go --reason TEXT`: go / no-go by date range, or by document.

mark ORG --before D [--after D] [--type ...] --go|--no-go --reason T [--preview] [--json]
mark ORG --to D [--from D] ...                 the same with inclusive bounds
mark ORG --doc invoice:INV-000001 [--doc ...] --go|--no-go --reason T
mark ORG --undo BATCH_ID

--before and --after are strict, as in English and as the in-sync point reads its
date: `--before 2026-02-01` leaves documents of 1 February alone. --from and --to
include their dates. A range is marked as one batch that --undo reverses.
"""

import datetime as dt
import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.exports import actions
from memberbooks.exports.management.commands._common import actor, parse_date, parse_types
from memberbooks.exports.models import DocType
from memberbooks.exports.queries import documents
from memberbooks.tenancy.access import Actor

DAY = dt.timedelta(days=1)
REFUND_NUMBER = re.compile(r"R([0-9]{1,18})")


class Command(BaseCommand):
    help = "Mark documents go / no-go by date range (previewable, undoable) or one by one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--before", help="Documents dated before this day (YYYY-MM-DD)")
        parser.add_argument("--after", help="Documents dated after this day (YYYY-MM-DD)")
        parser.add_argument("--to", help="Last document date included (YYYY-MM-DD)")
        parser.add_argument("--from", dest="date_from", help="First document date included")
        parser.add_argument("--type", help="Comma-separated: invoice,payment,credit_memo,refund")
        parser.add_argument(
            "--doc",
            action="append",
            default=[],
            metavar="TYPE:NUMBER",
            help="One document, e.g. invoice:INV-000012 or refund:R34 (repeatable)",
        )
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
            if options["undo"]:
                data = self._undo(who, options)
            elif options["doc"]:
                data = self._mark_documents(who, options)
            else:
                data = self._mark(who, options)
        except actions.ExportError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(data["message"])

    def _undo(self, who: Actor, options: dict[str, Any]) -> dict[str, Any]:
        batch = actions.undo_mass_mark(who, options["undo"])
        return {
            "batch": batch.pk,
            "undone": True,
            "count": batch.count,
            "message": f"Batch {batch.pk} undone: {batch.count} documents restored.",
        }

    def _mark_documents(self, who: Actor, options: dict[str, Any]) -> dict[str, Any]:
        if any(options[k] for k in ("before", "after", "to", "date_from", "type", "preview")):
            raise CommandError(
                "--doc marks the documents named; leave out dates, --type, --preview."
            )
        go = _decision(options)
        refs = [_document(who, text) for text in options["doc"]]
        count = actions.mark(who, refs, go, options["reason"])
        decision = "go" if go else "no_go"
        return {
            "preview": False,
            "count": count,
            "decision": decision,
            "documents": options["doc"],
            "message": f"Marked {count} document(s) {decision}.",
        }

    def _mark(self, who: Actor, options: dict[str, Any]) -> dict[str, Any]:
        date_from, date_to = _range(options)
        types = parse_types(options["type"])
        span = {
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
        }
        if options["preview"]:
            preview = actions.preview_mass_mark(who, date_from, date_to, types, options["go"])
            return {
                "preview": True,
                **preview.as_json(),
                "message": f"Would mark {preview.count} documents totalling {preview.total}.",
            }
        go = _decision(options)
        batch = actions.mass_mark(who, date_from, date_to, types, go, options["reason"])
        return {
            "preview": False,
            "batch": batch.pk,
            "count": batch.count,
            "total": str(batch.total),
            "decision": batch.decision,
            **span,
            "message": f"Batch {batch.pk}: marked {batch.count} documents totalling "
            f"{batch.total} {batch.decision} (undo with --undo {batch.pk}).",
        }


def _decision(options: dict[str, Any]) -> bool:
    if not (options["go"] or options["no_go"]):
        raise CommandError("Give --go or --no-go.")
    return bool(options["go"])


def _range(options: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """Inclusive (from, to) for the actions: --before and --after are strict, --from/--to not."""
    for strict, inclusive in (("before", "to"), ("after", "date_from")):
        if options[strict] and options[inclusive]:
            shown = "--from" if inclusive == "date_from" else "--to"
            raise CommandError(f"Give --{strict} or {shown}, not both.")
    if not (options["before"] or options["to"]):
        raise CommandError("Give --before DATE or --to DATE (or --doc TYPE:NUMBER, or --undo).")
    before = parse_date(options["before"], "--before")
    after = parse_date(options["after"], "--after")
    date_to = before - DAY if before else parse_date(options["to"], "--to")
    date_from = after + DAY if after else parse_date(options["date_from"], "--from")
    if date_from and date_to and date_from > date_to:
        raise CommandError(f"No day is in that range ({date_from} to {date_to}); check the dates.")
    return date_from, date_to


def _document(who: Actor, text: str) -> tuple[str, int]:
    """`invoice:INV-000012` (or `refund:R34`) -> (type, id) in the actor's organisation."""
    doc_type, _, number = text.partition(":")
    doc_type, number = doc_type.strip(), number.strip()
    if doc_type not in DocType.values or not number:
        raise CommandError(
            f"--doc {text!r} is not TYPE:NUMBER; TYPE is one of {', '.join(DocType.values)}."
        )
    rows = documents(who.organisation, doc_type)
    if doc_type == DocType.REFUND:
        matched = REFUND_NUMBER.fullmatch(number)
        rows = rows.filter(pk=int(matched.group(1))) if matched else rows.none()
    else:
        rows = rows.filter(number=number)
    found = rows.values_list("pk", flat=True).first()
    if found is None:
        raise CommandError(f"--doc {text!r}: no {doc_type} {number} in {who.organisation.name}.")
    return doc_type, int(found)
