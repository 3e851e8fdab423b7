"""`memberbooks aging ORG [--as-of YYYY-MM-DD] [--json]`: the AR aging report."""

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from memberbooks.ledger.aging import BUCKETS, aging
from memberbooks.tenancy.access import system_actor
from memberbooks.tenancy.models import Organisation


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of {value!r} is not a date; write it as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = "Print accounts-receivable aging per member as of a date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org", help="Organisation slug")
        parser.add_argument("--as-of", default=None, help="Report date, YYYY-MM-DD (default today)")
        parser.add_argument(
            "--json", action="store_true", help="Print JSON with amounts as decimal strings"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = system_actor(options["org"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        as_of = parse_date(options["as_of"]) if options["as_of"] else timezone.localdate()
        report = aging(actor.organisation, as_of)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2))
            return
        header = (
            f"{'Member':<12} {'Name':<28}" + "".join(f"{b:>12}" for b in BUCKETS) + f"{'Total':>13}"
        )
        self.stdout.write(f"AR aging for {actor.organisation.name} as of {as_of.isoformat()}")
        self.stdout.write(header)
        for row in report.rows:
            if row.total == 0:
                continue
            cells = "".join(f"{row.buckets[b]:>12,}" for b in BUCKETS)
            self.stdout.write(f"{row.member_number:<12} {row.name[:28]:<28}{cells}{row.total:>13,}")
        cells = "".join(f"{v:>12,}" for v in report.buckets.values())
        self.stdout.write(f"{'Total':<41}{cells}{report.total:>13,}")
        if report.credit:
            self.stdout.write(
                f"Unapplied member credit: {report.credit:,}   Net receivable: {report.net:,}"
            )
