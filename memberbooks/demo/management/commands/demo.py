"""`memberbooks demo load [--slug demo] [--seed 2026] [--anchor DATE] [--members 500] [--reset]`
and `memberbooks demo logins [--slug demo]`.

`memberbooks demo quickbooks [--slug demo]` fills the connected QuickBooks company
with the customers its bookkeeper would already have there.

`load` builds the Riverside Chamber of Commerce demo with a year of books ending
on the anchor date (today unless told), and does nothing if it is there already,
so `make demo` can be run again and again. `logins` prints who can sign in.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from memberbooks.demo import loader, quickbooks
from memberbooks.ledger.errors import LedgerError
from memberbooks.tenancy.models import Membership, Organisation


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--anchor {value!r} is not a date; write it as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = "Load the deterministic demo association, or print its logins."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Create the demo organisation, its users and books.")
        load.add_argument("--slug", default=loader.DEFAULT_SLUG)
        load.add_argument("--seed", type=int, default=loader.DEFAULT_SEED)
        load.add_argument(
            "--anchor",
            default=None,
            help="Last day of the year of books, YYYY-MM-DD (default today)",
        )
        load.add_argument("--members", type=int, default=loader.DEFAULT_MEMBERS)
        load.add_argument(
            "--reset", action="store_true", help="Delete the organisation first if it exists"
        )
        logins = sub.add_parser("logins", help="Print the demo's usernames, password and roles.")
        logins.add_argument("--slug", default=loader.DEFAULT_SLUG)
        seed = sub.add_parser(
            "quickbooks",
            help="Fill the connected QuickBooks company with the customers a bookkeeper "
            "would already have there (once).",
        )
        seed.add_argument("--slug", default=loader.DEFAULT_SLUG)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self.load(options)
        elif options["action"] == "quickbooks":
            self.quickbooks(options["slug"])
        else:
            self.logins(options["slug"])

    def quickbooks(self, slug: str) -> None:
        try:
            organisation = Organisation.objects.get(slug=slug)
            created = quickbooks.seed(organisation)
        except Organisation.DoesNotExist:
            raise CommandError(
                f"No organisation {slug!r}; run `memberbooks demo load` first."
            ) from None
        except LedgerError as error:
            raise CommandError(str(error)) from None
        if created:
            self.stdout.write(f"Created {created} customers in the demo's QuickBooks company.")
        else:
            self.stdout.write("The demo's QuickBooks company has customers already; nothing to do.")

    def load(self, options: dict[str, Any]) -> None:
        anchor = parse_date(options["anchor"]) if options["anchor"] else timezone.localdate()
        if options["members"] < loader.MIN_MEMBERS:
            raise CommandError(f"--members must be at least {loader.MIN_MEMBERS}.")
        shown = [-1]

        def progress(fraction: float) -> None:
            percent = int(fraction * 100)
            if percent != shown[0]:
                shown[0] = percent
                self.stderr.write(f"\rLoading the demo association: {percent:3d}%", ending="")
                self.stderr.flush()

        loaded = loader.load(
            options["slug"],
            seed=options["seed"],
            anchor=anchor,
            members=options["members"],
            reset=options["reset"],
            progress=progress,
        )
        if not loaded.created:
            self.stdout.write(
                f"The demo organisation {options['slug']!r} exists already; nothing to do "
                "(use --reset to rebuild it)."
            )
            return
        self.stderr.write("")
        counts = loaded.counts
        self.stdout.write(
            f"Loaded {loaded.organisation.name} ({loaded.organisation.slug}): "
            f"{counts['members']} members, {counts['invoices']} invoices, "
            f"{counts['payments']} payments, {counts['credit_memos']} credit memos, "
            f"{counts['refunds']} refunds, {counts['registrations']} event registrations; "
            f"books end {anchor.isoformat()}."
        )

    def logins(self, slug: str) -> None:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"No demo organisation {slug!r}; run: memberbooks demo load")
        roles = dict(
            Membership.objects.filter(organisation=organisation).values_list(
                "user__username", "role"
            )
        )
        rows = [login for login in loader.logins(slug) if login.username in roles]
        width = max([len("Username"), *(len(row.username) for row in rows)])
        self.stdout.write(f"  {'Username':<{width}}  {'Password':<16}  Role")
        for row in rows:
            self.stdout.write(
                f"  {row.username:<{width}}  {row.password:<16}  {roles[row.username]}"
            )
