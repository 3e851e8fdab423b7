"""Every write to the ledger, as named atomic actions.

Pages, the JSON API, the CLI, the importer and the demo generator all call these
functions; nothing else saves ledger rows. Each action:
- checks the caller's role (`actor.require`),
- checks that every referenced row belongs to the caller's organisation,
- validates amounts and dates and raises a `LedgerError` naming the field and
  the fix, before writing anything,
- runs in one transaction, locking the documents whose running totals it
  changes, so two clerks applying the same payment cannot over-apply it.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F, Max

from memberbooks.ledger import numbering
from memberbooks.ledger.drafts import (
    ApplicationDraft,
    CreditMemoDraft,
    InvoiceDraft,
    LineDraft,
    MemberDraft,
    PaymentDraft,
)
from memberbooks.ledger.errors import (
    AlreadyVoided,
    InvalidInput,
    NotFound,
    OverApplication,
    VoidRefused,
)
from memberbooks.ledger.models import (
    Application,
    CreditMemo,
    CreditMemoLine,
    GLAccount,
    GLAccountKind,
    Invoice,
    InvoiceLine,
    InvoiceSource,
    Member,
    MemberStatus,
    Payment,
    PaymentMethod,
    Refund,
)
from memberbooks.ledger.money import ZERO, line_amount, money_value, quantize, to_decimal
from memberbooks.ledger.signals import documents_changed
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role

DEFAULT_TERMS_DAYS = 30
MAX_AMOUNT = Decimal("999999999.99")


# --- checks shared by the actions -------------------------------------------------------------


def _own(actor: Actor, obj: Any, what: str) -> None:
    """Refuse a row from another organisation exactly as if it did not exist."""
    if obj is None or obj.organisation_id != actor.organisation.pk:
        raise NotFound(
            f"No such {what} in {actor.organisation.name}.", field=what.replace(" ", "_")
        )


def _positive_amount(value: Decimal | str | int, field: str) -> Decimal:
    try:
        amount = quantize(value)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"{value!r} is not an amount.", field=field, fix="Write it like 125.00."
        ) from exc
    if amount <= ZERO:
        raise InvalidInput(
            f"{amount} must be more than zero.", field=field, fix="Enter a positive amount."
        )
    if amount > MAX_AMOUNT:
        raise InvalidInput(
            f"{amount} is too large.", field=field, fix=f"Amounts stop at {MAX_AMOUNT}."
        )
    return amount


def _not_before(date: dt.date, earliest: dt.date, field: str, what: str) -> None:
    if date < earliest:
        raise InvalidInput(
            f"{date.isoformat()} is before {what} ({earliest.isoformat()}).",
            field=field,
            fix=f"Use {earliest.isoformat()} or later.",
        )


def _choice(value: str, choices: type[models.TextChoices], field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            f"{value!r} is not allowed.",
            field=field,
            fix=f"Use one of: {', '.join(choices.values)}.",
        )
    return value


# --- members and GL accounts ------------------------------------------------------------------

MEMBER_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "email",
    "phone",
    "address",
    "city",
    "state",
    "postal_code",
)


@transaction.atomic
def create_gl_account(actor: Actor, number: str, name: str, kind: str) -> GLAccount:
    actor.require(Role.BOOKKEEPER)
    number, name = number.strip(), name.strip()
    if not number:
        raise InvalidInput(
            "The account number is empty.", field="number", fix="Give the GL account a number."
        )
    if not name:
        raise InvalidInput(
            "The account name is empty.", field="name", fix="Give the GL account a name."
        )
    _choice(kind, GLAccountKind, "kind")
    if GLAccount.objects.filter(organisation=actor.organisation, number=number).exists():
        raise InvalidInput(
            f"GL account {number} exists already.", field="number", fix="Use another number."
        )
    return GLAccount.objects.create(
        organisation=actor.organisation, number=number, name=name, kind=kind
    )


def _member_values(values: dict[str, str]) -> dict[str, str]:
    unknown = set(values) - set(MEMBER_FIELDS) - {"status"}
    if unknown:
        raise InvalidInput(
            f"Unknown member fields: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0]
        )
    clean = {key: (value or "").strip() for key, value in values.items()}
    if "status" in clean:
        _choice(clean["status"], MemberStatus, "status")
    email = clean.get("email", "")
    if email and ("@" not in email or " " in email):
        raise InvalidInput(
            f"{email!r} is not an email address.",
            field="email",
            fix="Write it as name@example.org.",
        )
    return clean


def _check_member(member_number: str, values: dict[str, str]) -> tuple[str, dict[str, str]]:
    member_number = member_number.strip()
    if not member_number:
        raise InvalidInput(
            "The member number is empty.", field="member_number", fix="Give every member a number."
        )
    clean = _member_values(values)
    if not (clean.get("first_name") or clean.get("last_name") or clean.get("company")):
        raise InvalidInput(
            "A member needs a name or a company.", field="last_name", fix="Fill in a name."
        )
    return member_number, clean


@transaction.atomic
def create_members(actor: Actor, drafts: Sequence[MemberDraft]) -> list[Member]:
    """Add many members at once (the importer's path); all or none."""
    actor.require(Role.BOOKKEEPER)
    checked = [_check_member(draft.member_number, draft.values) for draft in drafts]
    numbers = [number for number, _ in checked]
    repeated = sorted({number for number in numbers if numbers.count(number) > 1})
    if repeated:
        raise InvalidInput(
            f"Member number {repeated[0]} is given twice.",
            field="member_number",
            fix="Give each member their own number.",
        )
    taken = sorted(
        Member.objects.filter(
            organisation=actor.organisation, member_number__in=numbers
        ).values_list("member_number", flat=True)
    )
    if taken:
        raise InvalidInput(
            f"Member number {taken[0]} is taken.",
            field="member_number",
            fix="Use another member number.",
        )
    return Member.objects.bulk_create(
        [
            Member(organisation=actor.organisation, member_number=number, **clean)
            for number, clean in checked
        ],
        batch_size=2000,
    )


def create_member(actor: Actor, member_number: str, **values: str) -> Member:
    return create_members(actor, [MemberDraft(member_number, values)])[0]


@transaction.atomic
def update_member(actor: Actor, member: Member, **values: str) -> Member:
    actor.require(Role.BOOKKEEPER)
    _own(actor, member, "member")
    clean = _member_values(values)
    for key, value in clean.items():
        setattr(member, key, value)
    if not (member.first_name or member.last_name or member.company):
        raise InvalidInput(
            "A member needs a name or a company.", field="last_name", fix="Fill in a name."
        )
    member.save(update_fields=list(clean))
    return member


# --- invoices ---------------------------------------------------------------------------------


def _priced_lines(
    actor: Actor, lines: Sequence[LineDraft]
) -> list[tuple[LineDraft, Decimal, Decimal, Decimal]]:
    """Check each line and compute its amount; returns (line, quantity, unit price, amount)."""
    if not lines:
        raise InvalidInput("There are no lines.", field="lines", fix="Add at least one line.")
    priced = []
    for index, line in enumerate(lines, start=1):
        _own(actor, line.gl_account, "GL account")
        quantity = to_decimal(line.quantity)
        if quantity <= 0:
            raise InvalidInput(
                f"Line {index}: quantity {quantity} must be more than zero.",
                field="quantity",
                fix="For a discount or reversal, post a credit memo.",
            )
        unit_price = quantize(line.unit_price)
        if unit_price < 0:
            raise InvalidInput(
                f"Line {index}: unit price {unit_price} is negative.",
                field="unit_price",
                fix="For a discount or reversal, post a credit memo.",
            )
        priced.append((line, quantity, unit_price, line_amount(quantity, unit_price)))
    return priced


def _check_invoice(
    actor: Actor, draft: InvoiceDraft
) -> tuple[dt.date, list[tuple[LineDraft, Decimal, Decimal, Decimal]]]:
    _own(actor, draft.member, "member")
    _choice(draft.source, InvoiceSource, "source")
    due_date = draft.due_date or draft.date + dt.timedelta(days=DEFAULT_TERMS_DAYS)
    _not_before(due_date, draft.date, "due_date", "the invoice date")
    priced = _priced_lines(actor, draft.lines)
    if sum((amount for *_, amount in priced), ZERO) > MAX_AMOUNT:
        raise InvalidInput(
            "The invoice total is too large.", field="lines", fix=f"Totals stop at {MAX_AMOUNT}."
        )
    return due_date, priced


@transaction.atomic
def post_invoices(actor: Actor, drafts: Sequence[InvoiceDraft]) -> list[Invoice]:
    """Post many invoices at once (the importer's path); all or none are written."""
    actor.require(Role.BOOKKEEPER)
    checked = [_check_invoice(actor, draft) for draft in drafts]
    numbers = numbering.assign(
        actor.organisation, "invoice", [d.number.strip() for d in drafts], Invoice
    )
    invoices = [
        Invoice(
            organisation=actor.organisation,
            number=number,
            member=draft.member,
            date=draft.date,
            due_date=due_date,
            source=draft.source,
            memo=draft.memo,
            total=sum((amount for *_, amount in priced), ZERO),
        )
        for draft, number, (due_date, priced) in zip(drafts, numbers, checked, strict=True)
    ]
    try:
        with transaction.atomic():
            Invoice.objects.bulk_create(invoices, batch_size=2000)
    except IntegrityError as exc:
        raise InvalidInput(
            "An invoice number is already used.", field="number", fix="Use a new number."
        ) from exc
    _fill_missing_pks(actor, Invoice, invoices)
    InvoiceLine.objects.bulk_create(
        (
            InvoiceLine(
                invoice=invoice,
                position=position,
                gl_account=line.gl_account,
                description=line.description,
                quantity=quantity,
                unit_price=unit_price,
                amount=amount,
            )
            for invoice, (_, priced) in zip(invoices, checked, strict=True)
            for position, (line, quantity, unit_price, amount) in enumerate(priced, start=1)
        ),
        batch_size=5000,
    )
    return invoices


def post_invoice(actor: Actor, draft: InvoiceDraft) -> Invoice:
    return post_invoices(actor, [draft])[0]


def _fill_missing_pks(
    actor: Actor, model: type[Invoice] | type[Payment], rows: Sequence[Any]
) -> None:
    """Backends that return no ids from bulk inserts (SQLite before 3.35) get them by number."""
    if all(row.pk is not None for row in rows):
        return
    by_number = dict(
        model.objects.filter(
            organisation=actor.organisation, number__in=[row.number for row in rows]
        ).values_list("number", "pk")
    )
    for row in rows:
        row.pk = by_number[row.number]


# --- payments and credit memos ----------------------------------------------------------------


def _lock_invoices(actor: Actor, applications: Iterable[ApplicationDraft]) -> dict[int, Invoice]:
    ids = sorted({app.invoice.pk for app in applications})
    locked = {
        invoice.pk: invoice
        for invoice in Invoice.objects.select_for_update().filter(
            organisation=actor.organisation, pk__in=ids
        )
    }
    for invoice_id in ids:
        if invoice_id not in locked:
            raise NotFound(f"No such invoice in {actor.organisation.name}.", field="invoice")
    return locked


def _last_taken_off(fk: str, ids: Iterable[int]) -> dict[int, dt.date]:
    """The last date an application was taken off each document (unapplied, or ended by a void).

    New applications, refunds and voids on a document may not be dated before
    it: otherwise, on the days between, the history would show the document
    applied twice over (ADR 0002 explains why history must add up).
    """
    rows = (
        Application.objects.filter(**{f"{fk}__in": list(ids)}, unapplied_on__isnull=False)
        .values(fk)
        .annotate(last=Max("unapplied_on"))
    )
    return {row[fk]: row["last"] for row in rows}


def _not_before_taken_off(date: dt.date, last: dt.date | None, field: str, what: str) -> None:
    if last is not None:
        _not_before(date, last, field, f"the last time an application was taken off {what}")


def _plan_applications(
    actor: Actor,
    source: Payment | CreditMemo,
    available: Decimal,
    applications: Sequence[ApplicationDraft],
    invoices: dict[int, Invoice],
    on: dt.date | None,
    taken_off: dict[int, dt.date],
    source_taken_off: dt.date | None = None,
) -> list[Application]:
    """Check applications against the locked invoices and build their rows, writing nothing.

    The invoices' and the source's `amount_applied` are raised in memory, so a
    later application in the same batch sees what is left open. `taken_off`
    holds `_last_taken_off` of the invoices; `source_taken_off` that of the source.
    Without a date, an application is dated when it could first have been made.
    """
    rows, requested = [], ZERO
    for app in applications:
        invoice = invoices[app.invoice.pk]
        amount = _positive_amount(app.amount, "applied_amount")
        if invoice.member_id != source.member_id:
            raise InvalidInput(
                f"Invoice {invoice.number} belongs to another member.",
                field="invoice",
                fix="Apply a member's payment only to that member's invoices.",
            )
        if invoice.is_voided:
            raise AlreadyVoided(
                f"Invoice {invoice.number} is void.", field="invoice", fix="Pick an open invoice."
            )
        if amount > invoice.open_balance:
            raise OverApplication(
                f"{amount} is more than invoice {invoice.number}'s open balance of {invoice.open_balance}.",
                field="applied_amount",
                fix=f"Apply at most {invoice.open_balance}; the rest stays as member credit.",
            )
        limits = (source.date, invoice.date, taken_off.get(invoice.pk), source_taken_off)
        applied_on = on or max(d for d in limits if d is not None)
        _not_before(
            applied_on, source.date, "applied_on", f"the {source._meta.verbose_name}'s date"
        )
        _not_before(applied_on, invoice.date, "applied_on", f"invoice {invoice.number}'s date")
        _not_before_taken_off(
            applied_on, taken_off.get(invoice.pk), "applied_on", f"invoice {invoice.number}"
        )
        _not_before_taken_off(applied_on, source_taken_off, "applied_on", str(source))
        requested += amount
        invoice.amount_applied += amount
        rows.append(
            Application(
                organisation=actor.organisation,
                invoice=invoice,
                payment=source if isinstance(source, Payment) else None,
                credit_memo=source if isinstance(source, CreditMemo) else None,
                amount=amount,
                applied_on=applied_on,
            )
        )
    if requested > available:
        raise OverApplication(
            f"Applying {requested} is more than the {available} available on {source}.",
            field="applied_amount",
            fix=f"Apply at most {available} in all.",
        )
    source.amount_applied += requested
    return rows


def _save_applications(rows: Sequence[Application]) -> list[Application]:
    """Write planned applications and the new `amount_applied` of the invoices they touch."""
    touched = list({row.invoice.pk: row.invoice for row in rows}.values())
    Invoice.objects.bulk_update(touched, ["amount_applied"], batch_size=1000)
    return Application.objects.bulk_create(rows, batch_size=2000)


def _apply(
    actor: Actor,
    source: Payment | CreditMemo,
    applications: Sequence[ApplicationDraft],
    on: dt.date | None,
) -> list[Application]:
    """Apply part of a locked payment or credit memo to invoices, within what each side has open."""
    if not applications:
        return []
    invoices = _lock_invoices(actor, applications)
    taken_off = _last_taken_off("invoice", invoices)
    source_taken_off = _last_taken_off(_fk(source), [source.pk]).get(source.pk)
    rows = _plan_applications(
        actor, source, source.unapplied, applications, invoices, on, taken_off, source_taken_off
    )
    source.save(update_fields=["amount_applied"])
    return _save_applications(rows)


def _check_payment(actor: Actor, draft: PaymentDraft) -> Decimal:
    _own(actor, draft.member, "member")
    _own(actor, draft.deposit_account, "deposit account")
    _choice(draft.method, PaymentMethod, "method")
    return _positive_amount(draft.amount, "amount")


@transaction.atomic
def record_payments(actor: Actor, drafts: Sequence[PaymentDraft]) -> list[Payment]:
    """Record many payments with their applications at once (the importer's path); all or none.

    Applications are checked in order against running balances, so two payments
    in one batch cannot together over-apply an invoice.
    """
    actor.require(Role.BOOKKEEPER)
    amounts = [_check_payment(actor, draft) for draft in drafts]
    numbers = numbering.assign(
        actor.organisation, "payment", [d.number.strip() for d in drafts], Payment
    )
    payments = [
        Payment(
            organisation=actor.organisation,
            number=number,
            member=draft.member,
            date=draft.date,
            method=draft.method,
            reference=draft.reference.strip(),
            amount=amount,
            deposit_account=draft.deposit_account,
        )
        for draft, number, amount in zip(drafts, numbers, amounts, strict=True)
    ]
    invoices = _lock_invoices(actor, [app for draft in drafts for app in draft.applications])
    taken_off = _last_taken_off("invoice", invoices)
    rows = [
        row
        for payment, draft in zip(payments, drafts, strict=True)
        for row in _plan_applications(
            actor, payment, payment.amount, draft.applications, invoices, None, taken_off
        )
    ]
    Payment.objects.bulk_create(payments, batch_size=2000)
    _fill_missing_pks(actor, Payment, payments)
    _save_applications(rows)
    return payments


def record_payment(actor: Actor, draft: PaymentDraft) -> Payment:
    """Record money received and apply it to invoices; any rest is member credit."""
    return record_payments(actor, [draft])[0]


@transaction.atomic
def apply_payment(
    actor: Actor,
    payment: Payment,
    applications: Sequence[ApplicationDraft],
    on: dt.date | None = None,
) -> list[Application]:
    """Apply a payment's unapplied rest (member credit) to invoices."""
    actor.require(Role.BOOKKEEPER)
    _own(actor, payment, "payment")
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.is_voided:
        raise AlreadyVoided(
            f"{locked} is void.", field="payment", fix="Pick a payment that is not void."
        )
    applied = _apply(actor, locked, applications, on)
    _changed([locked], "applications changed")
    return applied


@transaction.atomic
def post_credit_memo(actor: Actor, draft: CreditMemoDraft) -> CreditMemo:
    """Credit a member (a discount, a cancelled registration) and apply it to invoices."""
    actor.require(Role.BOOKKEEPER)
    _own(actor, draft.member, "member")
    priced = _priced_lines(actor, draft.lines)
    total = sum((amount for *_, amount in priced), ZERO)
    if total <= ZERO:
        raise InvalidInput(
            "A credit memo must total more than zero.",
            field="lines",
            fix="Enter the amount to credit.",
        )
    memo = CreditMemo.objects.create(
        organisation=actor.organisation,
        number=numbering.assign(
            actor.organisation, "credit_memo", [draft.number.strip()], CreditMemo
        )[0],
        member=draft.member,
        date=draft.date,
        memo=draft.memo,
        total=total,
    )
    CreditMemoLine.objects.bulk_create(
        CreditMemoLine(
            credit_memo=memo,
            position=position,
            gl_account=line.gl_account,
            description=line.description,
            quantity=quantity,
            unit_price=unit_price,
            amount=amount,
        )
        for position, (line, quantity, unit_price, amount) in enumerate(priced, start=1)
    )
    _apply(actor, memo, draft.applications, None)
    return memo


@transaction.atomic
def apply_credit(
    actor: Actor,
    credit_memo: CreditMemo,
    applications: Sequence[ApplicationDraft],
    on: dt.date | None = None,
) -> list[Application]:
    actor.require(Role.BOOKKEEPER)
    _own(actor, credit_memo, "credit memo")
    locked = CreditMemo.objects.select_for_update().get(pk=credit_memo.pk)
    if locked.is_voided:
        raise AlreadyVoided(
            f"{locked} is void.", field="credit_memo", fix="Pick a credit memo that is not void."
        )
    applied = _apply(actor, locked, applications, on)
    _changed([locked], "applications changed")
    return applied


@transaction.atomic
def unapply(actor: Actor, application: Application, on: dt.date) -> Application:
    """End an application on `on`: the invoice reopens and the amount is member credit again."""
    actor.require(Role.BOOKKEEPER)
    _own(actor, application, "application")
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.is_live:
        raise InvalidInput("This application was already taken off.", field="application")
    _not_before(on, locked.applied_on, "unapplied_on", "the date it was applied")
    _end_applications(actor, [locked], on)
    _changed(_sources_of([locked]), "applications changed")
    return locked


def _changed(documents: Sequence[Invoice | Payment | CreditMemo], why: str) -> None:
    """Tell other apps (exports) that existing documents changed; see `signals.py`."""
    by_model: dict[type, list[Invoice | Payment | CreditMemo]] = {}
    for document in documents:
        by_model.setdefault(type(document), []).append(document)
    for model, rows in by_model.items():
        documents_changed.send(
            sender=model,
            organisation=rows[0].organisation,
            ids=sorted({row.pk for row in rows}),
            why=why,
        )


def _sources_of(applications: Sequence[Application]) -> list[Payment | CreditMemo]:
    payment_ids = {a.payment_id for a in applications if a.payment_id is not None}
    memo_ids = {a.credit_memo_id for a in applications if a.credit_memo_id is not None}
    return [
        *Payment.objects.filter(pk__in=payment_ids),
        *CreditMemo.objects.filter(pk__in=memo_ids),
    ]


def _end_applications(actor: Actor, applications: Sequence[Application], on: dt.date) -> None:
    for app in applications:
        Invoice.objects.filter(pk=app.invoice_id).update(
            amount_applied=F("amount_applied") - money_value(app.amount)
        )
        if app.payment_id is not None:
            Payment.objects.filter(pk=app.payment_id).update(
                amount_applied=F("amount_applied") - money_value(app.amount)
            )
        else:
            CreditMemo.objects.filter(pk=app.credit_memo_id or 0).update(
                amount_applied=F("amount_applied") - money_value(app.amount)
            )
    Application.objects.filter(pk__in=[app.pk for app in applications]).update(unapplied_on=on)
    for app in applications:
        app.unapplied_on = on


# --- refunds ----------------------------------------------------------------------------------


@transaction.atomic
def refund(
    actor: Actor,
    source: Payment | CreditMemo,
    amount: Decimal,
    date: dt.date,
    paid_from: GLAccount,
    method: str = "check",
    reference: str = "",
) -> Refund:
    """Pay back part of a payment's or credit memo's unapplied rest."""
    actor.require(Role.BOOKKEEPER)
    what = "payment" if isinstance(source, Payment) else "credit memo"
    _own(actor, source, what)
    _own(actor, paid_from, "refund account")
    _choice(method, PaymentMethod, "method")
    locked = type(source).objects.select_for_update().get(pk=source.pk)
    if locked.is_voided:
        raise AlreadyVoided(
            f"{locked} is void.",
            field=what.replace(" ", "_"),
            fix="A void document has nothing to refund.",
        )
    value = _positive_amount(amount, "amount")
    if value > locked.unapplied:
        raise OverApplication(
            f"Refunding {value} is more than the {locked.unapplied} unapplied on {locked}.",
            field="amount",
            fix=f"Refund at most {locked.unapplied}, or take applications off first.",
        )
    _not_before(date, locked.date, "date", f"the {what}'s date")
    _not_before_taken_off(
        date, _last_taken_off(_fk(locked), [locked.pk]).get(locked.pk), "date", str(locked)
    )
    type(locked).objects.filter(pk=locked.pk).update(
        amount_refunded=F("amount_refunded") + money_value(value)
    )
    return Refund.objects.create(
        organisation=actor.organisation,
        member_id=locked.member_id,
        payment=locked if isinstance(locked, Payment) else None,
        credit_memo=locked if isinstance(locked, CreditMemo) else None,
        date=date,
        amount=value,
        method=method,
        reference=reference.strip(),
        paid_from=paid_from,
    )


# --- voids ------------------------------------------------------------------------------------


def _check_void(document: Invoice | Payment | CreditMemo, on: dt.date, reason: str) -> str:
    if document.is_voided:
        raise AlreadyVoided(
            f"{document} was voided on {document.voided_on}.",
            field="voided_on",
            fix="Nothing to do.",
        )
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "A void needs a reason.", field="void_reason", fix="Say why, for the audit trail."
        )
    _not_before(on, document.date, "voided_on", f"the {document._meta.verbose_name}'s date")
    last = _last_taken_off(_fk(document), [document.pk]).get(document.pk)
    _not_before_taken_off(on, last, "voided_on", str(document))
    return reason


def _void_with_applications(
    actor: Actor, document: Invoice | Payment | CreditMemo, on: dt.date, reason: str
) -> None:
    live = list(
        Application.objects.select_for_update().filter(
            **{_fk(document): document, "unapplied_on": None}
        )
    )
    for app in live:
        _not_before(on, app.applied_on, "voided_on", f"an application dated {app.applied_on}")
    _end_applications(actor, live, on)
    type(document).objects.filter(pk=document.pk).update(voided_on=on, void_reason=reason)
    document.refresh_from_db()
    _changed([document], "voided")
    if isinstance(document, Invoice):
        _changed(_sources_of(live), "applications changed")


def _fk(document: Invoice | Payment | CreditMemo) -> str:
    return {Invoice: "invoice", Payment: "payment", CreditMemo: "credit_memo"}[type(document)]


@transaction.atomic
def void_invoice(actor: Actor, invoice: Invoice, on: dt.date, reason: str) -> Invoice:
    """Void an invoice; payments and credits applied to it become member credit on that date."""
    actor.require(Role.BOOKKEEPER)
    _own(actor, invoice, "invoice")
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    reason = _check_void(locked, on, reason)
    _void_with_applications(actor, locked, on, reason)
    return locked


def _void_source(actor: Actor, document: Payment | CreditMemo, on: dt.date, reason: str) -> None:
    reason = _check_void(document, on, reason)
    if document.amount_refunded > ZERO:
        raise VoidRefused(
            f"{document} has {document.amount_refunded} refunded.",
            field="voided_on",
            fix="A refunded document cannot be voided; post a new invoice for the refunded amount instead.",
        )
    _void_with_applications(actor, document, on, reason)


@transaction.atomic
def void_payment(actor: Actor, payment: Payment, on: dt.date, reason: str) -> Payment:
    """Void a payment (a bounced check): the invoices it paid reopen on that date."""
    actor.require(Role.BOOKKEEPER)
    _own(actor, payment, "payment")
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    _void_source(actor, locked, on, reason)
    return locked


@transaction.atomic
def void_credit_memo(actor: Actor, credit_memo: CreditMemo, on: dt.date, reason: str) -> CreditMemo:
    actor.require(Role.BOOKKEEPER)
    _own(actor, credit_memo, "credit memo")
    locked = CreditMemo.objects.select_for_update().get(pk=credit_memo.pk)
    _void_source(actor, locked, on, reason)
    return locked
