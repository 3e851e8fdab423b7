"""Load (or reload) the demo association and its three logins.

`load()` creates the organisation, gives `<slug>-admin`, `<slug>-bookkeeper`
and `<slug>-viewer` their roles with the shared demo password, and writes the
books as the demo bookkeeper. It is all-or-nothing: the whole load runs in one
transaction, so an interrupted load leaves no half-built association behind.
Loading an organisation that exists already does nothing unless `reset` is
asked for, which deletes it and everything in it first.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from memberbooks.demo import catalogue
from memberbooks.demo.generator import Progress, build
from memberbooks.events.models import Event, FeeType, Registration
from memberbooks.ledger.models import (
    Application,
    CreditMemo,
    CreditMemoLine,
    GLAccount,
    Invoice,
    InvoiceLine,
    Member,
    NumberSequence,
    Payment,
    Refund,
)
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.actions import add_user, create_organisation
from memberbooks.tenancy.models import Organisation, Role

DEFAULT_SLUG = "demo"
DEFAULT_SEED = 2026
DEFAULT_MEMBERS = 500
MIN_MEMBERS = 40
# Shown on the demo's login table; the demo holds no real data.
DEMO_PASSWORD = "memberbooks-demo"  # noqa: S105
ROLES = (("admin", Role.ADMIN), ("bookkeeper", Role.BOOKKEEPER), ("viewer", Role.VIEWER))


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: Role


@dataclass(frozen=True)
class Loaded:
    organisation: Organisation
    created: bool
    counts: Counter[str]


def logins(slug: str = DEFAULT_SLUG) -> list[Login]:
    return [Login(f"{slug}-{suffix}", DEMO_PASSWORD, role) for suffix, role in ROLES]


def load(
    slug: str = DEFAULT_SLUG,
    *,
    seed: int = DEFAULT_SEED,
    anchor: dt.date,
    members: int = DEFAULT_MEMBERS,
    reset: bool = False,
    name: str = catalogue.ORGANISATION_NAME,
    progress: Progress | None = None,
) -> Loaded:
    """Build the demo association `slug` with books ending on `anchor`."""
    if members < MIN_MEMBERS:
        raise ValueError(
            f"The demo needs at least {MIN_MEMBERS} members to show every kind of document."
        )
    with transaction.atomic():
        existing = Organisation.objects.filter(slug=slug).first()
        if existing is not None and not reset:
            return Loaded(existing, False, Counter())
        if existing is not None:
            remove(existing)
        organisation = create_organisation(slug, name)
        for login in logins(slug):
            _demo_user(organisation, login)
        actor = Actor(organisation, Role.BOOKKEEPER, f"{slug}-bookkeeper")
        counts = build(actor, seed=seed, anchor=anchor, members=members, progress=progress)
    return Loaded(organisation, True, counts)


def _demo_user(organisation: Organisation, login: Login) -> None:
    """Give the login its role, and make sure its password is the demo password."""
    existed = get_user_model().objects.filter(username=login.username).exists()
    user = add_user(organisation, login.username, login.password, login.role)
    if existed and not user.check_password(login.password):
        user.set_password(login.password)
        user.save(update_fields=["password"])


def remove(organisation: Organisation) -> None:
    """Delete an organisation and all of its books (the ledger protects its rows, so in order)."""
    org = organisation
    Registration.objects.filter(organisation=org).delete()
    FeeType.objects.filter(event__organisation=org).delete()
    Event.objects.filter(organisation=org).delete()
    Refund.objects.filter(organisation=org).delete()
    Application.objects.filter(organisation=org).delete()
    InvoiceLine.objects.filter(invoice__organisation=org).delete()
    CreditMemoLine.objects.filter(credit_memo__organisation=org).delete()
    Invoice.objects.filter(organisation=org).delete()
    Payment.objects.filter(organisation=org).delete()
    CreditMemo.objects.filter(organisation=org).delete()
    Member.objects.filter(organisation=org).delete()
    GLAccount.objects.filter(organisation=org).delete()
    NumberSequence.objects.filter(organisation=org).delete()
    org.delete()
