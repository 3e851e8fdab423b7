"""`memberbooks status ORG [--json | --csv]`: export decisions at a glance, with the report's filters.

Filters (as on the Transaction Status page): --type, --from/--to (inclusive dates),
--decision (go, no_go, undecided), --status (pending, exported, failed, changed),
--member NUMBER, --source (dues, event, other; invoices only).
"""

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.exports import queries
from memberbooks.exports.management.commands._common import actor, parse_date, parse_types
from memberbooks.exports.models import Decision, ExportStatus
from memberbooks.ledger import queries as ledger_queries
from memberbooks.ledger.errors import NotFound
from memberbooks.ledger.models import InvoiceSource
from memberbooks.tenancy.access import Actor

ALL = 10**9
CSV_COLUMNS = [
    "type",
    "number",
    "date",
    "member",
    "amount",
    "voided_on",
    "source",
    "decision",
    "reason",
    "status",
    "qb_id",
]


class Command(BaseCommand):
    help = "Counts and totals per document type and decision; --json adds the documents, --csv lists them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true")
        output.add_argument("--csv", action="store_true", help="One row per document")
        parser.add_argument("--type", help="Comma-separated: invoice,payment,credit_memo,refund")
        parser.add_argument("--decision", help="go, no_go or undecided")
        parser.add_argument("--status", help="pending, exported, failed or changed")
        parser.add_argument("--from", dest="date_from", help="Dated on or after (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", help="Dated on or before (YYYY-MM-DD)")
        parser.add_argument("--member", help="Member number")
        parser.add_argument("--source", help="dues, event or other (invoices only)")

    def handle(self, *args: Any, **options: Any) -> None:
        who = actor(options["org"])
        filters = _filters(who, options)
        if options["csv"]:
            self._csv(queries.transaction_status(who.organisation, filters, per_page=ALL))
            return
        summary = queries.summary(who.organisation, filters)
        if options["json"]:
            rows = queries.transaction_status(who.organisation, filters, per_page=ALL)
            self.stdout.write(json.dumps(_json(summary, rows), indent=2))
            return
        for doc_type, per_decision in sorted(summary.items()):
            for name, cell in sorted(per_decision.items()):
                self.stdout.write(f"{doc_type:12} {name:10} {cell['count']:>8} {cell['total']:>14}")
        if not summary:
            self.stdout.write("No documents.")

    def _csv(self, rows: list[queries.StatusRow]) -> None:
        writer = csv.DictWriter(self.stdout, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.as_json().items()})


def _choice(value: str | None, option: str, allowed: list[str]) -> str:
    if value and value not in allowed:
        raise CommandError(f"{option} {value!r} is unknown; use {', '.join(allowed)}.")
    return value or ""


def _filters(who: Actor, options: dict[str, Any]) -> queries.Filters:
    member_id = None
    if options["member"]:
        try:
            member_id = ledger_queries.member(who.organisation, number=options["member"]).pk
        except NotFound as exc:
            raise CommandError(f"--member: {exc.message}") from exc
    return queries.Filters(
        types=parse_types(options["type"]),
        date_from=parse_date(options["date_from"], "--from"),
        date_to=parse_date(options["date_to"], "--to"),
        decision=_choice(options["decision"], "--decision", [*Decision.values, queries.UNDECIDED]),
        status=_choice(options["status"], "--status", list(ExportStatus.values)),
        member_id=member_id,
        source=_choice(options["source"], "--source", list(InvoiceSource.values)),
    )


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
