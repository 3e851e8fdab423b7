"""Ledger rows as response shapes. Reads only; the querysets here say what each shape needs joined."""

from django.db.models import F, Q, QuerySet

from memberbooks.api import shapes
from memberbooks.api.schema import Money, Quantity
from memberbooks.ledger import models as ledger
from memberbooks.ledger import queries
from memberbooks.ledger.money import ZERO

# An invoice's status, as a filter; `invoice_status()` is the same rule for one row.
INVOICE_STATUS_FILTERS: dict[str, Q] = {
    "open": Q(voided_on__isnull=True, amount_applied__lt=F("total")),
    "paid": Q(voided_on__isnull=True, amount_applied__gte=F("total")),
    "void": Q(voided_on__isnull=False),
}


def invoice_status(invoice: ledger.Invoice) -> shapes.InvoiceStatus:
    if invoice.is_voided:
        return "void"
    return "open" if invoice.open_balance > ZERO else "paid"


def member(row: ledger.Member) -> shapes.Member:
    return shapes.Member(
        member_number=row.member_number,
        first_name=row.first_name,
        last_name=row.last_name,
        company=row.company,
        email=row.email,
        phone=row.phone,
        address=row.address,
        city=row.city,
        state=row.state,
        postal_code=row.postal_code,
        status=ledger.MemberStatus(row.status),
    )


def member_detail(row: ledger.Member) -> shapes.MemberDetail:
    return shapes.MemberDetail(**vars(member(row)), balance=Money(queries.member_balance(row)))


def gl_account(row: ledger.GLAccount) -> shapes.GLAccount:
    return shapes.GLAccount(
        number=row.number, name=row.name, kind=ledger.GLAccountKind(row.kind), active=row.active
    )


def invoices(rows: QuerySet[ledger.Invoice]) -> QuerySet[ledger.Invoice]:
    return rows.select_related("member")


def invoice(row: ledger.Invoice) -> shapes.Invoice:
    return shapes.Invoice(
        number=row.number,
        member_number=row.member.member_number,
        member_name=row.member.display_name,
        date=row.date,
        due_date=row.due_date,
        source=ledger.InvoiceSource(row.source),
        memo=row.memo,
        total=Money(row.total),
        amount_applied=Money(row.amount_applied),
        open_balance=Money(row.open_balance),
        status=invoice_status(row),
        voided_on=row.voided_on,
        void_reason=row.void_reason,
    )


def invoice_detail(row: ledger.Invoice) -> shapes.InvoiceDetail:
    lines = [
        shapes.InvoiceLine(
            position=line.position,
            gl_account=line.gl_account.number,
            description=line.description,
            quantity=Quantity(line.quantity),
            unit_price=Money(line.unit_price),
            amount=Money(line.amount),
        )
        for line in row.lines.select_related("gl_account")
    ]
    applied = ledger.Application.objects.filter(invoice=row)
    return shapes.InvoiceDetail(
        **vars(invoice(row)), lines=lines, applications=applications(applied)
    )


def payments(rows: QuerySet[ledger.Payment]) -> QuerySet[ledger.Payment]:
    return rows.select_related("member", "deposit_account")


def payment(row: ledger.Payment) -> shapes.Payment:
    return shapes.Payment(
        number=row.number,
        member_number=row.member.member_number,
        member_name=row.member.display_name,
        date=row.date,
        method=ledger.PaymentMethod(row.method),
        reference=row.reference,
        amount=Money(row.amount),
        deposit_account=row.deposit_account.number,
        amount_applied=Money(row.amount_applied),
        amount_refunded=Money(row.amount_refunded),
        unapplied=Money(row.unapplied),
        voided_on=row.voided_on,
        void_reason=row.void_reason,
    )


def payment_detail(row: ledger.Payment) -> shapes.PaymentDetail:
    applied = ledger.Application.objects.filter(payment=row)
    return shapes.PaymentDetail(**vars(payment(row)), applications=applications(applied))


def applications(rows: QuerySet[ledger.Application]) -> list[shapes.Application]:
    return [
        shapes.Application(
            invoice_number=app.invoice.number,
            payment_number=app.payment.number if app.payment else None,
            credit_memo_number=app.credit_memo.number if app.credit_memo else None,
            amount=Money(app.amount),
            applied_on=app.applied_on,
            unapplied_on=app.unapplied_on,
        )
        for app in rows.select_related("invoice", "payment", "credit_memo")
    ]
