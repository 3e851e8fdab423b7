"""Checks across rows and against the database; each kind ends with a plan to write.

A checker takes the parsed rows in file order (`add`), then looks up what the
file refers to with a few queries per thousand numbers, never one per row
(`finish`). It reports every problem to the error list and returns the plan
the writer would carry out.

- Rows with the same invoice number (payment reference) form one invoice
  (payment). They must be on adjacent rows and agree on the header fields; the
  same number again after another document is a duplicate.
- Numbers must be new: not twice in the file, not already in the database.
- Members and GL accounts must exist in the organisation, and a GL account
  must be of the right kind (lines: income, deferred or expense; payments:
  deposit) and active.
- Applications must go to an open invoice of the payment's member; a payment
  may not apply more than its amount, and the payments of one file together
  may not apply more than an invoice's open balance.
"""

import datetime as dt
from collections.abc import Iterable

from memberbooks.imports.errors import ErrorList
from memberbooks.imports.lookups import (
    DEPOSIT_KINDS,
    LINE_KINDS,
    accounts_by_number,
    check_account,
    chunks,
    members_by_number,
    taken_numbers,
    unknown_invoice,
    unknown_member,
)
from memberbooks.imports.plans import (
    ApplicationRow,
    InvoiceGroup,
    InvoicePlan,
    Line,
    PaymentGroup,
    PaymentPlan,
    RowsPlan,
)
from memberbooks.imports.schema import GLAccountRow, InvoiceLineRow, MemberRow, PaymentRow
from memberbooks.ledger.actions import MAX_AMOUNT
from memberbooks.ledger.models import GLAccount, GLAccountKind, Invoice, Member, Payment
from memberbooks.ledger.money import ZERO, line_amount
from memberbooks.tenancy.models import Organisation


class _NewRowsChecker[R: (GLAccountRow, MemberRow)]:
    """Rows that each add one numbered thing: once in the file, and not yet in the books.

    A subclass says which number a row carries and what is in the books already;
    the two checks and their messages are the same for GL accounts and members.
    """

    kind: str  # the plan's kind
    column: str  # the column that holds the number
    label: str  # how a message names the number: "GL account 4000"
    noun: str  # what the file lists: "list each account once"

    def __init__(self, organisation: Organisation, errors: ErrorList) -> None:
        self.organisation, self.errors = organisation, errors
        self.rows: list[R] = []
        self.seen: dict[str, int] = {}

    def _number(self, row: R) -> str:
        raise NotImplementedError

    def _in_books(self) -> dict[str, str]:
        """The file's numbers already in the organisation, each with how a message names it."""
        raise NotImplementedError

    def add(self, row: R) -> None:
        number = self._number(row)
        if number in self.seen:
            self.errors.add(
                row.row,
                self.column,
                number,
                f"{self.label} {number} is already on row {self.seen[number]}; "
                f"list each {self.noun} once.",
            )
            return
        self.seen[number] = row.row
        self.rows.append(row)

    def add_failed(self, row: int, values: dict[str, str]) -> None:
        """A row that failed its own checks: nothing here refers to other rows."""

    def finish(self) -> RowsPlan[R]:
        existing = self._in_books()
        for row in self.rows:
            number = self._number(row)
            if number in existing:
                self.errors.add(
                    row.row,
                    self.column,
                    number,
                    f"{existing[number]} is already in {self.organisation.name}; "
                    "leave the row out, or use another number.",
                )
        return RowsPlan(self.kind, self.rows)


class GLAccountChecker(_NewRowsChecker[GLAccountRow]):
    kind, column, label, noun = "gl-accounts", "number", "GL account", "account"

    def _number(self, row: GLAccountRow) -> str:
        return row.number

    def _in_books(self) -> dict[str, str]:
        accounts = accounts_by_number(self.organisation)
        return {number: f"GL account {number} ({a.name})" for number, a in accounts.items()}


class MemberChecker(_NewRowsChecker[MemberRow]):
    kind, column, label, noun = "members", "member_number", "Member number", "member"

    def _number(self, row: MemberRow) -> str:
        return row.member_number

    def _in_books(self) -> dict[str, str]:
        found = members_by_number(self.organisation, self.seen)
        return {number: f"Member number {number}" for number in found}


class _DocumentChecker:
    """What the invoice and payment checkers share: a document's rows agree on its header
    fields (HEADER), and the member and GL account a row names are there to use.

    Each kind of document names one GL account per row (ACCOUNT): its column, the
    kinds it may be, and what it is for (in the message when it is not one of them).
    """

    HEADER: tuple[str, ...]
    ACCOUNT: tuple[str, tuple[GLAccountKind, ...], str]

    def __init__(self, organisation: Organisation, errors: ErrorList) -> None:
        self.organisation, self.errors = organisation, errors

    def _report_member(self, row: int, number: str, members: dict[str, Member]) -> None:
        """A member number (when one is given) that is not in the organisation."""
        if number and number not in members:
            self.errors.add(row, "member_number", number, unknown_member(number, self.organisation))

    def _report_account(self, row: int, number: str, accounts: dict[str, GLAccount]) -> None:
        """A GL account (when one is given) that is missing, inactive or of the wrong kind."""
        column, kinds, use = self.ACCOUNT
        problem = number and check_account(accounts, number, kinds, use, self.organisation)
        if problem:
            self.errors.add(row, column, number, problem)

    def _same_header(
        self,
        document: str,
        group: InvoiceGroup | PaymentGroup,
        row: InvoiceLineRow | PaymentRow,
        rule: str,
    ) -> bool:
        """Whether a row repeats its document's header fields; reports the first that differs."""
        for column in self.HEADER:
            first, this = getattr(group, column), getattr(row, column)
            if first != this:
                self.errors.add(
                    row.row,
                    column,
                    _text(this),
                    f"{document} has {column} {_text(first) or '(empty)'} on row {group.first_row}; {rule}",
                )
                return False
        return True


class InvoiceChecker(_DocumentChecker):
    HEADER = ("member_number", "date", "due_date", "source")
    ACCOUNT = ("gl_account", LINE_KINDS, "an invoice line")

    def __init__(self, organisation: Organisation, errors: ErrorList) -> None:
        super().__init__(organisation, errors)
        self.groups: list[InvoiceGroup] = []
        self.seen: dict[str, InvoiceGroup] = {}
        self.failed: list[tuple[int, str, str]] = []  # row, member_number, gl_account

    def add_failed(self, row: int, values: dict[str, str]) -> None:
        """A row that failed its own checks: still check the member and account it names."""
        self.failed.append(
            (row, values.get("member_number", "").strip(), values.get("gl_account", "").strip())
        )

    def add(self, row: InvoiceLineRow) -> None:
        current = self.groups[-1] if self.groups else None
        if current is not None and current.number == row.invoice_number:
            current.last_row = row.row
            if not self._agrees(current, row):
                return
        elif row.invoice_number in self.seen:
            earlier = self.seen[row.invoice_number]
            self.errors.add(
                row.row,
                "invoice_number",
                row.invoice_number,
                f"Invoice number {row.invoice_number} is used again; the invoice on {earlier.rows()} "
                "already has it. Keep an invoice's lines on adjacent rows, and give every invoice its own number.",
            )
            return
        else:
            current = InvoiceGroup(
                row.invoice_number,
                row.member_number,
                row.date,
                row.due_date,
                row.source,
                row.row,
                row.row,
                ZERO,
                [],
            )
            self.groups.append(current)
            self.seen[row.invoice_number] = current
        current.last_row = row.row
        current.total += line_amount(row.quantity, row.unit_price)
        current.lines.append(
            Line(row.row, row.gl_account, row.description, row.quantity, row.unit_price)
        )
        if current.total > MAX_AMOUNT:
            self.errors.add(
                row.row,
                "unit_price",
                str(row.unit_price),
                f"Invoice {current.number} adds up to {current.total:,} by this row; "
                f"an invoice total stops at {MAX_AMOUNT:,}.",
            )

    def _agrees(self, group: InvoiceGroup, row: InvoiceLineRow) -> bool:
        rule = (
            "every line of one invoice must have the same member_number, date, due_date and source."
        )
        return self._same_header(f"Invoice {group.number}", group, row, rule)

    def finish(self) -> InvoicePlan:
        org = self.organisation
        numbers = [g.member_number for g in self.groups] + [m for _, m, _ in self.failed if m]
        members = members_by_number(org, numbers)
        accounts = accounts_by_number(org)
        taken = taken_numbers(Invoice, org, self.seen)
        for row, member_number, account in self.failed:
            self._report_member(row, member_number, members)
            self._report_account(row, account, accounts)
        for group in self.groups:
            if group.number in taken:
                self.errors.add(
                    group.first_row,
                    "invoice_number",
                    group.number,
                    f"Invoice number {group.number} is already in {org.name}; leave the invoice "
                    "out of the file, or give it a new number.",
                )
            self._report_member(group.first_row, group.member_number, members)
            for line in group.lines:
                self._report_account(line.row, line.gl_account, accounts)
        return InvoicePlan(self.groups, members, accounts)


class PaymentChecker(_DocumentChecker):
    HEADER = ("member_number", "date", "amount", "method", "reference", "deposit_account")
    ACCOUNT = ("deposit_account", DEPOSIT_KINDS, "a payment's deposit_account")

    def __init__(self, organisation: Organisation, errors: ErrorList) -> None:
        super().__init__(organisation, errors)
        self.groups: list[PaymentGroup] = []
        self.seen: dict[str, PaymentGroup] = {}
        self.failed: list[tuple[int, dict[str, str]]] = []

    def add_failed(self, row: int, values: dict[str, str]) -> None:
        """A row that failed its own checks: still check the member, account and invoice it names."""
        names = ("member_number", "deposit_account", "invoice_number")
        self.failed.append((row, {name: values.get(name, "").strip() for name in names}))

    def add(self, row: PaymentRow) -> None:
        current = self.groups[-1] if self.groups else None
        if current is not None and current.ref == row.payment_ref:
            current.last_row = row.row
            if not self._agrees(current, row):
                return
        elif row.payment_ref in self.seen:
            earlier = self.seen[row.payment_ref]
            self.errors.add(
                row.row,
                "payment_ref",
                row.payment_ref,
                f"Payment reference {row.payment_ref} is used again; the payment on {earlier.rows()} "
                "already has it. Keep a payment's rows adjacent, and give every payment its own reference.",
            )
            return
        else:
            current = PaymentGroup(
                row.payment_ref,
                row.member_number,
                row.date,
                row.amount,
                row.method,
                row.reference,
                row.deposit_account,
                row.row,
                row.row,
                ZERO,
                [],
            )
            self.groups.append(current)
            self.seen[row.payment_ref] = current
        current.last_row = row.row
        if row.applied_amount is None:
            return
        if current.applied + row.applied_amount > current.amount:
            self.errors.add(
                row.row,
                "applied_amount",
                str(row.applied_amount),
                f"Payment {current.ref} would apply {current.applied + row.applied_amount:,} in all "
                f"by this row, more than its amount of {current.amount:,}.",
            )
            return
        current.applied += row.applied_amount
        current.applications.append(ApplicationRow(row.row, row.invoice_number, row.applied_amount))

    def _agrees(self, group: PaymentGroup, row: PaymentRow) -> bool:
        rule = f"every row of one payment must have the same {', '.join(self.HEADER)}."
        return self._same_header(f"Payment {group.ref}", group, row, rule)

    def finish(self) -> PaymentPlan:
        org = self.organisation
        numbers = [g.member_number for g in self.groups]
        members = members_by_number(org, numbers + [v["member_number"] for _, v in self.failed])
        accounts = accounts_by_number(org)
        taken = taken_numbers(Payment, org, self.seen)
        wanted = [app.invoice_number for g in self.groups for app in g.applications]
        invoices = self._invoices(wanted + [v["invoice_number"] for _, v in self.failed])
        self._check_failed(members, accounts, invoices)
        booked: dict[str, list[ApplicationRow]] = {}
        for group in self.groups:
            if group.ref in taken:
                self.errors.add(
                    group.first_row,
                    "payment_ref",
                    group.ref,
                    f"Payment {group.ref} is already in {org.name}; leave it out of the file, "
                    "or give it a new reference.",
                )
            self._report_member(group.first_row, group.member_number, members)
            self._report_account(group.first_row, group.deposit_account, accounts)
            for app in group.applications:
                refusal = self._application_problem(group, app, invoices, booked)
                if refusal:
                    self.errors.add(app.row, *refusal)
        return PaymentPlan(self.groups, members, accounts, invoices)

    def _check_failed(
        self,
        members: dict[str, Member],
        accounts: dict[str, GLAccount],
        invoices: dict[str, Invoice],
    ) -> None:
        org = self.organisation
        for row, values in self.failed:
            member, account, invoice = (
                values["member_number"],
                values["deposit_account"],
                values["invoice_number"],
            )
            self._report_member(row, member, members)
            self._report_account(row, account, accounts)
            if invoice and invoice not in invoices:
                self.errors.add(row, "invoice_number", invoice, unknown_invoice(invoice, org))

    def _invoices(self, numbers: Iterable[str]) -> dict[str, Invoice]:
        found: dict[str, Invoice] = {}
        for batch in chunks(sorted(set(numbers))):
            query = (
                Invoice.objects.filter(organisation=self.organisation, number__in=batch)
                .select_related("member")
                .only(
                    "organisation_id",
                    "number",
                    "date",
                    "total",
                    "amount_applied",
                    "voided_on",
                    "member__member_number",
                )
            )
            found.update((invoice.number, invoice) for invoice in query)
        return found

    def _application_problem(
        self,
        group: PaymentGroup,
        app: ApplicationRow,
        invoices: dict[str, Invoice],
        booked: dict[str, list[ApplicationRow]],
    ) -> tuple[str, str, str] | None:
        """(column, value, message) for an application that cannot be made; else None, and book it."""
        invoice = invoices.get(app.invoice_number)
        number = app.invoice_number
        if invoice is None:
            return ("invoice_number", number, unknown_invoice(number, self.organisation))
        if invoice.member.member_number != group.member_number:
            return (
                "invoice_number",
                number,
                f"Invoice {number} belongs to member {invoice.member.member_number}, not to "
                f"{group.member_number}, who made payment {group.ref}.",
            )
        if invoice.is_voided:
            return (
                "invoice_number",
                number,
                f"Invoice {number} is void; apply the payment elsewhere.",
            )
        earlier = booked.setdefault(number, [])
        left = invoice.open_balance - sum((e.amount for e in earlier), ZERO)
        if app.amount <= left:
            earlier.append(app)
            return None
        if invoice.open_balance == ZERO:
            why = f"Invoice {number} is already paid in full; there is nothing open to apply {app.amount:,} to."
        elif not earlier:
            why = f"{app.amount:,} is more than invoice {number}'s open balance of {invoice.open_balance:,}."
        else:
            rows = ", ".join(str(e.row) for e in earlier)
            why = (
                f"{app.amount:,} is more than is left open on invoice {number}: its open balance is "
                f"{invoice.open_balance:,}, and row{'s' if len(earlier) > 1 else ''} {rows} of this "
                f"file already apply {invoice.open_balance - left:,}, leaving {left:,}."
            )
        return ("applied_amount", str(app.amount), why)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


Checker = GLAccountChecker | MemberChecker | InvoiceChecker | PaymentChecker
CHECKERS: dict[str, type[Checker]] = {
    "gl-accounts": GLAccountChecker,
    "members": MemberChecker,
    "invoices": InvoiceChecker,
    "payments": PaymentChecker,
}
