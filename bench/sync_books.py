"""Books for the sync benchmarks (bench_sync.py, bench_check.py), built through the real actions.

Everything here writes through the ledger, mapping, exports and connection
actions (the batch ones where they exist: create_members, post_invoices,
record_payments, mass_mark), so the benchmarks measure the sync on books the
application itself could have written. The emulator runs in its own process
(`python -m qbemulator online`), as QuickBooks is another machine: its work never
shares our GIL.
"""

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import common
import httpx

START = dt.date(2026, 1, 1)
CHUNK = 5000


@contextmanager
def emulator(knobs: dict[str, Any], port: int = 0, state: Path | None = None) -> Iterator[str]:
    """The emulator in its own process with run-wide knobs; yields its base URL.

    With `state` the companies are loaded from (and saved back to) that JSON file.
    """
    command = [sys.executable, "-u", "-m", "qbemulator", "online", "--port", str(port)]
    command += ["--knobs", json.dumps(knobs)]
    if state is not None:
        command += ["--state", str(state)]
    process = subprocess.Popen(command, cwd=common.ROOT, stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield line.split(" at ", 1)[1].split("/_emulator/", 1)[0]
    finally:
        process.terminate()  # SIGTERM: the emulator saves its state on the way out
        process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()


def set_knobs(url: str, realm: str, **knobs: object) -> None:
    """A company's own knobs (they win over the run-wide ones)."""
    answer = httpx.put(f"{url}/_emulator/companies/{realm}/knobs", json=knobs, timeout=30)
    answer.raise_for_status()


@dataclass
class Org:
    """A connected organisation: its bookkeeper, QuickBooks client and GL accounts."""

    actor: Any  # memberbooks.tenancy.access.Actor
    client: Any  # memberbooks.quickbooks.online.client.QboClient
    dues: Any  # GLAccount, income, mapped to the item "Annual Membership"
    bank: Any  # GLAccount, deposit, mapped to the account "Checking"

    @property
    def realm(self) -> str:
        return str(self.client.realm)


def connect(slug: str, url: str) -> Org:
    """A new organisation connected to the emulator at `url`, with its GLs mapped."""
    from django.conf import settings
    from django.core.management import call_command

    from memberbooks.connections.actions import connection_for
    from memberbooks.connections.clients import client_for
    from memberbooks.ledger import actions as ledger
    from memberbooks.mapping import actions as mapping
    from memberbooks.tenancy.access import Actor
    from memberbooks.tenancy.actions import create_organisation
    from memberbooks.tenancy.models import Role

    settings.QBO_ENVIRONMENT = "emulator"
    settings.QBO_EMULATOR_URL = url
    settings.QBO_REDIRECT_URI = "http://testserver/quickbooks/callback/"
    org = create_organisation(slug, f"Bench {slug}")
    call_command("qbo", "connect", slug, "--emulator", url, "--auto-approve", stdout=StringIO())
    actor = Actor(org, Role.BOOKKEEPER, "bench")
    connection = connection_for(org)
    assert connection is not None
    client = client_for(connection)
    dues = ledger.create_gl_account(actor, "4000", "Membership dues", "income")
    bank = ledger.create_gl_account(actor, "1000", "Operating checking", "deposit")
    ledger.create_gl_account(actor, "1200", "Accounts receivable", "receivable")
    mapping.map_gl(actor, dues, item_id=find(client, "Item", "Annual Membership"))
    mapping.map_gl(actor, bank, account_id=find(client, "Account", "Checking"))
    return Org(actor, client, dues, bank)


def reconnect(slug: str) -> Org:
    """An organisation connected earlier (a cached fixture)."""
    from memberbooks.connections.actions import connection_for
    from memberbooks.connections.clients import client_for
    from memberbooks.ledger.models import GLAccount
    from memberbooks.tenancy.access import Actor
    from memberbooks.tenancy.models import Organisation, Role

    org = Organisation.objects.get(slug=slug)
    connection = connection_for(org)
    assert connection is not None
    gls = {g.number: g for g in GLAccount.objects.filter(organisation=org)}
    return Org(
        Actor(org, Role.BOOKKEEPER, "bench"), client_for(connection), gls["4000"], gls["1000"]
    )


def find(client: Any, entity: str, name: str) -> str:
    return str(next(iter(client.query_all(entity, [("Name", "=", name)])))["Id"])


def linked_members(org: Org, count: int, prefix: str = "M") -> list[Any]:
    """`count` members, each with a customer created in QuickBooks (batches) and linked."""
    from memberbooks.ledger import actions as ledger
    from memberbooks.ledger.drafts import MemberDraft
    from memberbooks.mapping import actions as mapping
    from memberbooks.quickbooks.online.client import BatchItem

    drafts = [
        MemberDraft(f"{prefix}{n:06d}", {"first_name": "Sam", "last_name": f"Member{n:06d}"})
        for n in range(count)
    ]
    members = ledger.create_members(org.actor, drafts)
    items = [
        BatchItem(
            operation="create",
            entity="Customer",
            body={"DisplayName": f"Sam {d.values['last_name']}"},
        )
        for d in drafts
    ]
    results = org.client.batch(items)
    for member, result in zip(members, results, strict=True):
        assert result.data is not None, result.fault
        mapping.link_member(org.actor, member, str(result.data["Id"]))
    return members


def invoices(org: Org, members: Sequence[Any], count: int, offset: int = 0) -> list[Any]:
    """`count` one-line dues invoices spread over January, in chunks of the batch action."""
    from memberbooks.ledger import actions as ledger
    from memberbooks.ledger.drafts import InvoiceDraft, LineDraft

    posted: list[Any] = []
    for start in range(0, count, CHUNK):
        drafts = [
            InvoiceDraft(
                member=members[(offset + n) % len(members)],
                date=START + dt.timedelta(days=(offset + n) % 28),
                lines=[
                    LineDraft(
                        gl_account=org.dues,
                        unit_price=Decimal(f"{20 + n % 170}.{n % 100:02d}"),
                        description="Annual dues",
                    )
                ],
            )
            for n in range(start, min(count, start + CHUNK))
        ]
        posted += ledger.post_invoices(org.actor, drafts)
    return posted


def payments(org: Org, paid: Sequence[Any]) -> list[Any]:
    """One payment per invoice: in full, or half for every fourth."""
    from memberbooks.ledger import actions as ledger
    from memberbooks.ledger.drafts import ApplicationDraft, PaymentDraft

    recorded: list[Any] = []
    for start in range(0, len(paid), CHUNK):
        drafts = []
        for n, invoice in enumerate(paid[start : start + CHUNK], start):
            amount = invoice.total if n % 4 else (invoice.total / 2).quantize(Decimal("0.01"))
            drafts.append(
                PaymentDraft(
                    member=invoice.member,
                    date=invoice.date + dt.timedelta(days=3),
                    amount=amount,
                    deposit_account=org.bank,
                    applications=[ApplicationDraft(invoice, amount)],
                )
            )
        recorded += ledger.record_payments(org.actor, drafts)
    return recorded


def credit_memos(org: Org, members: Sequence[Any], count: int) -> list[Any]:
    """Unapplied credit memos (member credit): one write each in QuickBooks."""
    from memberbooks.ledger import actions as ledger
    from memberbooks.ledger.drafts import CreditMemoDraft, LineDraft

    return [
        ledger.post_credit_memo(
            org.actor,
            CreditMemoDraft(
                member=members[n % len(members)],
                date=START + dt.timedelta(days=5 + n % 20),
                lines=[LineDraft(gl_account=org.dues, unit_price=Decimal(f"{5 + n % 20}.00"))],
            ),
        )
        for n in range(count)
    ]


def void_all(org: Org, docs: Sequence[Any]) -> None:
    from memberbooks.ledger import actions as ledger

    for invoice in docs:
        ledger.void_invoice(org.actor, invoice, START + dt.timedelta(days=40), "billed in error")


def mark_go(org: Org, docs: Sequence[Any]) -> None:
    from memberbooks.exports import actions as exports

    refs = [(exports.doc_type_of(d), d.pk) for d in docs]
    for start in range(0, len(refs), CHUNK):
        exports.mark(org.actor, refs[start : start + CHUNK], True, "bench: send")
