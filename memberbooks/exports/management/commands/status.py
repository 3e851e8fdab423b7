"""`memberbooks status ORG [--json] [--type ...] [--decision ...]`: export decisions at a glance."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.exports import queries
from memberbooks.exports.management.commands._common import actor, parse_types
from memberbooks.exports.models import Decision


class Command(BaseCommand):
    help = "Counts and totals per document type and decision; --json adds the document list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--type", help="Comma-separated: invoice,payment,credit_memo,refund")
        parser.add_argument("--decision", help="go, no_go or undecided")

    def handle(self, *args: Any, **options: Any) -> None:
        who = actor(options["org"])
        decision = options["decision"] or ""
        if decision and decision not in [*Decision.values, queries.UNDECIDED]:
            raise CommandError(f"--decision {decision!r} is unknown; use go, no_go or undecided.")
        filters = queries.Filters(types=parse_types(options["type"]), decision=decision)
        summary = queries.summary(who.organisation, filters)
        if options["json"]:
            rows = queries.transaction_status(who.organisation, filters, per_page=10**9)
            self.stdout.write(json.dumps(_json(summary, rows), indent=2))
            return
        for doc_type, per_decision in sorted(summary.items()):
            for name, cell in sorted(per_decision.items()):
                self.stdout.write(f"{doc_type:12} {name:10} {cell['count']:>8} {cell['total']:>14}")
        if not summary:
            self.stdout.write("No documents.")


def _json(summary: dict[str, Any], rows: list[queries.StatusRow]) -> dict[str, Any]:
    return {
        "summary": {
            doc_type: {
                name: {"count": cell["count"], "total": str(cell["total"])}
                for name, cell in per_decision.items()
            }
            for doc_type, per_decision in summary.items()
        },
        "documents": [row.as_json() for row in rows],
    }
