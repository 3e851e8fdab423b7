"""`memberbooks apitoken create ORG USERNAME [--name NAME]`, `apitoken list ORG`, `apitoken revoke ORG PREFIX`.

A token acts as USERNAME with the role USERNAME holds in ORG, and only in ORG.
Its value is printed once, at creation; only a hash is stored, so a lost token
is revoked and replaced, never recovered.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from memberbooks.tenancy.access import system_actor
from memberbooks.tenancy.models import ApiToken, Membership, Organisation, hash_token


class Command(BaseCommand):
    help = "Create, list and revoke JSON API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user of ORG; printed once.")
        create.add_argument("org", help="Organisation slug")
        create.add_argument("username", help="A user who already has a role in ORG")
        create.add_argument("--name", default="", help="What the token is for, e.g. 'website'")
        listing = sub.add_parser("list", help="List ORG's tokens (prefixes, never values).")
        listing.add_argument("org")
        listing.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix (or full value).")
        revoke.add_argument("org")
        revoke.add_argument("prefix", help="The prefix `apitoken list` shows, e.g. mb_Ab3dE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation = system_actor(options["org"]).organisation
        except Organisation.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        {"create": self.create, "list": self.list, "revoke": self.revoke}[options["action"]](
            organisation, options
        )

    def create(self, organisation: Organisation, options: dict[str, Any]) -> None:
        membership = Membership.objects.filter(
            organisation=organisation, user__username=options["username"]
        ).first()
        if membership is None:
            raise CommandError(
                f"{options['username']} has no role in {organisation.slug}. "
                f"Give them one first: memberbooks org add-user {organisation.slug} "
                f"{options['username']} --role viewer|bookkeeper|admin"
            )
        token, raw = ApiToken.issue(membership, options["name"])
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.prefix}… for {options['username']} ({membership.role}) in "
            f"{organisation.slug}. It is shown this once; store it now. Use it as "
            "'Authorization: Bearer <token>'."
        )

    def list(self, organisation: Organisation, options: dict[str, Any]) -> None:
        tokens = list(_tokens(organisation).select_related("membership__user"))
        if options["json"]:
            self.stdout.write(json.dumps([_as_dict(token) for token in tokens], indent=2))
            return
        for token in tokens:
            self.stdout.write(
                f"{token.prefix:<10} {token.membership.user.get_username():<20} "
                f"{token.membership.role:<11} {token.name or '-':<20} "
                f"created {token.created_at:%Y-%m-%d}, last used {token.last_used_at or 'never'}"
            )

    def revoke(self, organisation: Organisation, options: dict[str, Any]) -> None:
        given = options["prefix"].strip()
        tokens = _tokens(organisation)
        matches = list(
            tokens.filter(key_hash=hash_token(given))
            if len(given) > 8
            else tokens.filter(prefix=given)
        )
        if not matches:
            raise CommandError(
                f"No token {given!r} in {organisation.slug}; `memberbooks apitoken list "
                f"{organisation.slug}` shows the prefixes."
            )
        if len(matches) > 1:
            raise CommandError(
                f"{len(matches)} tokens start with {given!r}; revoke by the full token value, "
                "or revoke the user's membership."
            )
        matches[0].delete()
        self.stdout.write(f"Revoked token {given[:8]}… of {organisation.slug}.")


def _tokens(organisation: Organisation) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(membership__organisation=organisation).order_by("created_at")


def _as_dict(token: ApiToken) -> dict[str, str | None]:
    return {
        "prefix": token.prefix,
        "name": token.name,
        "username": token.membership.user.get_username(),
        "role": token.membership.role,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
    }
