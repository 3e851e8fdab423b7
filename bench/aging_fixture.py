"""The large books the aging and member-list benchmarks read: bench-only, written in bulk.

Loading a million invoice lines through `memberbooks.ledger.actions` would take
hours, so this loader writes the rows directly (SQLite `executemany`,
PostgreSQL `COPY`) in one transaction. It never runs outside the benchmarks.
The rows obey every check constraint of the ledger tables, and the running
totals (`amount_applied`, `amount_refunded`) are the sums of the live
applications and refunds, exactly as the actions would leave them.

The books, over the two years ending on END:
- invoices of 1-4 lines, numbered in date order, due in 14-45 days;
- half paid in full by one payment, a quarter in 2-4 installments (half of
  them still partly open), 3% voided, 2% paid by a check that bounced (voided
  payment, application taken off on the void date; half paid again), 2%
  partly credited by a credit memo, the rest unpaid; in all about 60% end
  paid in full;
- every application is dated on its payment's date, on or after the invoice
  date; 3% of full payments overpay (member credit), a quarter of those refunded;
- payments received ahead of any invoice (member credit) make up the count.

The finished fixture is marked by the organisation's name (which carries the
sizes), so a re-run with the same sizes reuses the database.
"""

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

SLUG = "bench-aging"
END = dt.date(2026, 6, 30)
DAYS = 730
START = END - dt.timedelta(days=DAYS - 1)
FORMAT_VERSION = 1
STAMP = "2026-06-30 12:00:00+00:00"
PRICES = (3500, 5600, 9800, 12500, 15000, 19500, 27500, 39500, 45000, 65000, 72000, 115000)
FIRST = ("Maria", "James", "Linh", "Carlos", "Aisha", "Robert", "Mei", "David", "Sofia", "Omar")
LAST = ("Garcia", "Smith", "Nguyen", "Patel", "Johnson", "Lee", "Brown", "Lopez", "Kim", "Davis")
WORDS = ("Citrus", "Summit", "Harbor", "Pioneer", "Valley", "Granite", "Cedar", "Mission")
KINDS = ("Dental", "Realty", "Logistics", "Bakery", "Roofing", "Insurance", "Law Group")


@dataclass(frozen=True)
class Sizes:
    members: int = 50_000
    lines: int = 1_000_000
    payments: int = 500_000

    @property
    def label(self) -> str:
        return f"{self.members:,} members, {self.lines:,} invoice lines, {self.payments:,} payments"

    @property
    def stamp(self) -> str:
        return f"Aging bench v{FORMAT_VERSION} m{self.members} l{self.lines} p{self.payments}"


@dataclass
class Books:
    """Rows per table, as tuples in the column order of `COLUMNS`."""

    members: list[tuple[Any, ...]] = field(default_factory=list)
    invoices: list[list[Any]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    payments: list[list[Any]] = field(default_factory=list)
    memos: list[tuple[Any, ...]] = field(default_factory=list)
    memo_lines: list[tuple[Any, ...]] = field(default_factory=list)
    applications: list[tuple[Any, ...]] = field(default_factory=list)
    refunds: list[tuple[Any, ...]] = field(default_factory=list)


# Column order of each table's rows (checked against the models before loading).
COLUMNS = {
    "members": (
        "id", "organisation_id", "member_number", "first_name", "last_name", "company", "email",
        "phone", "address", "city", "state", "postal_code", "status", "created_at",
    ),
    "invoices": (
        "id", "organisation_id", "number", "member_id", "date", "due_date", "source", "memo",
        "total", "amount_applied", "voided_on", "void_reason", "created_at",
    ),
    "lines": (
        "id", "invoice_id", "gl_account_id", "position", "description", "quantity", "unit_price",
        "amount",
    ),
    "payments": (
        "id", "organisation_id", "number", "member_id", "date", "method", "reference", "amount",
        "deposit_account_id", "amount_applied", "amount_refunded", "voided_on", "void_reason",
        "created_at",
    ),
    "memos": (
        "id", "organisation_id", "number", "member_id", "date", "memo", "total", "amount_applied",
        "amount_refunded", "voided_on", "void_reason", "created_at",
    ),
    "memo_lines": (
        "id", "credit_memo_id", "gl_account_id", "position", "description", "quantity",
        "unit_price", "amount",
    ),
    "applications": (
        "id", "organisation_id", "invoice_id", "payment_id", "credit_memo_id", "amount",
        "applied_on", "unapplied_on", "created_at",
    ),
    "refunds": (
        "id", "organisation_id", "member_id", "payment_id", "credit_memo_id", "date", "amount",
        "method", "reference", "paid_from_id", "created_at",
    ),
}  # fmt: skip

# Payment columns the generator updates after creating the row.
P_AMOUNT, P_APPLIED, P_REFUNDED, P_VOIDED, P_REASON = 7, 9, 10, 11, 12
I_TOTAL, I_APPLIED, I_VOIDED, I_REASON = 8, 9, 10, 11


def models_by_table() -> dict[str, Any]:
    from memberbooks.ledger import models as m

    return {
        "members": m.Member,
        "invoices": m.Invoice,
        "lines": m.InvoiceLine,
        "payments": m.Payment,
        "memos": m.CreditMemo,
        "memo_lines": m.CreditMemoLine,
        "applications": m.Application,
        "refunds": m.Refund,
    }


def check_columns() -> None:
    """Fail loudly if a ledger model gained or lost a column this loader does not write."""
    for table, model in models_by_table().items():
        actual = {f.column for f in model._meta.concrete_fields}
        if actual != set(COLUMNS[table]):
            raise SystemExit(
                f"bench/aging_fixture.py is out of date for {model.__name__}: "
                f"missing {sorted(actual - set(COLUMNS[table]))}, "
                f"extra {sorted(set(COLUMNS[table]) - actual)}. Update COLUMNS and the generator."
            )


class Generator:
    """Draws the books with one seeded random generator (the same sizes give the same rows)."""

    def __init__(self, sizes: Sizes, org_id: int, gl: dict[str, int], seed: int = 2026) -> None:
        self.sizes, self.org, self.gl = sizes, org_id, gl
        self.rng = random.Random(seed)
        self.books = Books()

    def day(self, offset: int) -> dt.date:
        return START + dt.timedelta(days=offset)

    def build(self) -> Books:
        self.draw_members()
        self.draw_invoices()
        self.pad_payments()
        return self.books

    def draw_members(self) -> None:
        rng = self.rng
        for pk in range(1, self.sizes.members + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = f"{rng.choice(WORDS)} {rng.choice(KINDS)}" if rng.random() < 0.6 else ""
            self.books.members.append(
                (
                    pk, self.org, f"B{pk:06d}", first, last, company,
                    f"{first}.{last}{pk}@example.org".lower(), "(555) 010-0000",
                    f"{rng.randint(1, 9999)} Main St", "Riverside", "CA", "92501",
                    "active" if rng.random() < 0.92 else "lapsed", STAMP,
                )
            )  # fmt: skip

    def line_counts(self) -> list[int]:
        counts, total = [], 0
        while total < self.sizes.lines:
            count = min(
                self.rng.choices((1, 2, 3, 4), (30, 30, 22, 18))[0], self.sizes.lines - total
            )
            counts.append(count)
            total += count
        return counts

    def draw_invoices(self) -> None:
        rng = self.rng
        counts = self.line_counts()
        offsets = sorted(rng.randrange(DAYS) for _ in counts)
        for pk, (count, offset) in enumerate(zip(counts, offsets, strict=True), start=1):
            date = self.day(offset)
            amounts = [rng.choice(PRICES) for _ in range(count)]
            for position, amount in enumerate(amounts, start=1):
                self.books.lines.append(
                    (
                        len(self.books.lines) + 1,
                        pk,
                        self.gl["dues"],
                        position,
                        "Dues",
                        1,
                        amount,
                        amount,
                    )
                )
            due = date + dt.timedelta(days=rng.choice((14, 30, 30, 30, 45)))
            member = rng.randint(1, self.sizes.members)
            self.books.invoices.append(
                [pk, self.org, f"INV-{pk:07d}", member, date, due, "dues", "", sum(amounts), 0, None, "", STAMP]
            )  # fmt: skip
            if len(self.books.payments) < self.sizes.payments:
                self.settle(self.books.invoices[-1])

    def settle(self, invoice: list[Any]) -> None:
        """What happens to one invoice (see the module docstring for the shares)."""
        rng, date, total = self.rng, invoice[4], invoice[I_TOTAL]
        roll = rng.random()
        if roll < 0.50:
            paid_on = date + dt.timedelta(days=int(rng.expovariate(1 / 20)))
            extra = rng.choice((2500, 5000, 10000)) if rng.random() < 0.03 else 0
            payment = self.pay(invoice, paid_on, total, total + extra)
            if payment and extra and rng.random() < 0.25:
                self.refund(payment, paid_on + dt.timedelta(days=14), extra)
        elif roll < 0.75:
            self.installments(invoice, date + dt.timedelta(days=rng.randint(0, 45)))
        elif roll < 0.78:
            self.void_invoice(invoice, date + dt.timedelta(days=rng.randint(2, 60)))
        elif roll < 0.80:
            self.bounce(invoice, date + dt.timedelta(days=rng.randint(0, 40)))
        elif roll < 0.82:
            credited = max(100, total * rng.randint(10, 100) // 100)
            self.credit(invoice, date + dt.timedelta(days=rng.randint(1, 30)), credited)
            if credited < total and rng.random() < 0.7:
                later = date + dt.timedelta(days=rng.randint(31, 90))
                self.pay(invoice, later, total - credited, total - credited)

    def installments(self, invoice: list[Any], first: dt.date) -> None:
        """2-4 payments of whole dollars; half the members never send the last one."""
        total, count = invoice[I_TOTAL], self.rng.choice((2, 3, 4))
        part = max(100, total // count // 100 * 100)
        parts = [part] * (count - 1) + [total - part * (count - 1)]
        if parts[-1] <= 0 or self.rng.random() < 0.5:
            parts.pop()
        on = first
        for amount in parts:
            if amount > 0 and not self.pay(invoice, on, amount, amount):
                return
            on += dt.timedelta(days=self.rng.randint(15, 45))

    def pay(
        self, invoice: list[Any] | None, on: dt.date, applied: int, amount: int
    ) -> list[Any] | None:
        """A payment of `amount` on `on`, `applied` of it to the invoice; None if after END."""
        if on > END or len(self.books.payments) >= self.sizes.payments:
            return None
        pk = len(self.books.payments) + 1
        member = invoice[3] if invoice else self.rng.randint(1, self.sizes.members)
        method = self.rng.choice(("check", "check", "card", "ach"))
        payment = [
            pk, self.org, f"PMT-{pk:07d}", member, on, method, str(1000 + pk % 9000), amount,
            self.gl["deposit"], 0, 0, None, "", STAMP,
        ]  # fmt: skip
        self.books.payments.append(payment)
        if invoice is not None and applied:
            self.apply(invoice, payment, None, applied, on)
        return payment

    def apply(
        self,
        invoice: list[Any],
        payment: list[Any] | None,
        memo: tuple[Any, ...] | None,
        amount: int,
        on: dt.date,
        until: dt.date | None = None,
    ) -> None:
        self.books.applications.append(
            (
                len(self.books.applications) + 1, self.org, invoice[0],
                payment[0] if payment else None, memo[0] if memo else None, amount, on, until, STAMP,
            )
        )  # fmt: skip
        if until is None:
            invoice[I_APPLIED] += amount
            if payment is not None:
                payment[P_APPLIED] += amount

    def void_invoice(self, invoice: list[Any], on: dt.date) -> None:
        if on <= END:
            invoice[I_VOIDED], invoice[I_REASON] = on, "Billed in error"

    def bounce(self, invoice: list[Any], paid_on: dt.date) -> None:
        """A check applied in full, returned unpaid a week or two later; half are paid again."""
        voided_on = paid_on + dt.timedelta(days=self.rng.randint(5, 14))
        if voided_on > END or len(self.books.payments) >= self.sizes.payments:
            self.pay(invoice, paid_on, invoice[I_TOTAL], invoice[I_TOTAL])
            return
        payment = self.pay(invoice, paid_on, 0, invoice[I_TOTAL])
        assert payment is not None
        self.apply(invoice, payment, None, invoice[I_TOTAL], paid_on, until=voided_on)
        payment[P_VOIDED], payment[P_REASON] = voided_on, "NSF - returned by bank"
        if self.rng.random() < 0.5:
            again = voided_on + dt.timedelta(days=self.rng.randint(5, 30))
            self.pay(invoice, again, invoice[I_TOTAL], invoice[I_TOTAL])

    def credit(self, invoice: list[Any], on: dt.date, amount: int) -> None:
        if on > END:
            return
        pk = len(self.books.memos) + 1
        memo = (
            pk, self.org, f"CM-{pk:07d}", invoice[3], on, "Discount", amount, amount, 0, None, "",
            STAMP,
        )  # fmt: skip
        self.books.memos.append(memo)
        self.books.memo_lines.append((pk, pk, self.gl["dues"], 1, "Discount", 1, amount, amount))
        self.apply(invoice, None, memo, amount, on)

    def refund(self, payment: list[Any], on: dt.date, amount: int) -> None:
        if on > END:
            return
        pk = len(self.books.refunds) + 1
        self.books.refunds.append(
            (pk, self.org, payment[3], payment[0], None, on, amount, "check", "", self.gl["deposit"], STAMP)
        )  # fmt: skip
        payment[P_REFUNDED] += amount

    def pad_payments(self) -> None:
        """Payments received before any invoice (member credit), up to the payment count."""
        while len(self.books.payments) < self.sizes.payments:
            self.pay(None, self.day(self.rng.randrange(DAYS)), 0, self.rng.choice(PRICES))


# --- writing -------------------------------------------------------------------------------------


def write(books: Books) -> None:
    tables = models_by_table()
    for name in COLUMNS:
        rows: Sequence[Sequence[Any]] = getattr(books, name)
        table = tables[name]._meta.db_table
        if connection.vendor == "postgresql":
            _copy(table, COLUMNS[name], rows)
        else:
            _insert(table, COLUMNS[name], rows)


def _insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    raw = connection.connection
    raw.executemany(sql, (tuple(_sqlite_value(v) for v in row) for row in rows))


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value == STAMP:
        return "2026-06-30 12:00:00"
    return value


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def reset_sequences() -> None:
    from django.core.management.color import no_style

    if connection.vendor != "postgresql":
        return
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_by_table().values()))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def ensure(sizes: Sizes, log: Any = print) -> Any:
    """The benchmark organisation with books of `sizes`, loaded now if not there already."""
    from memberbooks.ledger.models import GLAccount
    from memberbooks.tenancy.models import Organisation

    check_columns()
    existing = Organisation.objects.filter(slug=SLUG).first()
    if existing is not None and existing.name == sizes.stamp:
        log(f"Reusing the cached fixture: {sizes.label}.")
        return existing
    if existing is not None:
        log("The cached fixture has other sizes; emptying the benchmark database.")
        empty_database()
    log(f"Generating {sizes.label} (once; later runs reuse it) ...")
    with transaction.atomic():
        org = Organisation.objects.create(slug=SLUG, name="loading")
        gl = {
            "dues": GLAccount.objects.create(organisation=org, number="4000", name="Dues", kind="income").pk,
            "deposit": GLAccount.objects.create(organisation=org, number="1000", name="Checking", kind="deposit").pk,
        }  # fmt: skip
        books = Generator(sizes, org.pk, gl).build()
        log(
            f"  {len(books.invoices):,} invoices, {len(books.lines):,} lines, "
            f"{len(books.payments):,} payments, {len(books.applications):,} applications, "
            f"{len(books.memos):,} credit memos, {len(books.refunds):,} refunds; writing ..."
        )
        write(books)
        reset_sequences()
        Organisation.objects.filter(pk=org.pk).update(name=sizes.stamp)
    if connection.vendor == "postgresql":  # autovacuum would; SQLite has no statistics by default
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    org.refresh_from_db()
    return org


def empty_database() -> None:
    """Remove every row of the benchmark organisation (the benchmark database holds nothing else)."""
    from memberbooks.tenancy.models import Organisation

    with transaction.atomic(), connection.cursor() as cursor:
        for model in reversed(list(models_by_table().values())):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        from memberbooks.ledger.models import GLAccount

        GLAccount.objects.all().delete()
        Organisation.objects.filter(slug=SLUG).delete()
