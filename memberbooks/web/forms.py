"""Page forms: they parse what a person typed; the ledger actions decide what may be written.

Choice fields that name a GL account or a fee type are offered only the
organisation's own rows, and the view still resolves the chosen id through the
organisation-scoped lookups, so a tampered id is refused twice over.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from memberbooks.ledger.errors import InvalidInput, LedgerError
from memberbooks.ledger.models import InvoiceSource, MemberStatus, PaymentMethod

Choices = list[tuple[str, list[tuple[int, str]]]]

# Where a LedgerError's `field` shows on a page form, when the names differ.
FIELD_ALIASES = {
    "member": "member_number",
    "voided_on": "date",
    "void_reason": "reason",
    "refund_account": "paid_from",
    "unapplied_on": "date",
}


def ledger_error_text(error: LedgerError) -> str:
    """The refusal and how to fix it, as one sentence pair for the page."""
    return f"{error.message} {error.fix}" if error.fix else error.message


class PlainForm(forms.Form):
    """Labels without the trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PageForm(PlainForm):
    """A form laid out by `web/forms/form.html` that can show a LedgerError on the right field."""

    template_name = "web/forms/form.html"
    error_css_class = "has-error"
    required_css_class = "required"

    def add_ledger_error(self, error: LedgerError) -> None:
        field = FIELD_ALIASES.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, ledger_error_text(error))


def parse_amount(text: str) -> Decimal:
    """Read an amount as people type it: `1,234.50`, `$80`, ` 12 `. Never via float."""
    cleaned = text.strip().replace(",", "").replace("$", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not an amount") from exc
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    return value


class AmountField(forms.DecimalField):
    """A money input: two decimals at most, thousands separators and a $ sign tolerated."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str) and value.strip():
            try:
                value = str(parse_amount(value))
            except ValueError as exc:
                raise forms.ValidationError("Enter an amount like 125.00.", code="invalid") from exc
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {"inputmode": "decimal", "class": "num", "autocomplete": "off"}


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def member_number_field() -> forms.CharField:
    return forms.CharField(
        label="Member number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def account_field(label: str, choices: Choices, *, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        required=required,
        choices=[("", "Choose an account…"), *choices],
    )


class TodayDefaults(PageForm):
    """Date fields named in `today_fields` start at today's date when the form is new."""

    today_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.today_fields:
            self.fields[name].initial = timezone.localdate()


# --- invoices and credit memos ----------------------------------------------------------------


class InvoiceForm(TodayDefaults):
    today_fields = ("date",)
    member_number = member_number_field()
    date = date_field("Invoice date")
    due_date = date_field("Due date", required=False, help_text="Blank: 30 days after the date.")
    source = forms.ChoiceField(choices=InvoiceSource.choices, initial=InvoiceSource.DUES)
    memo = forms.CharField(max_length=500, required=False)


class CreditMemoForm(TodayDefaults):
    today_fields = ("date",)
    member_number = member_number_field()
    date = date_field("Credit date")
    memo = forms.CharField(max_length=500, required=False, help_text="Why the member is credited.")


class LineForm(PageForm):
    """One line: GL account, description, quantity x unit price. An untouched line is skipped."""

    gl_account = forms.TypedChoiceField(label="GL account", coerce=int)
    description = forms.CharField(max_length=300, required=False)
    quantity = forms.DecimalField(
        max_digits=12,
        decimal_places=3,
        initial=Decimal("1"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num qty"}),
    )
    unit_price = AmountField(label="Unit price")

    def __init__(self, *args: Any, accounts: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gl_account"].choices = [("", "Choose an account…"), *accounts]  # type: ignore[attr-defined]


class BaseLineFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def filled(self) -> list[dict[str, Any]]:
        """The cleaned data of the lines a person filled in, in order."""
        return [form.cleaned_data for form in self.forms if form.has_changed()]


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=3, max_num=200)


# --- payments, applications, refunds, voids ---------------------------------------------------


class PaymentForm(TodayDefaults):
    today_fields = ("date",)
    member_number = member_number_field()
    date = date_field("Date received")
    amount = AmountField()
    method = forms.ChoiceField(choices=PaymentMethod.choices, initial=PaymentMethod.CHECK)
    reference = forms.CharField(
        max_length=100, required=False, help_text="Check number or processor id."
    )

    def __init__(self, *args: Any, deposit_accounts: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deposit_account"] = account_field("Deposit to", deposit_accounts)


class ApplyForm(PageForm):
    applied_on = date_field(
        "Apply on",
        required=False,
        help_text="Blank: the later of the document's and the invoice's date.",
    )


APPLY_PREFIX = "apply-"


def posted_applications(data: QueryDict) -> list[tuple[int, Decimal]]:
    """(invoice id, amount) for every filled `apply-<id>` input; blanks and zeros are skipped."""
    found = []
    for key, values in data.lists():
        value = values[-1] if values else ""
        if not key.startswith(APPLY_PREFIX) or not value.strip():
            continue
        invoice_id = key.removeprefix(APPLY_PREFIX)
        if not invoice_id.isdigit():
            raise InvalidInput(f"{key} does not name an invoice.", field="applied_amount")
        try:
            amount = parse_amount(value)
        except ValueError as exc:
            raise InvalidInput(
                f"{value!r} is not an amount.", field="applied_amount", fix="Write it like 125.00."
            ) from exc
        if amount != 0:
            found.append((int(invoice_id), amount))
    return found


class RefundForm(TodayDefaults):
    today_fields = ("date",)
    amount = AmountField()
    date = date_field("Refund date")
    method = forms.ChoiceField(choices=PaymentMethod.choices, initial=PaymentMethod.CHECK)
    reference = forms.CharField(max_length=100, required=False)

    def __init__(self, *args: Any, deposit_accounts: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_from"] = account_field("Paid from", deposit_accounts)


class VoidForm(TodayDefaults):
    today_fields = ("date",)
    date = date_field("Void date")
    reason = forms.CharField(max_length=200, help_text="Kept for the audit trail.")


class UnapplyForm(TodayDefaults):
    today_fields = ("date",)
    application = forms.IntegerField(widget=forms.HiddenInput)
    date = date_field("Take off on")


# --- members ----------------------------------------------------------------------------------


class MemberForm(PageForm):
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    company = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    address = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(max_length=50, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    status = forms.ChoiceField(choices=MemberStatus.choices, initial=MemberStatus.ACTIVE)


class NewMemberForm(MemberForm):
    member_number = member_number_field()
    field_order = ["member_number"]


class MemberSearchForm(PlainForm):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Number, name, company or email"}
        ),
    )


# --- lists and reports ------------------------------------------------------------------------

STATUS_CHOICES = [("", "Any status"), ("open", "Open"), ("paid", "Paid"), ("void", "Void")]


class BillingFilterForm(PlainForm):
    date_from = date_field("From", required=False)
    date_to = date_field("To", required=False)
    member_number = forms.CharField(label="Member number", max_length=30, required=False)
    source = forms.ChoiceField(choices=[("", "Any source"), *InvoiceSource.choices], required=False)
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


# --- events -----------------------------------------------------------------------------------


class EventForm(PageForm):
    code = forms.CharField(max_length=30, help_text="Short and unique, e.g. GALA26.")
    name = forms.CharField(max_length=200)
    starts_on = date_field("Starts on")
    location = forms.CharField(max_length=200, required=False)


class FeeTypeForm(PageForm):
    name = forms.CharField(max_length=100, help_text="e.g. Member, Non-member, Student.")
    price = AmountField()

    def __init__(self, *args: Any, accounts: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gl_account"] = account_field("Income account", accounts)


class RegisterForm(TodayDefaults):
    today_fields = ("registered_on",)
    member_number = member_number_field()
    fee_type = forms.TypedChoiceField(label="Fee type", coerce=int)
    quantity = forms.IntegerField(min_value=1, max_value=1000, initial=1)
    attendee_name = forms.CharField(
        max_length=200, required=False, help_text="If someone else attends."
    )
    registered_on = date_field("Registered on")
    paid_now = forms.BooleanField(
        required=False, label="Paid now", help_text="Record the payment and apply it."
    )
    method = forms.ChoiceField(choices=PaymentMethod.choices, initial=PaymentMethod.CARD)
    reference = forms.CharField(max_length=100, required=False)

    def __init__(
        self, *args: Any, fee_types: list[tuple[int, str]], deposit_accounts: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fee_type"].choices = [("", "Choose a fee…"), *fee_types]  # type: ignore[attr-defined]
        self.fields["deposit_account"] = account_field(
            "Deposit to", deposit_accounts, required=False
        )
        self.order_fields(
            ["member_number", "fee_type", "quantity", "attendee_name", "registered_on"]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("paid_now") and not data.get("deposit_account"):
            self.add_error("deposit_account", "Choose where the payment is deposited.")
        return data
