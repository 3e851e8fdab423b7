"""Books: a tiny association built through the real ledger actions, for tests."""

import datetime as dt
from decimal import Decimal

from memberbooks.ledger import actions
from memberbooks.ledger.drafts import ApplicationDraft, InvoiceDraft, LineDraft, PaymentDraft
from memberbooks.ledger.models import GLAccount, Invoice, Member, Payment
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role


def D(value: str) -> Decimal:
    return Decimal(value)


class Books:
    """A tiny association's books, with helpers that read like a bookkeeper's day."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.actor = Actor(org, Role.BOOKKEEPER, "bookkeeper")
        self.dues = actions.create_gl_account(self.actor, "4000", "Membership dues", "income")
        self.events = actions.create_gl_account(self.actor, "4100", "Event revenue", "income")
        self.bank = actions.create_gl_account(self.actor, "1000", "Operating checking", "deposit")
        self.ar = actions.create_gl_account(self.actor, "1200", "Accounts receivable", "receivable")
        self._members = 0

    def member(self, last_name: str = "Smith", first_name: str = "Pat", **extra: str) -> Member:
        self._members += 1
        return actions.create_member(
            self.actor, f"M{self._members:04d}", first_name=first_name, last_name=last_name, **extra
        )

    def invoice(
        self,
        member: Member,
        amount: str,
        date: str,
        due: str | None = None,
        account: GLAccount | None = None,
    ) -> Invoice:
        return actions.post_invoice(
            self.actor,
            InvoiceDraft(
                member=member,
                date=dt.date.fromisoformat(date),
                due_date=dt.date.fromisoformat(due) if due else None,
                lines=[
                    LineDraft(
                        gl_account=account or self.dues,
                        unit_price=D(amount),
                        description="Annual dues",
                    )
                ],
            ),
        )

    def pay(
        self, member: Member, amount: str, date: str, *apply_to: tuple[Invoice, str]
    ) -> Payment:
        return actions.record_payment(
            self.actor,
            PaymentDraft(
                member=member,
                date=dt.date.fromisoformat(date),
                amount=D(amount),
                deposit_account=self.bank,
                applications=[
                    ApplicationDraft(invoice=inv, amount=D(amt)) for inv, amt in apply_to
                ],
            ),
        )
