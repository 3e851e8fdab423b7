"""`memberbooks link ORG ...`: link members to QuickBooks customers from the command line.

link ORG --member N --customer ID     link member N to customer ID
link ORG --unlink --member N          remove member N's link
link ORG --create-missing             create customers for unlinked members with transactions
link ORG --list [--json]              every member's link state
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.ledger import queries as ledger_queries
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.models import Member
from memberbooks.mapping import actions, bulk, queries
from memberbooks.mapping.suggestions import search_customers, suggestions_for
from memberbooks.tenancy.access import Actor, system_actor
from memberbooks.tenancy.models import Organisation


def actor_of(slug: str) -> Actor:
    try:
        return system_actor(slug)
    except Organisation.DoesNotExist as error:
        raise CommandError(str(error)) from None


class Command(BaseCommand):
    help = "Link members to QuickBooks customers, create missing customers, or list the links."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org")
        parser.add_argument("--member", help="Member number")
        parser.add_argument("--customer", help="QuickBooks customer id")
        parser.add_argument("--unlink", action="store_true")
        parser.add_argument("--create-missing", action="store_true")
        parser.add_argument("--list", action="store_true")
        parser.add_argument("--suggest", action="store_true")
        parser.add_argument("--search", help="Text in a customer's name, company or email")
        parser.add_argument("--confirm-confident", action="store_true")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = actor_of(options["org"])
        try:
            self.run(actor, options)
        except (LedgerError, PermissionDenied) as error:
            raise CommandError(str(error)) from None

    def run(self, actor: Actor, options: dict[str, Any]) -> None:
        if options["list"]:
            self.list(actor, options["json"])
        elif options["create_missing"]:
            self.create_missing(actor)
        elif options["search"]:
            self.search(actor, options["search"], options["json"])
        elif options["suggest"]:
            self.suggest(actor, options["json"])
        elif options["confirm_confident"]:
            self.confirm_confident(actor)
        elif options["member"] and options["unlink"]:
            member = ledger_queries.member(actor.organisation, number=options["member"])
            actions.unlink_member(actor, member)
            self.stdout.write(f"Unlinked member {member.member_number}.")
        elif options["member"] and options["customer"]:
            member = ledger_queries.member(actor.organisation, number=options["member"])
            link = actions.link_member(actor, member, options["customer"])
            self.stdout.write(
                f"Linked member {member.member_number} to QuickBooks customer "
                f"{link.qb_id} ({link.qb_name})."
            )
        else:
            raise CommandError(
                "Say what to do: --member N --customer ID, --unlink --member N, "
                "--create-missing, --suggest, --confirm-confident or --list."
            )

    def list(self, actor: Actor, as_json: bool) -> None:
        rows = queries.member_link_status(actor.organisation)
        if as_json:
            self.stdout.write(json.dumps({"members": [row.as_json() for row in rows]}, indent=2))
            return
        for row in rows:
            target = f"{row.link.qb_id} {row.link.qb_name}" if row.link else "-"
            used = "has transactions" if row.has_transactions else ""
            self.stdout.write(
                f"{row.member.member_number:<10} {row.state:<9} {target:<40} "
                f"{row.member.display_name}  {used}".rstrip()
            )

    def create_missing(self, actor: Actor) -> None:
        """Create a customer for each unlinked member with transactions and no plausible match."""
        outcome = bulk.create_missing(actor)
        for member, suggestion in outcome.skipped:
            assert suggestion.best is not None
            self.stdout.write(
                f"{member.member_number}: skipped, QuickBooks customer "
                f"{suggestion.best.qb_id} may be this member ({suggestion.verdict}); "
                "link it by hand or review the suggestions."
            )
        for member, link in outcome.done:
            self.stdout.write(f"{member.member_number}: created {link.qb_id} ({link.qb_name})")
        self.report_failures(outcome, "created")

    def report_failures(self, outcome: bulk.Outcome, what: str) -> None:
        for member, error in outcome.failed:
            self.stderr.write(f"{member.member_number}: {error}")
        if outcome.failed:
            raise CommandError(f"{len(outcome.failed)} member(s) could not be {what}; see above.")

    def suggest(self, actor: Actor, as_json: bool) -> None:
        members = list(Member.objects.filter(organisation=actor.organisation, qb_link=None))
        numbers = dict(
            Member.objects.filter(organisation=actor.organisation).values_list(
                "pk", "member_number"
            )
        )
        rows: list[dict[str, Any]] = []
        for member, found in zip(
            members, suggestions_for(actor.organisation, members), strict=True
        ):
            rows.append(
                {
                    "member_number": member.member_number,
                    "name": member.display_name,
                    "verdict": found.verdict,
                    "note": found.note,
                    "candidates": [
                        {
                            "qb_id": c.qb_id,
                            "score": c.score,
                            "reasons": list(c.reasons),
                            "linked_to": numbers.get(c.linked_to) if c.linked_to else None,
                            "active": c.active,
                        }
                        for c in found.candidates
                    ],
                }
            )
        if as_json:
            self.stdout.write(json.dumps({"suggestions": rows}, indent=2))
            return
        for row in rows:
            best = row["candidates"][0] if row["candidates"] else None
            shown = (
                f"{best['qb_id']} ({best['score']}: {', '.join(best['reasons'])})" if best else "-"
            )
            self.stdout.write(
                f"{row['member_number']:<10} {row['verdict']:<10} {shown} {row['note']}"
            )

    def confirm_confident(self, actor: Actor) -> None:
        """Link each unlinked member whose best candidate is confident; never an ambiguous one."""
        outcome = bulk.confirm_confident(actor)
        for member, link in outcome.done:
            self.stdout.write(f"{member.member_number}: linked to {link.qb_id} ({link.qb_name})")
        self.stdout.write(f"Linked {len(outcome.done)} member(s) with a confident match.")
        self.report_failures(outcome, "linked")

    def search(self, actor: Actor, text: str, as_json: bool) -> None:
        hits = search_customers(actor.organisation, text)
        if as_json:
            self.stdout.write(json.dumps({"customers": [h.as_json() for h in hits]}, indent=2))
            return
        for hit in hits:
            linked = f"linked to {hit.linked_to}" if hit.linked_to else ""
            self.stdout.write(
                f"{hit.qb_id:<8} {hit.display_name:<40} {hit.email:<30} {linked}".rstrip()
            )
