"""A year of the demo association's books, written through the real actions.

The year is simulated day by day. An agenda (a heap of dated steps) holds what
happens when: the monthly billing run, a member paying an invoice some days
after it was posted, a check bouncing a week after it was deposited. Each step
may put later steps on the agenda; steps dated after the anchor never happen,
so the books end on the anchor date with the recent invoices still open, as
real books would.

Every write is a call to `memberbooks.ledger.actions` or
`memberbooks.events.actions` as the demo bookkeeper, so the demo obeys every
rule the application enforces. Every choice comes from one `random.Random(seed)`
consumed in agenda order (ties broken by the order steps were scheduled), and
nothing depends on database ids, so the same seed and anchor give the same
books.
"""

import datetime as dt
import heapq
import random
import string
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from memberbooks.demo import catalogue as cat
from memberbooks.demo.people import MONTHS, WRONG_TIER, Profile, draw
from memberbooks.events import actions as events
from memberbooks.events.models import Event, FeeType, Registration
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.drafts import (
    ApplicationDraft,
    CreditMemoDraft,
    InvoiceDraft,
    LineDraft,
    PaymentDraft,
)
from memberbooks.ledger.models import CreditMemo, GLAccount, Invoice, Payment
from memberbooks.ledger.money import ZERO, from_cents, to_cents
from memberbooks.tenancy.access import Actor

Progress = Callable[[float], None]
DEPOSIT_FOR_METHOD = {"check": cat.UNDEPOSITED, "card": cat.MERCHANT, "ach": cat.CHECKING}
REGISTRATION_SHARE = {"GOLF": 0.12, "EXPO": 0.10, "GALA": 0.14}
_ALNUM = string.ascii_letters + string.digits


def build(
    actor: Actor, *, seed: int, anchor: dt.date, members: int, progress: Progress | None = None
) -> Counter[str]:
    """Write the demo books into `actor.organisation`; returns how many of each thing were made."""
    rng = random.Random(seed)
    year = Year(actor, rng, anchor, draw(rng, members), progress)
    year.plan()
    year.run()
    return year.counts


def month_start(first: dt.date, index: int) -> dt.date:
    month = first.month - 1 + index
    return dt.date(first.year + month // 12, month % 12 + 1, 1)


class Agenda:
    """Dated steps, run in date order; among steps of one day, in the order they were added."""

    def __init__(self, last_day: dt.date) -> None:
        self.last_day = last_day
        self._heap: list[tuple[dt.date, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._added = 0

    def at(self, day: dt.date, step: Callable[..., Any], *args: Any) -> None:
        """Schedule `step(day, *args)`; a step after the last day is dropped (it has not happened)."""
        if day <= self.last_day:
            heapq.heappush(self._heap, (day, self._added, step, args))
            self._added += 1

    def run(self, on_day: Callable[[dt.date], None]) -> None:
        while self._heap:
            day, _, step, args = heapq.heappop(self._heap)
            step(day, *args)
            on_day(day)


class Year:
    """The demo year: plans the members' stories, then runs the agenda."""

    def __init__(
        self,
        actor: Actor,
        rng: random.Random,
        anchor: dt.date,
        profiles: list[Profile],
        progress: Progress | None,
    ) -> None:
        self.actor, self.rng, self.anchor, self.profiles = actor, rng, anchor, profiles
        self.start = month_start(dt.date(anchor.year, anchor.month, 1), -(MONTHS - 1))
        self.agenda = Agenda(anchor)
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.gl: dict[str, GLAccount] = {}
        self.chamber_check = rng.randint(5100, 5400)

    # --- running ---------------------------------------------------------------------------

    def plan(self) -> None:
        for account in cat.CHART:
            self.gl[account.number] = ledger.create_gl_account(
                self.actor, account.number, account.name, account.kind
            )
        self.agenda.at(self.start, self.enrol, [p for p in self.profiles if p.joins is None])
        for profile in self.profiles:
            if profile.joins is not None:
                self.agenda.at(self.join_date(profile), self.join, profile)
        for index in range(MONTHS):
            self.agenda.at(self.month(index), self.billing_run, index)
        self.agenda.at(self.start, self.open_events)

    def run(self) -> None:
        span = max((self.anchor - self.start).days, 1)

        def on_day(day: dt.date) -> None:
            if self.progress is not None:
                self.progress((day - self.start).days / span)

        self.agenda.run(on_day)
        if self.progress is not None:
            self.progress(1.0)

    def month(self, index: int) -> dt.date:
        return month_start(self.start, index)

    def join_date(self, profile: Profile) -> dt.date:
        return self.month(profile.joins or 0) + dt.timedelta(days=profile.join_day)

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    # --- members and billing -----------------------------------------------------------------

    def enrol(self, day: dt.date, profiles: list[Profile]) -> None:
        for profile in profiles:
            self.create_member(profile)

    def create_member(self, profile: Profile) -> None:
        profile.member = ledger.create_member(
            self.actor,
            profile.number,
            first_name=profile.first_name,
            last_name=profile.last_name,
            company=profile.company,
            email=profile.email,
            phone=profile.phone,
            address=profile.address,
            city=profile.city,
            state="CA",
            postal_code=profile.postal_code,
            status=profile.status,
        )
        self.counts["members"] += 1
        self.counts[f"members_{profile.status}"] += 1

    def join(self, day: dt.date, profile: Profile) -> None:
        """A new member: the first invoice carries the application fee."""
        self.create_member(profile)
        draft = self.dues_draft(profile, day, (profile.joins or 1) - 1)
        fee = LineDraft(
            gl_account=self.gl[cat.APPLICATION_FEES],
            unit_price=cat.APPLICATION_FEE,
            description="New member application fee",
        )
        draft = InvoiceDraft(
            member=draft.member,
            date=day,
            due_date=day + dt.timedelta(days=30),
            lines=[fee, *draft.lines],
            memo=f"Welcome to the Chamber - {draft.memo}",
        )
        self.after_invoice(profile, ledger.post_invoice(self.actor, draft), "dues")
        self.counts["invoices"] += 1

    def billing_run(self, day: dt.date, index: int) -> None:
        """The first of the month: monthly dues for everyone on a plan, renewals falling due."""
        batch: list[tuple[Profile, InvoiceDraft, str]] = []
        for profile in self.profiles:
            if profile.member is None or not profile.is_current or profile.joins == index:
                continue
            if profile.billing == "monthly" or profile.renew_month == index:
                draft = self.dues_draft(profile, day, index)
                batch.append((profile, draft, "dues"))
                if profile.scenario == "duplicate_invoice" and not profile.invoices:
                    batch.append((profile, draft, "duplicate"))
        if not batch:
            return
        invoices = ledger.post_invoices(self.actor, [draft for _, draft, _ in batch])
        self.counts["invoices"] += len(invoices)
        for (profile, _, role), invoice in zip(batch, invoices, strict=True):
            self.after_invoice(profile, invoice, role)

    def dues_draft(self, profile: Profile, day: dt.date, index: int) -> InvoiceDraft:
        assert profile.member is not None
        if profile.billing == "monthly":
            return self.monthly_draft(profile, day)
        tier = profile.tier
        if profile.scenario == "wrong_tier" and not profile.invoices:
            tier = cat.TIERS[WRONG_TIER[tier.code]]
        return self.renewal_draft(profile, tier, day, self.month(index + 1))

    def monthly_draft(self, profile: Profile, day: dt.date) -> InvoiceDraft:
        assert profile.member is not None and profile.tier.monthly is not None
        period = day.strftime("%B %Y")
        return InvoiceDraft(
            member=profile.member,
            date=day,
            due_date=day + dt.timedelta(days=14),
            memo=f"Monthly dues {period}",
            lines=[
                LineDraft(
                    gl_account=self.gl[profile.tier.gl_number],
                    unit_price=profile.tier.monthly,
                    description=f"Monthly dues - {period} ({profile.tier.label})",
                )
            ],
        )

    def renewal_draft(
        self, profile: Profile, tier: cat.Tier, day: dt.date, anniversary: dt.date
    ) -> InvoiceDraft:
        """Annual dues, billed the month before the membership year starts.

        Dues for a membership year that starts after the anchor are billed in
        advance, so they go to Deferred Dues Revenue rather than dues income.
        """
        assert profile.member is not None
        until = month_start(anniversary, 11)
        period = f"{anniversary:%b %Y} - {until:%b %Y}"
        dues_account = tier.gl_number if anniversary <= self.anchor else cat.DEFERRED_DUES
        lines = [
            LineDraft(
                gl_account=self.gl[dues_account],
                unit_price=tier.annual,
                description=f"Annual membership dues {period} - {tier.label}",
            )
        ]
        if tier.is_business and self.rng.random() < 0.15:
            lines.append(
                LineDraft(
                    gl_account=self.gl[cat.ADVERTISING],
                    unit_price=cat.DIRECTORY_LISTING,
                    description="Enhanced listing, online business directory (12 months)",
                )
            )
        if self.rng.random() < 0.12:
            lines.append(
                LineDraft(
                    gl_account=self.gl[cat.FOUNDATION_PAYABLE],
                    unit_price=self.rng.choice(cat.FOUNDATION_GIFTS),
                    description="Contribution to the Riverside Chamber Foundation scholarship fund",
                )
            )
        return InvoiceDraft(
            member=profile.member,
            date=day,
            due_date=anniversary,
            memo=f"Membership renewal {period}",
            lines=lines,
        )

    def after_invoice(self, profile: Profile, invoice: Invoice, role: str) -> None:
        """Decide what happens to a dues invoice: its member's story, or a plain payment."""
        profile.invoices.append(invoice)
        if role == "duplicate":
            self.agenda.at(invoice.date + self.days(1, 6), self.void_invoice, invoice)
            return
        if profile.pending_credit:
            self.agenda.at(invoice.date, self.use_credit, profile.pending_credit.pop(0), invoice)
        story = profile.scenario
        if story is not None and len(profile.invoices) == 1:
            getattr(self, f"story_{story}")(profile, invoice)
            return
        self.settle(profile, invoice)

    # --- paying --------------------------------------------------------------------------------

    def delay(self, profile: Profile) -> dt.timedelta:
        low, high = {"prompt": (0, 20), "normal": (10, 45), "slow": (30, 110)}[profile.payer]
        return self.days(low, high)

    def settle(self, profile: Profile, invoice: Invoice) -> None:
        self.agenda.at(invoice.date + self.delay(profile), self.pay, profile, invoice, None)

    def reference(self, profile: Profile, method: str) -> str:
        if method == "check":
            profile.next_check += 1
            return str(profile.next_check)
        if method == "card":
            return "ch_" + "".join(self.rng.choices(_ALNUM, k=24))
        return f"ACH {self.rng.randint(10**14, 10**15 - 1)}"

    def receive(
        self,
        day: dt.date,
        profile: Profile,
        amount: Decimal,
        applications: list[tuple[Invoice, Decimal]],
        method: str | None = None,
    ) -> Payment:
        method = method or profile.method
        assert profile.member is not None
        payment = ledger.record_payment(
            self.actor,
            PaymentDraft(
                member=profile.member,
                date=day,
                amount=amount,
                deposit_account=self.gl[DEPOSIT_FOR_METHOD[method]],
                method=method,
                reference=self.reference(profile, method),
                applications=[
                    ApplicationDraft(invoice=inv, amount=amt) for inv, amt in applications
                ],
            ),
        )
        self.counts["payments"] += 1
        return payment

    def pay(
        self,
        day: dt.date,
        profile: Profile,
        invoice: Invoice,
        amount: Decimal | None,
        method: str | None = None,
    ) -> Payment | None:
        """Pay `amount` (or whatever is open) on the invoice, if anything is still open."""
        open_balance = Invoice.objects.get(pk=invoice.pk).open_balance
        if open_balance <= ZERO:
            return None
        amount = open_balance if amount is None else min(amount, open_balance)
        if amount < open_balance:
            self.counts["partial_payments"] += 1
        return self.receive(day, profile, amount, [(invoice, amount)], method)

    def use_credit(self, day: dt.date, source: Payment | CreditMemo, invoice: Invoice) -> None:
        """The bookkeeper applies a member's credit to their new invoice."""
        open_balance = Invoice.objects.get(pk=invoice.pk).open_balance
        fresh = type(source).objects.get(pk=source.pk)
        amount = min(open_balance, fresh.unapplied)
        if amount <= ZERO:
            return
        applications = [ApplicationDraft(invoice=invoice, amount=amount)]
        if isinstance(fresh, Payment):
            ledger.apply_payment(self.actor, fresh, applications, on=day)
            self.counts["credit_applications_payment"] += 1
        else:
            ledger.apply_credit(self.actor, fresh, applications, on=day)
            self.counts["credit_applications_memo"] += 1

    def credit_memo(
        self,
        day: dt.date,
        profile: Profile,
        account: str,
        amount: Decimal,
        description: str,
        apply_to: Invoice | None = None,
    ) -> CreditMemo:
        assert profile.member is not None
        memo = ledger.post_credit_memo(
            self.actor,
            CreditMemoDraft(
                member=profile.member,
                date=day,
                memo=description,
                lines=[
                    LineDraft(
                        gl_account=self.gl[account], unit_price=amount, description=description
                    )
                ],
                applications=[ApplicationDraft(invoice=apply_to, amount=amount)]
                if apply_to is not None
                else [],
            ),
        )
        self.counts["credit_memos"] += 1
        if apply_to is not None:
            self.counts["credit_applications_memo"] += 1
        return memo

    def void_invoice(self, day: dt.date, invoice: Invoice, reason: str = "") -> None:
        ledger.void_invoice(self.actor, invoice, day, reason or cat.DUPLICATE_INVOICE_REASON)
        self.counts["voided_invoices"] += 1

    def void_payment(self, day: dt.date, payment: Payment, reason: str) -> None:
        ledger.void_payment(self.actor, payment, day, reason)
        self.counts["voided_payments"] += 1

    def refund(self, day: dt.date, source: Payment | CreditMemo, method: str, account: str) -> None:
        if method == "check":
            self.chamber_check += 1
            reference = f"Chamber check {self.chamber_check}"
        else:
            reference = "re_" + "".join(self.rng.choices(_ALNUM, k=24))
        fresh = type(source).objects.get(pk=source.pk)
        ledger.refund(self.actor, fresh, fresh.unapplied, day, self.gl[account], method, reference)
        self.counts["refunds"] += 1

    @staticmethod
    def part(total: Decimal) -> Decimal:
        """Roughly half of an amount, in whole dollars (what a member sends as a first installment)."""
        return from_cents(to_cents(total) // 200 * 100) or total

    # --- the members' stories (one each, on their first invoice of the year) -------------------

    def story_partial(self, profile: Profile, invoice: Invoice) -> None:
        first = invoice.date + self.days(5, 25)
        self.agenda.at(first, self.pay, profile, invoice, self.part(invoice.total))
        self.agenda.at(first + self.days(25, 60), self.pay, profile, invoice, None)

    def story_partial_open(self, profile: Profile, invoice: Invoice) -> None:
        first = invoice.date + self.days(5, 30)
        self.agenda.at(first, self.pay, profile, invoice, self.part(invoice.total))

    def story_overpaid_credit(self, profile: Profile, invoice: Invoice) -> None:
        extra = self.rng.choice((Decimal("25.00"), Decimal("50.00"), Decimal("100.00")))
        self.agenda.at(invoice.date + self.delay(profile), self.overpay, profile, invoice, extra)

    def overpay(self, day: dt.date, profile: Profile, invoice: Invoice, extra: Decimal) -> None:
        open_balance = Invoice.objects.get(pk=invoice.pk).open_balance
        self.receive(day, profile, open_balance + extra, [(invoice, open_balance)])
        self.counts["overpayments"] += 1

    def story_duplicate_refund(self, profile: Profile, invoice: Invoice) -> None:
        paid = invoice.date + self.delay(profile)
        self.agenda.at(paid, self.pay, profile, invoice, None, "card")
        self.agenda.at(paid + self.days(2, 9), self.duplicate_payment, profile, invoice)

    def duplicate_payment(self, day: dt.date, profile: Profile, invoice: Invoice) -> None:
        """The member mails a check for an invoice already paid by card; it is refunded."""
        payment = self.receive(day, profile, invoice.total, [], "check")
        self.counts["overpayments"] += 1
        self.agenda.at(day + self.days(10, 25), self.refund, payment, "check", cat.CHECKING)

    def story_early_discount(self, profile: Profile, invoice: Invoice) -> None:
        self.agenda.at(invoice.date + self.days(1, 10), self.early_discount, profile, invoice)

    def early_discount(self, day: dt.date, profile: Profile, invoice: Invoice) -> None:
        discount = from_cents(to_cents(profile.tier.annual) // 10)
        self.credit_memo(
            day, profile, profile.tier.gl_number, discount, "Early renewal discount (10%)", invoice
        )
        self.agenda.at(day + self.days(0, 5), self.pay, profile, invoice, None)

    def story_volunteer_credit(self, profile: Profile, invoice: Invoice) -> None:
        self.agenda.at(invoice.date + self.days(1, 5), self.volunteer_credit, profile, invoice)

    def volunteer_credit(self, day: dt.date, profile: Profile, invoice: Invoice) -> None:
        memo = self.credit_memo(
            day, profile, cat.ALLOWANCES, Decimal("50.00"), "Chamber Ambassador volunteer credit"
        )
        self.agenda.at(day + self.days(5, 15), self.use_credit, memo, invoice)
        self.agenda.at(day + self.days(30, 60), self.pay, profile, invoice, None)

    def story_bounced_repaid(self, profile: Profile, invoice: Invoice) -> None:
        self.agenda.at(invoice.date + self.days(5, 30), self.bounce, profile, invoice, True)

    def story_payment_voided_open(self, profile: Profile, invoice: Invoice) -> None:
        self.agenda.at(invoice.date + self.days(5, 30), self.bounce, profile, invoice, False)

    def bounce(self, day: dt.date, profile: Profile, invoice: Invoice, repaid: bool) -> None:
        """A check comes back unpaid (or a card payment is charged back) after it was applied."""
        method = "card" if profile.method == "card" and not repaid else "check"
        payment = self.receive(day, profile, invoice.total, [(invoice, invoice.total)], method)
        if method == "card":
            reason, later = cat.CHARGEBACK_REASON, self.days(20, 40)
        else:
            reason, later = self.rng.choice(cat.BOUNCED_REASONS), self.days(6, 12)
        self.agenda.at(day + later, self.void_payment, payment, reason)
        if repaid:
            self.agenda.at(day + later, self.returned_check_fee, profile, invoice)

    def returned_check_fee(self, day: dt.date, profile: Profile, invoice: Invoice) -> None:
        assert profile.member is not None
        fee = ledger.post_invoice(
            self.actor,
            InvoiceDraft(
                member=profile.member,
                date=day,
                due_date=day + dt.timedelta(days=15),
                source="other",
                memo=f"Returned check fee ({invoice.number})",
                lines=[
                    LineDraft(
                        gl_account=self.gl[cat.FEES],
                        unit_price=cat.RETURNED_CHECK_FEE,
                        description="Returned check fee",
                    )
                ],
            ),
        )
        self.counts["invoices"] += 1
        self.agenda.at(day + self.days(5, 20), self.repay, profile, [invoice, fee])

    def repay(self, day: dt.date, profile: Profile, invoices: list[Invoice]) -> None:
        applications = [(inv, Invoice.objects.get(pk=inv.pk).open_balance) for inv in invoices]
        applications = [(inv, amount) for inv, amount in applications if amount > ZERO]
        total = sum((amount for _, amount in applications), ZERO)
        if total > ZERO:
            self.receive(day, profile, total, applications, "card")

    def story_wrong_tier(self, profile: Profile, invoice: Invoice) -> None:
        self.agenda.at(invoice.date + self.days(2, 8), self.rebill, profile, invoice)

    def rebill(self, day: dt.date, profile: Profile, invoice: Invoice) -> None:
        self.void_invoice(day, invoice, cat.WRONG_TIER_REASON)
        draft = self.renewal_draft(profile, profile.tier, day, invoice.due_date)
        corrected = ledger.post_invoice(self.actor, draft)
        self.counts["invoices"] += 1
        self.settle(profile, corrected)

    def story_duplicate_invoice(self, profile: Profile, invoice: Invoice) -> None:
        self.settle(profile, invoice)

    def story_lapsing(self, profile: Profile, invoice: Invoice) -> None:
        voids = self.rng.random() < 0.5
        self.agenda.at(invoice.due_date + self.days(45, 75), self.lapse, profile, invoice, voids)

    def lapse(self, day: dt.date, profile: Profile, invoice: Invoice, voids: bool) -> None:
        assert profile.member is not None
        ledger.update_member(self.actor, profile.member, status="lapsed")
        profile.status = "lapsed"
        self.counts["members_lapsed_in_year"] += 1
        if voids:
            self.void_invoice(day, invoice, cat.LAPSED_REASON)

    def story_write_off(self, profile: Profile, invoice: Invoice) -> None:
        self.agenda.at(invoice.due_date + self.days(120, 150), self.write_off, profile, invoice)

    def write_off(self, day: dt.date, profile: Profile, invoice: Invoice) -> None:
        open_balance = Invoice.objects.get(pk=invoice.pk).open_balance
        self.credit_memo(
            day,
            profile,
            cat.BAD_DEBT,
            open_balance,
            "Write-off: uncollectible dues (no response to collection letters)",
            invoice,
        )
        self.lapse(day, profile, invoice, False)

    def story_prepaid_next_month(self, profile: Profile, invoice: Invoice) -> None:
        self.agenda.at(invoice.date + self.days(2, 10), self.prepay, profile, invoice)

    def prepay(self, day: dt.date, profile: Profile, invoice: Invoice) -> None:
        """Two months paid at once: the second month waits as credit for the next invoice."""
        payment = self.receive(day, profile, invoice.total * 2, [(invoice, invoice.total)])
        profile.pending_credit.append(payment)
        self.counts["overpayments"] += 1

    def story_misapplied(self, profile: Profile, invoice: Invoice) -> None:
        day = self.month(1) + self.days(2, 6)
        self.agenda.at(day, self.misapply, profile, invoice)

    def misapply(self, day: dt.date, profile: Profile, invoice: Invoice) -> None:
        """Payment for one month applied to the next month's invoice, then moved."""
        newer = profile.invoices[-1]
        payment = self.receive(day, profile, invoice.total, [(newer, invoice.total)])
        self.agenda.at(day + self.days(3, 7), self.move_application, payment, invoice)

    def move_application(self, day: dt.date, payment: Payment, invoice: Invoice) -> None:
        wrong = payment.applications.get(unapplied_on=None)
        ledger.unapply(self.actor, wrong, day)
        ledger.apply_payment(
            self.actor, payment, [ApplicationDraft(invoice=invoice, amount=wrong.amount)], on=day
        )
        self.counts["unapplied_and_moved"] += 1

    # --- events -------------------------------------------------------------------------------

    def open_events(self, day: dt.date) -> None:
        for plan in cat.EVENTS:
            starts = self.anchor + dt.timedelta(days=plan.offset)
            starts += dt.timedelta(days=(plan.weekday - starts.weekday()) % 7)
            event = events.create_event(
                self.actor,
                f"{plan.code}{starts:%y}",
                f"{plan.name} {starts:%Y}",
                starts,
                plan.location,
            )
            fees = [
                (
                    fee,
                    events.add_fee_type(
                        self.actor, event, fee.name, self.gl[fee.gl_number], fee.price
                    ),
                )
                for fee in plan.fees
            ]
            self.counts["events"] += 1
            self.plan_registrations(plan, event, fees)

    def plan_registrations(
        self, plan: cat.EventPlan, event: Event, fees: list[tuple[cat.Fee, FeeType]]
    ) -> None:
        opens = max(event.starts_on - dt.timedelta(days=60), self.start)
        closes = min(event.starts_on - dt.timedelta(days=1), self.anchor)
        if closes < opens:
            return
        wanted = max(6, round(len(self.profiles) * REGISTRATION_SHARE[plan.code]))
        pool = [
            p
            for p in self.profiles
            if p.is_current and p.scenario is None and choose_fee(plan, p, 0.0) is not None
        ]
        chosen = self.rng.sample(pool, min(wanted, len(pool)))
        cancellations = {"GOLF": "cancel_refund", "EXPO": "cancel_credit"}.get(plan.code)
        told = False
        for number, profile in enumerate(chosen):
            day = opens + self.days(0, (closes - opens).days)
            if profile.joins is not None and self.join_date(profile) > day:
                continue
            fee = choose_fee(plan, profile, self.rng.random())
            assert fee is not None
            fee_type = next(ft for f, ft in fees if f == fee)
            quantity = self.rng.randint(1, fee.max_quantity)
            paid = self.rng.random() < 0.55
            story = None
            if (event.starts_on - day).days > 4 and (number % 20 == 0 or not told):
                story, told = cancellations, True
            if story == "cancel_refund":
                paid = True
            elif story == "cancel_credit":
                paid = False
            self.agenda.at(day, self.register, profile, event, fee_type, quantity, paid, story)

    def attendee(self, profile: Profile) -> str:
        if not profile.company:
            return ""
        return f"{self.rng.choice(cat.FIRST_NAMES)} {self.rng.choice(cat.LAST_NAMES)}"

    def register(
        self,
        day: dt.date,
        profile: Profile,
        event: Event,
        fee_type: FeeType,
        quantity: int,
        paid: bool,
        story: str | None,
    ) -> None:
        assert profile.member is not None
        at_checkout = None
        if paid:
            at_checkout = events.PaidAtRegistration(
                deposit_account=self.gl[cat.MERCHANT],
                method="card",
                reference="ch_" + "".join(self.rng.choices(_ALNUM, k=24)),
            )
        registration = events.register(
            self.actor,
            event,
            profile.member,
            fee_type,
            day,
            quantity,
            self.attendee(profile),
            at_checkout,
        )
        self.counts["registrations"] += 1
        self.counts[f"registrations_{event.code[:4].lower()}"] += 1
        if paid:
            self.counts["payments"] += 1
            self.counts["paid_at_registration"] += 1
        self.counts["invoices"] += 1
        last = event.starts_on - dt.timedelta(days=1)
        if story is not None:
            when = min(day + self.days(3, 15), last)
            self.agenda.at(when, getattr(self, story), profile, registration)
        elif not paid:
            self.settle(profile, registration.invoice)

    def cancel_refund(self, day: dt.date, profile: Profile, registration: Registration) -> None:
        """A paid registration is cancelled: a credit memo for it, refunded to the card."""
        memo = self.credit_memo(
            day,
            profile,
            registration.fee_type.gl_account.number,
            registration.invoice.total,
            f"Cancelled registration - {registration.event.name}",
        )
        self.counts["cancelled_registrations"] += 1
        self.agenda.at(day + self.days(1, 3), self.refund, memo, "card", cat.MERCHANT)

    def cancel_credit(self, day: dt.date, profile: Profile, registration: Registration) -> None:
        """An invoiced registration is cancelled before it was paid: credited in full."""
        invoice = Invoice.objects.get(pk=registration.invoice_id)
        if invoice.open_balance <= ZERO:
            return
        self.credit_memo(
            day,
            profile,
            registration.fee_type.gl_account.number,
            invoice.open_balance,
            f"Cancelled registration - {registration.event.name}",
            invoice,
        )
        self.counts["cancelled_registrations"] += 1


def choose_fee(plan: cat.EventPlan, profile: Profile, roll: float) -> cat.Fee | None:
    """What this member buys at this event (`roll` in [0, 1) picks among what fits them).

    Individuals buy tickets, nonprofits take the nonprofit table at the expo,
    businesses buy booths or tickets, and the larger ones sponsor.
    """
    sponsors = [fee for fee in plan.fees if fee.sponsor]
    regular = [fee for fee in plan.fees if not fee.sponsor]
    if plan.code == "EXPO":
        if profile.tier.code == "individual":
            return None
        if profile.tier.code == "nonprofit":
            return regular[0]
        regular = regular[1:]
    elif profile.tier.code in ("individual", "nonprofit"):
        regular = [fee for fee in regular if fee.price < Decimal("1000.00")]
    big = profile.tier.code in ("business-3", "business-4", "presidents-circle")
    if big and roll < 0.4:
        return sponsors[int(roll / 0.4 * len(sponsors))]
    return regular[int(roll * roll * len(regular))]  # the usual purchase is the most common
