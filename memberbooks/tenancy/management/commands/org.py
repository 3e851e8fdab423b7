"""`memberbooks org create SLUG --name NAME`, `org list`, `org add-user SLUG USERNAME --role ROLE`."""

import json
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from memberbooks.tenancy.actions import add_user, create_organisation
from memberbooks.tenancy.models import Organisation, Role


class Command(BaseCommand):
    help = "Create and list organisations, and give users a role in one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create an organisation.")
        create.add_argument("slug", help="Short name used in URLs and commands, e.g. acme")
        create.add_argument("--name", required=True, help="The organisation's full name")
        listing = sub.add_parser("list", help="List organisations.")
        listing.add_argument("--json", action="store_true")
        user = sub.add_parser("add-user", help="Create a user (if needed) and give them a role.")
        user.add_argument("slug")
        user.add_argument("username")
        user.add_argument("--role", choices=[r.value for r in Role], default=Role.VIEWER.value)
        user.add_argument("--email", default="")
        user.add_argument(
            "--password-env",
            default="MEMBERBOOKS_NEW_PASSWORD",
            help="Read the password from this environment variable (never from the command line).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            try:
                org = create_organisation(options["slug"], options["name"])
            except ValidationError as exc:
                raise CommandError(
                    "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                ) from exc
            self.stdout.write(f"Created organisation {org.slug} ({org.name}).")
        elif action == "list":
            orgs = list(Organisation.objects.order_by("slug").values("slug", "name"))
            if options["json"]:
                self.stdout.write(json.dumps(orgs, indent=2))
            else:
                for org_row in orgs:
                    self.stdout.write(f"{org_row['slug']:<20} {org_row['name']}")
        else:
            organisation = Organisation.objects.filter(slug=options["slug"]).first()
            if organisation is None:
                raise CommandError(f"No organisation {options['slug']!r}.")
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(
                    f"Set the password in the environment variable {options['password_env']}."
                )
            add_user(
                organisation, options["username"], password, Role(options["role"]), options["email"]
            )
            self.stdout.write(
                f"{options['username']} is now {options['role']} of {organisation.slug}."
            )
