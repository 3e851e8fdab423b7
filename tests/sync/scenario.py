"""A realistic month of books for sync tests, and the invariants every sync must leave behind.

`build(qb, n)` posts n invoices across members (dues and events), pays most of
them (some partly, some over), credits some, voids a few, keeps some out
(no-go), and marks the rest go. `assert_invariants(qb)` checks, against the
emulator over HTTP: every exported document is in QuickBooks exactly once with
the same amount; QuickBooks AR per linked customer equals MMS AR to the cent;
nothing marked no-go reached QuickBooks.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

import httpx

from memberbooks.exports import actions as exports
from memberbooks.exports.models import Decision, ExportDecision, ExportStatus
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import (
    ApplicationDraft,
    CreditMemoDraft,
    InvoiceDraft,
    LineDraft,
    PaymentDraft,
)
from memberbooks.ledger.models import CreditMemo, Invoice, Member
from memberbooks.ledger.queries import member_balances
from memberbooks.mapping.models import CustomerLink
from memberbooks.sync.markers import owner
from tests.books import D
from tests.mapping.conftest import Connected
from tests.sync.test_check import link, map_all

START = dt.date(2026, 1, 1)


def build(qb: Connected, invoices: int, members: int = 20) -> None:
    """Post, pay, credit, void and mark a month of documents through the real actions."""
    books = qb.books
    people = [books.member(f"Member{n:03d}", "Sam") for n in range(members)]
    for person in people:
        link(qb, person)
    map_all(qb)
    mapping_events(qb)
    drafts = [
        InvoiceDraft(
            member=people[n % members],
            date=START + dt.timedelta(days=n % 28),
            lines=[
                LineDraft(
                    gl_account=books.dues if n % 3 else books.events,
                    unit_price=D(f"{20 + n % 17}.{n % 100:02d}"),
                    quantity=Decimal(1 + n % 2),
                )
            ],
        )
        for n in range(invoices)
    ]
    posted = ledger.post_invoices(books.actor, drafts)
    payments = ledger.record_payments(books.actor, _payments(posted))
    memos = _credits(qb, [i for n, i in enumerate(posted) if n % 9 == 1 and n % 28 != 7])
    for n, invoice in enumerate(posted):
        invoice.refresh_from_db()
        if n % 25 == 3 and n % 28 != 7 and invoice.amount_applied == 0:
            ledger.void_invoice(books.actor, invoice, invoice.date, "billed in error")
    kept_out = _entered_by_hand(qb, [i for n, i in enumerate(posted) if n % 28 == 7])
    exports.mark(books.actor, [("invoice", i.pk) for i in kept_out], False, "entered by hand")
    docs = [("invoice", i.pk) for i in posted if i not in kept_out]
    docs += [("payment", p.pk) for p in payments]
    docs += [("credit_memo", m.pk) for m in memos]
    exports.mark(books.actor, docs, True, "send")


def _entered_by_hand(qb: Connected, invoices: list[Invoice]) -> list[Invoice]:
    """Open invoices someone already typed into QuickBooks (another number): kept out (no-go)."""
    item = qb.find("Item", "Annual Membership")["Id"]
    customers = dict(
        CustomerLink.objects.filter(organisation=qb.books.org).values_list("member_id", "qb_id")
    )
    for invoice in invoices:
        qb.client.create(
            "Invoice",
            {
                "DocNumber": f"H{invoice.pk}",
                "TxnDate": invoice.date.isoformat(),
                "CustomerRef": {"value": customers[invoice.member_id]},
                "Line": [
                    {
                        "Amount": invoice.total,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": {"value": item}},
                    }
                ],
            },
        )
    return invoices


def mapping_events(qb: Connected) -> None:
    from memberbooks.mapping import actions as mapping

    mapping.map_gl(qb.actor, qb.books.events, item_id=qb.find("Item", "Services")["Id"])


def _payments(posted: list[Invoice]) -> list[PaymentDraft]:
    drafts = []
    for n, invoice in enumerate(posted):
        if n % 4 == 3 or n % 28 == 7:
            continue  # left open (n % 28 == 7: kept out of the sync, see _entered_by_hand)
        amount = invoice.total if n % 4 == 0 else (invoice.total / 2).quantize(Decimal("0.01"))
        extra = D("5.00") if n % 10 == 0 else D("0")  # an overpayment: member credit
        drafts.append(
            PaymentDraft(
                member=invoice.member,
                date=invoice.date + dt.timedelta(days=3),
                amount=amount + extra,
                deposit_account=_bank(invoice),
                applications=[ApplicationDraft(invoice, amount)],
            )
        )
    return drafts


def _bank(invoice: Invoice):  # type: ignore[no-untyped-def]
    from memberbooks.ledger.models import GLAccount

    return GLAccount.objects.get(organisation=invoice.organisation, number="1000")


def _credits(qb: Connected, invoices: list[Invoice]) -> list[CreditMemo]:
    memos = []
    for invoice in invoices:
        invoice.refresh_from_db()
        amount = min(D("5.00"), invoice.total - invoice.amount_applied)
        if amount <= 0:
            continue
        memos.append(
            ledger.post_credit_memo(
                qb.books.actor,
                CreditMemoDraft(
                    member=invoice.member,
                    date=invoice.date + dt.timedelta(days=5),
                    lines=[LineDraft(gl_account=qb.books.dues, unit_price=amount)],
                    applications=[ApplicationDraft(invoice, amount)],
                ),
            )
        )
    return memos


def set_knobs(qb: Connected, **knobs: object) -> None:
    realm = qb.site.connection().realm_id
    answer = httpx.put(f"{qb.site.url}/_emulator/companies/{realm}/knobs", json=knobs, timeout=10)
    answer.raise_for_status()


def assert_invariants(qb: Connected) -> None:
    """Exactly once, same amounts, AR to the cent, nothing no-go in QuickBooks."""
    org = qb.books.org
    set_knobs(qb)  # faults off while we look
    qb_invoices = list(qb.client.query_all("Invoice", {}))
    qb_payments = [p for p in qb.client.query_all("Payment", {}) if p.get("PaymentRefNum")]
    qb_memos = list(qb.client.query_all("CreditMemo", {}))
    for entity, rows, key in (
        ("Invoice", qb_invoices, "DocNumber"),
        ("Payment", qb_payments, "PaymentRefNum"),
        ("CreditMemo", qb_memos, "DocNumber"),
    ):
        twice = [n for n, c in Counter(str(r[key]) for r in rows).items() if c > 1]
        assert not twice, f"{entity} numbers in QuickBooks more than once: {twice}"
    exported = ExportDecision.objects.filter(organisation=org, status=ExportStatus.EXPORTED)
    by_number = {str(r["DocNumber"]): r for r in qb_invoices}
    for row in exported.filter(doc_type="invoice"):
        invoice = Invoice.objects.get(pk=row.doc_id)
        found = by_number.get(invoice.number)
        assert found is not None, f"invoice {invoice.number} exported but not in QuickBooks"
        expected = D("0") if invoice.voided_on else invoice.total
        assert D(str(found["TotalAmt"])) == expected, invoice.number
    no_go = ExportDecision.objects.filter(organisation=org, decision=Decision.NO_GO)
    kept_out = Invoice.objects.filter(pk__in=no_go.filter(doc_type="invoice").values("doc_id"))
    assert kept_out.exists()
    sent = {owner(str(r.get("PrivateNote") or "")) for r in qb_invoices}
    for invoice in kept_out:
        assert invoice.number not in by_number, f"no-go invoice {invoice.number} in QuickBooks"
        assert (org.slug, "invoice", invoice.pk) not in sent
    links = dict(CustomerLink.objects.filter(organisation=org).values_list("member_id", "qb_id"))
    balances = member_balances(links)
    customers = {str(c["Id"]): c for c in qb.client.query_all("Customer", {})}
    mismatches = {
        Member.objects.get(pk=m).member_number: (balances.get(m), customers[q]["Balance"])
        for m, q in links.items()
        if D(str(customers[q]["Balance"])) != balances.get(m, D("0"))
    }
    assert not mismatches, f"AR differs (MMS, QuickBooks): {mismatches}"
