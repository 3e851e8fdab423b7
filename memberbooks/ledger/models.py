"""The billing ledger's tables.

Design overview
- `Member` is billed; `GLAccount` says where income and cash land.
- `Invoice` (with `InvoiceLine`s) is what a member owes; `total` is the sum of
  its line amounts, written by the posting action and never edited after.
- `Payment` and `CreditMemo` are what reduces it. Each is applied to invoices
  through `Application` rows; whatever is not applied (nor refunded) is the
  member's credit.
- `Refund` pays back unapplied payment or credit.
- Voids keep the record: they set `voided_on` and `void_reason`. Voiding ends
  the document's applications on that date (`Application.unapplied_on`), so a
  report as of an earlier date still sees them.

Running totals (`amount_applied`, `amount_refunded`) are kept on the documents
so that the database itself can refuse an over-application with a check
constraint. Historical questions (aging as of a date) are answered from the
dated `Application` rows, not from those running totals.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from memberbooks.ledger.money import ZERO, MoneyField
from memberbooks.tenancy.models import Organisation


class GLAccountKind(models.TextChoices):
    INCOME = "income", "Income"
    RECEIVABLE = "receivable", "Accounts receivable"
    DEPOSIT = "deposit", "Deposit / cash"
    DEFERRED = "deferred", "Deferred revenue / liability"
    EXPENSE = "expense", "Expense"


class GLAccount(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="gl_accounts"
    )
    number = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=GLAccountKind.choices)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = "GL account"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="glaccount_number_unique_per_org"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in GLAccountKind]), name="glaccount_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    LAPSED = "lapsed", "Lapsed"
    INACTIVE = "inactive", "Inactive"


class Member(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    member_number = models.CharField(max_length=30)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    status = models.CharField(
        max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "member_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "member_number"], name="member_number_unique_per_org"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in MemberStatus]), name="member_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "last_name", "first_name"], name="member_name_idx")
        ]

    def __str__(self) -> str:
        return f"{self.member_number} {self.display_name}"

    @property
    def display_name(self) -> str:
        person = " ".join(part for part in (self.first_name, self.last_name) if part)
        if self.company and person:
            return f"{person} ({self.company})"
        return person or self.company or self.member_number


class InvoiceSource(models.TextChoices):
    DUES = "dues", "Dues"
    EVENT = "event", "Event"
    OTHER = "other", "Other"


class VoidableDocument(models.Model):
    """Fields shared by every document that can be voided."""

    voided_on = models.DateField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_on is not None


class Invoice(VoidableDocument):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invoices"
    )
    number = models.CharField(max_length=30)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="invoices")
    date = models.DateField()
    due_date = models.DateField()
    source = models.CharField(
        max_length=10, choices=InvoiceSource.choices, default=InvoiceSource.DUES
    )
    memo = models.CharField(max_length=500, blank=True)
    total = MoneyField()
    amount_applied = MoneyField(
        default=ZERO, help_text="Payments and credits applied now (not as of a date)."
    )

    class Meta:
        ordering = ["-date", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="invoice_number_unique_per_org"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_applied__gte=0), name="invoice_applied_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_applied__lte=F("total")), name="invoice_not_overapplied"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("date")), name="invoice_due_not_before_date"
            ),
            models.CheckConstraint(
                condition=Q(voided_on__isnull=True) | Q(amount_applied=0),
                name="invoice_voided_has_nothing_applied",
            ),
            models.CheckConstraint(
                condition=Q(source__in=[s.value for s in InvoiceSource]),
                name="invoice_source_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "date"], name="invoice_org_date_idx"),
            models.Index(fields=["member", "date"], name="invoice_member_date_idx"),
            # The aging report reads only invoices open now (plus events after its date).
            models.Index(
                fields=["organisation", "date"],
                condition=Q(amount_applied__lt=F("total")),
                name="invoice_open_now_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    @property
    def open_balance(self) -> Decimal:
        return ZERO if self.is_voided else self.total - self.amount_applied


class DocumentLine(models.Model):
    """A line of an invoice or credit memo: GL account, description, quantity x unit price."""

    gl_account = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("1"))
    unit_price = MoneyField()
    amount = MoneyField()

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.description or self.gl_account_id}: {self.amount}"


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="invoiceline_quantity_positive"
            )
        ]


class PaymentMethod(models.TextChoices):
    CHECK = "check", "Check"
    CARD = "card", "Credit card"
    ACH = "ach", "ACH / bank transfer"
    CASH = "cash", "Cash"
    OTHER = "other", "Other"


class Payment(VoidableDocument):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="payments"
    )
    number = models.CharField(
        max_length=30, help_text="The payment's own reference in memberbooks."
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField()
    method = models.CharField(
        max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.CHECK
    )
    reference = models.CharField(
        max_length=100, blank=True, help_text="Check number or processor id."
    )
    amount = MoneyField()
    deposit_account = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")
    amount_applied = MoneyField(default=ZERO)
    amount_refunded = MoneyField(default=ZERO)

    class Meta:
        ordering = ["-date", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="payment_number_unique_per_org"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_applied__gte=0), name="payment_applied_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0), name="payment_refunded_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=F("amount_applied") + F("amount_refunded")),
                name="payment_not_overapplied",
            ),
            models.CheckConstraint(
                condition=Q(method__in=[m.value for m in PaymentMethod]),
                name="payment_method_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "date"], name="payment_org_date_idx"),
            models.Index(fields=["member", "date"], name="payment_member_date_idx"),
            models.Index(
                fields=["organisation", "date"],
                condition=Q(amount__gt=F("amount_applied") + F("amount_refunded")),
                name="payment_unapplied_now_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.number}"

    @property
    def unapplied(self) -> Decimal:
        return ZERO if self.is_voided else self.amount - self.amount_applied - self.amount_refunded


class CreditMemo(VoidableDocument):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="credit_memos"
    )
    number = models.CharField(max_length=30)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="credit_memos")
    date = models.DateField()
    memo = models.CharField(max_length=500, blank=True)
    total = MoneyField()
    amount_applied = MoneyField(default=ZERO)
    amount_refunded = MoneyField(default=ZERO)

    class Meta:
        ordering = ["-date", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="creditmemo_number_unique_per_org"
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="creditmemo_total_positive"),
            models.CheckConstraint(
                condition=Q(amount_applied__gte=0), name="creditmemo_applied_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0), name="creditmemo_refunded_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=F("amount_applied") + F("amount_refunded")),
                name="creditmemo_not_overapplied",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "date"], name="creditmemo_member_date_idx"),
            models.Index(
                fields=["organisation", "date"],
                condition=Q(total__gt=F("amount_applied") + F("amount_refunded")),
                name="creditmemo_unapplied_now_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Credit memo {self.number}"

    @property
    def unapplied(self) -> Decimal:
        return ZERO if self.is_voided else self.total - self.amount_applied - self.amount_refunded


class CreditMemoLine(DocumentLine):
    credit_memo = models.ForeignKey(CreditMemo, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="creditmemoline_quantity_positive"
            )
        ]


class Application(models.Model):
    """Part of a payment or credit memo applied to an invoice, from `applied_on` until `unapplied_on`."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="applications")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    credit_memo = models.ForeignKey(
        CreditMemo, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    amount = MoneyField()
    applied_on = models.DateField()
    unapplied_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["applied_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_memo__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_memo__isnull=False)),
                name="application_has_one_source",
            ),
            models.CheckConstraint(
                condition=Q(unapplied_on__isnull=True) | Q(unapplied_on__gte=F("applied_on")),
                name="application_unapplied_after_applied",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "applied_on"], name="application_org_date_idx"),
            models.Index(
                fields=["organisation", "unapplied_on"], name="application_org_undate_idx"
            ),
        ]

    def __str__(self) -> str:
        source = self.payment or self.credit_memo
        return f"{source} -> {self.invoice}: {self.amount}"

    @property
    def is_live(self) -> bool:
        return self.unapplied_on is None


class Refund(models.Model):
    """Money paid back to a member out of an unapplied payment or credit memo."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="refunds")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    credit_memo = models.ForeignKey(
        CreditMemo, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    date = models.DateField()
    amount = MoneyField()
    method = models.CharField(
        max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.CHECK
    )
    reference = models.CharField(max_length=100, blank=True)
    paid_from = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["organisation", "date"], name="refund_org_date_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_memo__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_memo__isnull=False)),
                name="refund_has_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} to {self.member.member_number}"


class NumberSequence(models.Model):
    """The next document number per organisation and kind (invoice, payment, credit memo)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    next_value = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind"], name="sequence_unique_per_org_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.next_value}"
