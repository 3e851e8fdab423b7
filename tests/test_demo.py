"""The demo association: deterministic, complete, and signed into by its three users."""

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F, Q
from django.test import Client
from pytest_django.fixtures import Settings

from memberbooks.demo import loader
from memberbooks.events.models import Event, Registration
from memberbooks.ledger.aging import aging
from memberbooks.ledger.models import (
    Application,
    CreditMemo,
    GLAccount,
    GLAccountKind,
    Invoice,
    Member,
    Payment,
    Refund,
)
from memberbooks.ledger.money import ZERO
from memberbooks.tenancy.access import actor_for_user
from memberbooks.tenancy.models import Organisation, Role

ANCHOR = dt.date(2025, 6, 30)
MEMBERS = 60


@pytest.fixture(autouse=True)
def fast_passwords(settings: Settings) -> None:
    # Three PBKDF2 hashes per load would be most of each test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load(slug: str, seed: int = loader.DEFAULT_SEED, reset: bool = False) -> loader.Loaded:
    return loader.load(slug, seed=seed, anchor=ANCHOR, members=MEMBERS, reset=reset)


def books_as_json(org: Organisation) -> str:
    """Aging at the anchor and two earlier dates, and every invoice, as one comparable text."""
    reports = [
        aging(org, day).as_json()
        for day in (ANCHOR, ANCHOR - dt.timedelta(days=95), ANCHOR - dt.timedelta(days=200))
    ]
    invoices = list(
        Invoice.objects.filter(organisation=org)
        .order_by("number")
        .values_list("number", "member__member_number", "date", "due_date", "total", "voided_on")
    )
    return json.dumps({"aging": reports, "invoices": invoices}, default=str, sort_keys=True)


def test_same_seed_and_anchor_give_the_same_books_and_a_reload_is_a_no_op(db: None) -> None:
    first, second = load("demo-a"), load("demo-b")
    assert first.created and second.created
    assert books_as_json(first.organisation) == books_as_json(second.organisation)
    assert aging(first.organisation, ANCHOR).total > ZERO

    again = load("demo-a")
    assert not again.created
    assert (
        Invoice.objects.filter(organisation=first.organisation).count() == first.counts["invoices"]
    )

    other_seed = load("demo-b", seed=7, reset=True)
    assert other_seed.created
    assert not Organisation.objects.filter(pk=second.organisation.pk).exists()
    assert books_as_json(other_seed.organisation) != books_as_json(first.organisation)


def test_the_books_hold_every_kind_of_document(db: None) -> None:
    org = load("demo").organisation
    invoices = Invoice.objects.filter(organisation=org)
    payments = Payment.objects.filter(organisation=org)
    applications = Application.objects.filter(organisation=org)

    # Nothing happens after the anchor.
    assert not invoices.filter(date__gt=ANCHOR).exists()
    assert not payments.filter(date__gt=ANCHOR).exists()
    assert set(GLAccount.objects.filter(organisation=org).values_list("kind", flat=True)) == set(
        GLAccountKind.values
    )
    assert Member.objects.filter(organisation=org, status="lapsed").count() >= 3
    # A partial payment, and an invoice still partly open.
    assert applications.filter(payment__isnull=False, amount__lt=F("invoice__total")).exists()
    assert invoices.filter(voided_on=None, amount_applied__gt=0, amount_applied__lt=F("total"))
    # An overpayment left as member credit.
    assert payments.filter(voided_on=None, amount__gt=F("amount_applied") + F("amount_refunded"))
    assert aging(org, ANCHOR).credit > ZERO
    # Credit memos applied when posted and applied later; a payment moved between invoices.
    memo_apps = applications.filter(credit_memo__isnull=False)
    assert memo_apps.filter(applied_on=F("credit_memo__date")).exists()
    assert memo_apps.filter(applied_on__gt=F("credit_memo__date")).exists()
    assert applications.filter(payment__isnull=False, unapplied_on__isnull=False).exists()
    # Refunds of an overpayment and of a cancelled registration's credit.
    refunds = Refund.objects.filter(organisation=org)
    assert refunds.filter(payment__isnull=False).exists()
    assert refunds.filter(credit_memo__isnull=False).exists()
    # Voids keep a reason; a bounced check reopens what it paid on the void date.
    assert invoices.exclude(voided_on=None).filter(~Q(void_reason="")).count() >= 2
    voided_payments = payments.exclude(voided_on=None)
    assert voided_payments.filter(~Q(void_reason="")).exists()
    assert applications.filter(
        payment__in=voided_payments, unapplied_on=F("payment__voided_on")
    ).exists()
    assert CreditMemo.objects.filter(organisation=org, total=F("amount_applied")).exists()


def test_three_events_with_paid_and_invoiced_registrations(db: None) -> None:
    org = load("demo").organisation
    events = Event.objects.filter(organisation=org)
    assert events.count() == 3
    for event in events:
        registrations = Registration.objects.filter(event=event)
        assert registrations.exists(), event.name
        assert set(registrations.values_list("invoice__source", flat=True)) == {"event"}
    registrations = Registration.objects.filter(organisation=org)
    assert registrations.filter(payment__isnull=False).exists()  # paid at registration
    assert registrations.filter(payment__isnull=True).exists()  # invoiced
    assert events.filter(starts_on__gt=ANCHOR).count() == 1  # one still to come


def test_ar_total_is_the_sum_of_open_invoice_balances(db: None) -> None:
    org = load("demo").organisation
    report = aging(org, ANCHOR)
    open_balances = sum(
        (inv.open_balance for inv in Invoice.objects.filter(organisation=org)), ZERO
    )
    credit = sum((p.unapplied for p in Payment.objects.filter(organisation=org)), ZERO) + sum(
        (c.unapplied for c in CreditMemo.objects.filter(organisation=org)), ZERO
    )
    assert report.total == open_balances
    assert report.credit == credit
    assert report.total > ZERO


def test_demo_users_sign_in_with_their_roles(db: None) -> None:
    org = load("demo").organisation
    expected = {
        "demo-admin": Role.ADMIN,
        "demo-bookkeeper": Role.BOOKKEEPER,
        "demo-viewer": Role.VIEWER,
    }
    assert {login.username: login.role for login in loader.logins("demo")} == expected
    for username, role in expected.items():
        client = Client()
        assert client.login(username=username, password=loader.DEMO_PASSWORD)
        assert not Client().login(username=username, password="wrong-password")
        user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
        actor = actor_for_user(user, org.slug)
        assert actor.role == role


def test_command_loads_once_and_prints_the_logins(db: None) -> None:
    def run(*args: str) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        call_command("demo", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    args = ("load", "--slug", "cli", "--members", "40", "--anchor", ANCHOR.isoformat())
    out, _ = run(*args)
    assert "Loaded Riverside Chamber of Commerce (cli): 40 members" in out
    out, _ = run(*args)
    assert "exists already" in out
    assert Organisation.objects.filter(slug="cli").count() == 1

    out, _ = run("logins", "--slug", "cli")
    lines = [line.split() for line in out.strip().splitlines()]
    assert lines == [
        ["Username", "Password", "Role"],
        ["cli-admin", loader.DEMO_PASSWORD, "admin"],
        ["cli-bookkeeper", loader.DEMO_PASSWORD, "bookkeeper"],
        ["cli-viewer", loader.DEMO_PASSWORD, "viewer"],
    ]
