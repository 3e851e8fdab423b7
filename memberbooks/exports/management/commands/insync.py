"""`memberbooks insync ORG --date YYYY-MM-DD [--json] [--compare-only]`.

Compares MMS AR with QuickBooks AR as of the date and sets the in-sync point there
(documents before it: no-go, on or after: go), recording both figures. The marking is
one batch, undone with `memberbooks mark ORG --undo BATCH` (the output names it).
`--compare-only` prints the comparison and changes nothing. An organisation that is
not connected, a date in the future or a QuickBooks refusal is one plain line, no
traceback.
"""

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from memberbooks.exports import actions
from memberbooks.exports.management.commands._common import actor, parse_date
from memberbooks.exports.models import InSyncPoint
from memberbooks.ledger.errors import LedgerError
from memberbooks.mapping.actions import qb_kind_of
from memberbooks.mapping.errors import QuickBooksRefused
from memberbooks.quickbooks.online.errors import QboError


class Command(BaseCommand):
    help = "Compare MMS and QuickBooks AR as of a date and set the in-sync point there."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--date", required=True, help="YYYY-MM-DD, not in the future")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--compare-only", action="store_true", help="Only compare; change nothing"
        )
        parser.add_argument("--confirm", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        who = actor(options["org"])
        date = parse_date(options["date"], "--date")
        assert date is not None
        try:
            if date <= timezone.localdate():  # a future date is refused first, by compare_ar
                qb_kind_of(who.organisation)  # not connected, or disconnected: say so plainly
            comparison = actions.compare_ar(who, date)
            point = None if options["compare_only"] else actions.set_insync_point(who, date)
        except LedgerError as exc:  # ExportError, NotConnected
            raise CommandError(str(exc)) from exc
        except QboError as exc:
            raise CommandError(str(QuickBooksRefused.of(exc))) from exc
        if options["json"]:
            self.stdout.write(json.dumps(_json(comparison, point), indent=2))
            return
        self._print(comparison, point)

    def _print(self, comparison: actions.ArComparison, point: InSyncPoint | None) -> None:
        self.stdout.write(f"As of {comparison.date.isoformat()}")
        self.stdout.write(
            f"  MMS AR:        {comparison.mms_total} (net of credits {comparison.mms_net})"
        )
        self.stdout.write(f"  QuickBooks AR: {comparison.qb_total}")
        self.stdout.write(f"  Difference:    {comparison.difference}")
        if not comparison.links_available:
            self.stdout.write("  Per-customer differences need member links (memberbooks link).")
        for row in comparison.customers:
            self.stdout.write(
                f"  {row.member_number} / customer {row.qb_customer_id}: "
                f"MMS {row.mms}, QuickBooks {row.quickbooks}, difference {row.difference}"
            )
        if point is None:
            self.stdout.write("Nothing changed (--compare-only).")
        else:
            batch = point.batch
            count = batch.count if batch else 0
            self.stdout.write(
                f"In-sync point set at {point.date.isoformat()}: {count} documents marked "
                f"(undo with: memberbooks mark {point.organisation.slug} --undo {point.batch_id})."
            )


def _json(comparison: actions.ArComparison, point: InSyncPoint | None) -> dict[str, Any]:
    data: dict[str, Any] = {"comparison": comparison.as_json(), "insync_point": None}
    if point is not None:
        data["insync_point"] = {
            "id": point.pk,
            "date": point.date.isoformat(),
            "batch": point.batch_id,
            "count": point.batch.count if point.batch else 0,
        }
    return data
