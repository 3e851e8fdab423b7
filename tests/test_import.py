"""The CSV import, kind by kind: what a good file creates, and what each bad file is told.

Every refusal test also checks that nothing at all was written.
"""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from memberbooks.imports import lookups, writer
from memberbooks.imports.importer import run_import
from memberbooks.ledger import actions
from memberbooks.ledger.errors import InvalidInput
from memberbooks.ledger.models import GLAccount, Invoice, Member, Payment
from memberbooks.ledger.queries import member_balance
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role
from tests.books import Books, D
from tests.test_import_helpers import (
    GL_HEADER,
    INVOICE_HEADER,
    MEMBER_HEADER,
    PAYMENT_HEADER,
    counts,
    csv_bytes,
    errors,
    run,
    where,
)

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SAVE_AS = (
    'Save the file as UTF-8: in Excel choose Save As > "CSV UTF-8 (Comma delimited)"; '
    'in LibreOffice tick "Edit filter settings" and pick Unicode (UTF-8).'
)
DATES = "YYYY-MM-DD (2026-03-31) or MM/DD/YYYY (03/31/2026)"
AMOUNTS = "1250.00 or $1,250.00 (a dot before the cents, commas only between thousands)"


# --- happy paths ------------------------------------------------------------------------------


def test_gl_accounts_are_created_with_kinds_by_value_or_label(books: Books) -> None:
    data = csv_bytes(
        GL_HEADER + ",notes",
        "4200,Sponsorships,income,from the old system",
        "1010,Savings,Deposit / cash,",
        "2400,Deferred dues,deferred revenue / liability,",
        "6000,Bank fees,EXPENSE,",
        "1300,Other receivables,Accounts Receivable,",
    )
    result = run(books, "gl-accounts", data)

    assert result.ok and result.written
    assert result.rows == 5
    assert result.created == {"gl_accounts": 5}
    assert result.ignored_columns == ["notes"]
    kinds = dict(
        GLAccount.objects.filter(
            organisation=books.org, number__in=["4200", "1010", "2400", "6000", "1300"]
        ).values_list("number", "kind")
    )
    assert kinds == {
        "4200": "income",
        "1010": "deposit",
        "2400": "deferred",
        "6000": "expense",
        "1300": "receivable",
    }


def test_members_are_created_with_every_field(books: Books) -> None:
    data = csv_bytes(
        MEMBER_HEADER,
        "A-100,Pat,Smith,,pat@example.org,555-0100,1 Main St,Springfield,IL,62701",
        'A-101,,,"Acme Tools, Inc.",office@acme.test,,,,,',
    )
    result = run(books, "members", data)

    assert result.ok and result.written and result.created == {"members": 2}
    pat = Member.objects.get(organisation=books.org, member_number="A-100")
    assert (pat.first_name, pat.last_name, pat.email, pat.city, pat.state, pat.postal_code) == (
        "Pat",
        "Smith",
        "pat@example.org",
        "Springfield",
        "IL",
        "62701",
    )
    assert Member.objects.get(member_number="A-101").company == "Acme Tools, Inc."


def test_members_file_may_leave_out_optional_columns(books: Books) -> None:
    result = run(books, "members", csv_bytes("Member Number,Last Name", "B1,Jones"))

    assert result.ok and result.written
    assert Member.objects.get(organisation=books.org, member_number="B1").last_name == "Jones"


def test_invoice_rows_with_one_number_form_one_invoice(books: Books) -> None:
    pat, ann = books.member("Smith"), books.member("Ann")
    data = csv_bytes(
        INVOICE_HEADER,
        'INV-1001,M0001,2026-01-01,2026-01-31,dues,4000,Annual dues,1,"$1,250.00"',
        "INV-1001,M0001,2026-01-01,2026-01-31,dues,4100,Gala tickets,3,0.10",
        "INV-1002,M0002,01/15/2026,,Event,4100,Workshop,1.5,100",
    )
    result = run(books, "invoices", data)

    assert result.ok and result.written
    assert result.created == {"invoices": 2, "invoice_lines": 3}
    assert result.totals == {"invoiced": D("1400.30")}
    first = Invoice.objects.get(organisation=books.org, number="INV-1001")
    assert (first.member, first.date, first.due_date, first.source, first.total) == (
        pat,
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 31),
        "dues",
        D("1250.30"),
    )
    lines = list(first.lines.values_list("position", "gl_account__number", "quantity", "amount"))
    assert lines == [(1, "4000", D("1.000"), D("1250.00")), (2, "4100", D("3.000"), D("0.30"))]
    second = Invoice.objects.get(organisation=books.org, number="INV-1002")
    assert (second.member, second.date, second.due_date, second.source, second.total) == (
        ann,
        dt.date(2026, 1, 15),
        dt.date(2026, 2, 14),  # no due date: 30 days
        "event",
        D("150.00"),
    )


def test_payments_apply_to_invoices_and_leave_the_rest_as_credit(books: Books) -> None:
    pat, ann = books.member("Smith"), books.member("Ann")
    inv1 = books.invoice(pat, "300.00", "2026-01-01")
    inv2 = books.invoice(pat, "200.00", "2026-01-05")
    inv3 = books.invoice(ann, "100.00", "2026-01-05")
    data = csv_bytes(
        PAYMENT_HEADER,
        f'CHK-77,M0001,2026-02-01,"$1,000.00",check,77,1000,{inv1.number},300.00',
        f'CHK-77,M0001,2026-02-01,"$1,000.00",check,77,1000,{inv2.number},150',
        f"CARD-9,M0002,02/03/2026,60,Credit card,ch_123,1000,{inv3.number},60",
        "CASH-1,M0002,2026-02-04,25,cash,,1000,,",
    )
    result = run(books, "payments", data)

    assert result.ok and result.written
    assert result.created == {"payments": 3, "applications": 3}
    assert result.totals == {"received": D("1085.00"), "applied": D("510.00")}
    chk = Payment.objects.get(organisation=books.org, number="CHK-77")
    assert (chk.amount, chk.amount_applied, chk.method, chk.reference, chk.deposit_account) == (
        D("1000.00"),
        D("450.00"),
        "check",
        "77",
        books.bank,
    )
    assert Payment.objects.get(number="CARD-9").method == "card"
    balances = {i.number: i.open_balance for i in Invoice.objects.filter(organisation=books.org)}
    assert balances == {inv1.number: D("0.00"), inv2.number: D("50.00"), inv3.number: D("40.00")}
    assert member_balance(pat) == D("-500.00")  # 50.00 open, 550.00 of credit
    assert member_balance(ann) == D("15.00")  # 40.00 open, 25.00 cash unapplied


def test_the_sample_files_move_an_association_in(org: Organisation) -> None:
    """The four files of docs/import.md, in order; each refers to what the one before made."""
    actor = Actor(org, Role.BOOKKEEPER, "bookkeeper")
    for kind in ("gl-accounts", "members", "invoices", "payments"):
        with (FIXTURES / f"{kind}.csv").open("rb") as stream:
            result = run_import(actor, kind, stream)
        assert result.ok and result.written, (kind, errors(result))

    totals = dict(Invoice.objects.filter(organisation=org).values_list("number", "total"))
    assert totals == {"2025-0001": D("250.00"), "2025-0002": D("1420.00"), "2025-0003": D("597.00")}
    open_now = {i.number: i.open_balance for i in Invoice.objects.filter(organisation=org)}
    assert open_now == {"2025-0001": D("0.00"), "2025-0002": D("0.00"), "2025-0003": D("197.00")}
    pat = Member.objects.get(organisation=org, member_number="1001")
    assert member_balance(pat) == D("-50.00")  # paid 300.00 on a 250.00 invoice


def test_dry_run_checks_everything_and_writes_nothing(books: Books) -> None:
    books.member()
    before = counts(books.org)
    data = csv_bytes(INVOICE_HEADER, "INV-1,M0001,2026-01-01,,,4000,Dues,1,100")

    result = run(books, "invoices", data, dry_run=True)

    assert result.ok and not result.written
    assert result.created == {"invoices": 1, "invoice_lines": 1}
    assert counts(books.org) == before


def test_many_invoices_are_posted_and_looked_up_in_batches(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "INVOICES_PER_BATCH", 2)
    monkeypatch.setattr(lookups, "CHUNK", 2)
    for _ in range(3):
        books.member()
    rows = [f"B-{n},M000{n % 3 + 1},2026-01-01,,,4000,Dues,1,{n}" for n in range(1, 8)]
    result = run(books, "invoices", csv_bytes(INVOICE_HEADER, *rows))

    assert result.ok and result.written
    assert Invoice.objects.filter(organisation=books.org).count() == 7
    assert Invoice.objects.get(number="B-7").member.member_number == "M0002"


# --- reading the file -------------------------------------------------------------------------


def test_windows_1252_bytes_are_refused_naming_row_column_and_fix(books: Books) -> None:
    before = counts(books.org)
    data = b"member_number,first_name,last_name\nM1,Pat,Smith\nM2,Ren\xe9e,Caf\xe9\n"

    result = run(books, "members", data)

    assert errors(result) == [
        (
            3,
            "first_name",
            "Ren\ufffde",
            'This text is not UTF-8 (byte 0xE9); it reads "Renée" as Windows-1252. ' + SAVE_AS,
        ),
        (
            3,
            "last_name",
            "Caf\ufffd",
            'This text is not UTF-8 (byte 0xE9); it reads "Café" as Windows-1252. ' + SAVE_AS,
        ),
    ]
    assert not result.written and counts(books.org) == before


def test_a_utf8_byte_order_mark_is_accepted_silently(books: Books) -> None:
    data = "\ufeffmember_number,first_name,last_name\nM1,Renée,Café\n".encode()

    result = run(books, "members", data)

    assert result.ok and result.written and result.ignored_columns == []
    assert Member.objects.get(organisation=books.org, member_number="M1").first_name == "Renée"


def test_missing_required_columns_are_each_named(books: Books) -> None:
    before = counts(books.org)
    data = csv_bytes("invoice_number,member,date,amount", "INV-1,M0001,2026-01-01,100")

    result = run(books, "invoices", data)

    need = (
        "The header row needs: invoice_number, member_number, date, gl_account, unit_price "
        "(optional: due_date, source, description, quantity)."
    )
    assert errors(result) == [
        (1, "member_number", "", f"The required column member_number is missing. {need}"),
        (1, "gl_account", "", f"The required column gl_account is missing. {need}"),
        (1, "unit_price", "", f"The required column unit_price is missing. {need}"),
    ]
    assert result.rows == 0 and counts(books.org) == before


def test_a_members_file_needs_a_name_column(books: Books) -> None:
    result = run(books, "members", csv_bytes("member_number,email", "M1,a@example.org"))

    assert errors(result) == [
        (
            1,
            "first_name, last_name, company",
            "",
            "The header row needs at least one of the columns first_name, last_name, company.",
        )
    ]


def test_a_column_twice_is_refused(books: Books) -> None:
    result = run(books, "gl-accounts", csv_bytes("number,name,kind,Name", "1,a,income,b"))

    assert errors(result) == [
        (1, "name", "Name", "Column name appears twice (columns 2 and 4). Keep one of them.")
    ]


def test_an_empty_file_and_a_header_without_rows(books: Books) -> None:
    empty = run(books, "members", b"")
    header_only = run(books, "members", b"member_number,last_name\n")

    assert errors(empty) == [
        (None, "", "", "The file is empty. Its first row must be the header: member_number.")
    ]
    assert errors(header_only) == [(None, "", "", "The file has a header but no rows to import.")]


def test_a_file_over_the_limit_is_refused_before_it_is_read(books: Books) -> None:
    before = counts(books.org)
    data = csv_bytes(MEMBER_HEADER, *[f"M{n},Pat,Smith,,,,,,," for n in range(100)])

    result = run(books, "members", data, max_bytes=1000)

    assert errors(result) == [
        (
            None,
            "",
            "",
            f"The file is {len(data):,} bytes; the import takes at most 1,000 bytes "
            "(IMPORT_MAX_BYTES). Split it into smaller files and import them one after another.",
        )
    ]
    assert result.rows == 0 and counts(books.org) == before


def test_the_limit_comes_from_settings(books: Books, settings: object) -> None:
    settings.IMPORT_MAX_BYTES = 60  # type: ignore[attr-defined]
    result = run(books, "members", csv_bytes(MEMBER_HEADER, "M1,Pat,Smith,,,,,,,"))

    assert result.errors.count == 1 and "at most 60 bytes" in result.sorted_errors()[0].message


def test_rows_are_numbered_as_a_spreadsheet_numbers_them(books: Books) -> None:
    # Row 2 is blank, row 3 has a cell over two lines, so the bad row is row 4.
    data = b'member_number,last_name,address\n\nM1,Smith,"1 Main St\nSuite 5"\nM2,,\n'

    result = run(books, "members", data)

    assert errors(result) == [
        (
            4,
            "first_name, last_name, company",
            "",
            "A member needs a first name, a last name or a company; all are empty.",
        )
    ]
    assert result.rows == 2


def test_an_unclosed_quote_stops_the_reading_with_its_row(books: Books) -> None:
    data = b'member_number,last_name\nM1,Smith\nM2,"Jones\nM3,Lee\n'

    result = run(books, "members", data)

    assert where(result) == [(3, "")]
    assert result.sorted_errors()[0].message.endswith(
        'A quote (") opened on this row is never closed.'
    )
    assert not result.written


def test_more_cells_than_header_columns(books: Books) -> None:
    result = run(books, "gl-accounts", csv_bytes(GL_HEADER, "4300,Dues, Life,income"))

    assert errors(result)[0] == (
        2,
        "column 4",
        "income",
        "This row has 4 cells but the header has 3 columns. A cell with a comma in it must be quoted.",
    )


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "written", "message"),
    [
        (
            "no such day",
            "2026-02-30",
            f"There is no such day (2026-02-30); write a real date as {DATES}.",
        ),
        (
            "day first",
            "31/01/2026",
            "This looks like day/month/year. Slash dates are read as month/day/year (US); "
            "write it as 2026-01-31, or fix the order in the whole column.",
        ),
        (
            "two-digit year",
            "1/2/26",
            f"A two-digit year is ambiguous; write the full year, as {DATES}.",
        ),
        ("words", "Jan 5, 2026", f"This is not a date; write it as {DATES}."),
        (
            "time part",
            "2026-01-05 00:00:00",
            f"This date has a time part; keep only the date, as {DATES}.",
        ),
        ("year", "0026-01-05", "The year 26 is out of range (1900-2100); check the year."),
        (
            "no day either way",
            "31/02/2026",
            f"There is no such day (2026-31-02); write a real date as {DATES}.",
        ),
        (
            "other digits",
            "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0665",
            f"This is not a date; write it as {DATES}.",
        ),
        ("empty", "", f"The date is empty; write it as {DATES}."),
    ],
)
def test_bad_dates_are_refused(books: Books, _case: str, written: str, message: str) -> None:
    books.member()
    before = counts(books.org)
    result = run(
        books, "invoices", csv_bytes(INVOICE_HEADER, f'I1,M0001,"{written}",,,4000,x,1,10')
    )

    assert errors(result) == [(2, "date", written, message)]
    assert counts(books.org) == before


def test_slash_dates_are_refused_as_ambiguous_when_the_file_is_day_first(books: Books) -> None:
    books.member()
    data = csv_bytes(
        INVOICE_HEADER,
        "I1,M0001,03/04/2026,,,4000,x,1,10",  # March 4 or 3 April?
        "I2,M0001,25/04/2026,,,4000,x,1,10",  # only day-first
        "I3,M0001,04/04/2026,,,4000,x,1,10",  # the same either way
    )
    result = run(books, "invoices", data)

    assert where(result) == [(2, "date"), (3, "date")]
    assert errors(result)[0][3] == (
        "This date is ambiguous: row 3 has 25/04/2026, which can only be day/month/year, so this "
        "file may be written day-first. Write every date in the file as YYYY-MM-DD."
    )


def test_a_due_date_before_the_invoice_date(books: Books) -> None:
    books.member()
    result = run(
        books, "invoices", csv_bytes(INVOICE_HEADER, "I1,M0001,2026-02-01,2026-01-31,,4000,x,1,10")
    )

    assert errors(result) == [
        (
            2,
            "due_date",
            "2026-01-31",
            "The due date is before the invoice date (2026-02-01); leave it empty for 30 days after the date.",
        )
    ]


# --- amounts and quantities -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("$1,250.00", "1250.00"),
        ("1250", "1250.00"),
        ("1,234,567.5", "1234567.50"),
        (" $ 7.10 ", "7.10"),
        ("0.100", "0.10"),
    ],
)
def test_amounts_with_dollar_signs_and_thousands_separators_are_normalised(
    books: Books, written: str, stored: str
) -> None:
    books.member()
    result = run(
        books, "invoices", csv_bytes(INVOICE_HEADER, f'I1,M0001,2026-01-01,,,4000,x,1,"{written}"')
    )

    assert result.ok, errors(result)
    assert Invoice.objects.get(organisation=books.org, number="I1").total == Decimal(stored)


@pytest.mark.parametrize(
    ("_case", "written", "message"),
    [
        ("decimal comma", "1.250,00", f"This looks like a decimal comma; write it like {AMOUNTS}."),
        ("short comma", "12,50", f"This looks like a decimal comma; write it like {AMOUNTS}."),
        ("bad grouping", "1,25.00", f"This is not an amount; write it like {AMOUNTS}."),
        ("euro", "€12.00", f"Only dollar amounts are taken; write it like {AMOUNTS}."),
        ("letters", "USD 12", f"Only dollar amounts are taken; write it like {AMOUNTS}."),
        (
            "cents",
            "12.345",
            "Amounts have at most two decimal places (cents); round it in the source file.",
        ),
        (
            "negative",
            "-12.00",
            "Negative amounts are not taken here; for a discount, refund or reversal record a credit memo or refund after the import.",
        ),
        (
            "parentheses",
            "($12.00)",
            "Negative amounts are not taken here; for a discount, refund or reversal record a credit memo or refund after the import.",
        ),
        (
            "too large",
            "1,000,000,000.00",
            "The amount is too large; amounts stop at 999,999,999.99.",
        ),
        ("empty", "", f"The amount is empty; write it like {AMOUNTS}."),
        ("other digits", "\u0661\u0662", f"This is not an amount; write it like {AMOUNTS}."),
    ],
)
def test_bad_unit_prices_are_refused(books: Books, _case: str, written: str, message: str) -> None:
    books.member()
    before = counts(books.org)
    result = run(
        books, "invoices", csv_bytes(INVOICE_HEADER, f'I1,M0001,2026-01-01,,,4000,x,1,"{written}"')
    )

    assert errors(result) == [(2, "unit_price", written, message)]
    assert counts(books.org) == before


def test_a_zero_unit_price_is_a_free_line(books: Books) -> None:
    books.member()
    result = run(
        books, "invoices", csv_bytes(INVOICE_HEADER, "I1,M0001,2026-01-01,,,4000,Comp,1,0")
    )

    assert result.ok and Invoice.objects.get(number="I1").total == D("0.00")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("0", "The quantity must be more than zero; leave out a line with nothing charged."),
        (
            "-2",
            "The quantity must be more than zero; for a discount or reversal record a credit memo.",
        ),
        ("1.2345", "Quantities have at most three decimal places."),
        ("two", "This is not a quantity; write a number like 1, 2 or 1.5."),
    ],
)
def test_bad_quantities_are_refused(books: Books, written: str, message: str) -> None:
    books.member()
    before = counts(books.org)
    result = run(
        books, "invoices", csv_bytes(INVOICE_HEADER, f"I1,M0001,2026-01-01,,,4000,x,{written},10")
    )

    assert errors(result) == [(2, "quantity", written, message)]
    assert counts(books.org) == before


def test_a_payment_amount_of_zero_is_refused(books: Books) -> None:
    books.member()
    result = run(
        books, "payments", csv_bytes(PAYMENT_HEADER, "P1,M0001,2026-01-01,0.00,check,,1000,,")
    )

    assert errors(result) == [(2, "amount", "0.00", "The amount must be more than zero.")]


# --- references to members, accounts and invoices ---------------------------------------------


def test_unknown_members_and_gl_accounts_are_refused_on_their_rows(books: Books) -> None:
    books.member()
    before = counts(books.org)
    data = csv_bytes(
        INVOICE_HEADER,
        "I1,M0001,2026-01-01,,,4000,ok,1,10",
        "I1,M0001,2026-01-01,,,4999,no such account,1,10",
        "I2,M9999,2026-01-01,,,1000,deposit account,1,10",
        "I3,M9998,2026-01-01,,,4000,bad date too,1,10",
    )
    data = data.replace(b"I3,M9998,2026-01-01", b"I3,M9998,2026-13-01")

    result = run(books, "invoices", data)

    assert errors(result) == [
        (
            3,
            "gl_account",
            "4999",
            "There is no GL account 4999 in Acme Association; import the GL accounts first, or fix the number.",
        ),
        (
            4,
            "member_number",
            "M9999",
            "There is no member M9999 in Acme Association; import the members first, or fix the number.",
        ),
        (
            4,
            "gl_account",
            "1000",
            "GL account 1000 (Operating checking) is a deposit (cash) account; an invoice line needs "
            "an income, deferred revenue or expense account.",
        ),
        (
            5,
            "date",
            "2026-13-01",
            f"There is no such day (2026-13-01); write a real date as {DATES}.",
        ),
        (
            5,
            "member_number",
            "M9998",
            "There is no member M9998 in Acme Association; import the members first, or fix the number.",
        ),
    ]
    assert counts(books.org) == before


def test_members_of_another_organisation_are_unknown(books: Books, other_books: Books) -> None:
    other_books.member()  # M0001 in the other club only
    result = run(books, "invoices", csv_bytes(INVOICE_HEADER, "I1,M0001,2026-01-01,,,4000,x,1,10"))

    assert where(result) == [(2, "member_number")]


def test_an_inactive_gl_account_is_refused(books: Books) -> None:
    books.member()
    GLAccount.objects.filter(pk=books.events.pk).update(active=False)
    result = run(books, "invoices", csv_bytes(INVOICE_HEADER, "I1,M0001,2026-01-01,,,4100,x,1,10"))

    assert errors(result) == [
        (2, "gl_account", "4100", "GL account 4100 (Event revenue) is inactive.")
    ]


def test_a_deposit_account_must_be_a_deposit_account(books: Books) -> None:
    books.member()
    result = run(
        books, "payments", csv_bytes(PAYMENT_HEADER, "P1,M0001,2026-01-01,10,check,,4000,,")
    )

    assert errors(result) == [
        (
            2,
            "deposit_account",
            "4000",
            "GL account 4000 (Membership dues) is an income account; a payment's deposit_account "
            "needs a deposit (cash) account.",
        )
    ]


# --- duplicates -------------------------------------------------------------------------------


def test_duplicate_invoice_numbers_in_the_file_and_in_the_database(books: Books) -> None:
    pat = books.member()
    existing = books.invoice(pat, "10.00", "2025-12-01")
    before = counts(books.org)
    data = csv_bytes(
        INVOICE_HEADER,
        "I1,M0001,2026-01-01,,,4000,first,1,10",
        "I1,M0001,2026-01-01,,,4000,first (2nd line),1,10",
        "I2,M0001,2026-01-01,,,4000,second,1,10",
        "I1,M0001,2026-01-01,,,4000,I1 again,1,10",
        f"{existing.number},M0001,2026-01-01,,,4000,in the books,1,10",
    )
    result = run(books, "invoices", data)

    assert errors(result) == [
        (
            5,
            "invoice_number",
            "I1",
            "Invoice number I1 is used again; the invoice on rows 2-3 already has it. Keep an "
            "invoice's lines on adjacent rows, and give every invoice its own number.",
        ),
        (
            6,
            "invoice_number",
            existing.number,
            f"Invoice number {existing.number} is already in Acme Association; leave the invoice out "
            "of the file, or give it a new number.",
        ),
    ]
    assert counts(books.org) == before


def test_lines_of_one_invoice_must_agree_on_the_header(books: Books) -> None:
    books.member(), books.member()
    data = csv_bytes(
        INVOICE_HEADER,
        "I1,M0001,2026-01-01,,,4000,a,1,10",
        "I1,M0002,2026-01-01,,,4000,b,1,10",
        "I1,M0001,2026-01-02,,,4000,c,1,10",
        "I1,M0001,2026-01-01,,event,4000,d,1,10",
    )
    result = run(books, "invoices", data)

    rule = "every line of one invoice must have the same member_number, date, due_date and source."
    assert errors(result) == [
        (3, "member_number", "M0002", f"Invoice I1 has member_number M0001 on row 2; {rule}"),
        (4, "date", "2026-01-02", f"Invoice I1 has date 2026-01-01 on row 2; {rule}"),
        (5, "source", "event", f"Invoice I1 has source dues on row 2; {rule}"),
    ]


def test_duplicate_members_and_gl_accounts(books: Books) -> None:
    books.member()  # M0001
    members = run(
        books,
        "members",
        csv_bytes(MEMBER_HEADER, "M0001,A,B,,,,,,,", "N1,C,D,,,,,,,", "N1,E,F,,,,,,,"),
    )
    accounts = run(
        books,
        "gl-accounts",
        csv_bytes(GL_HEADER, "4000,Dues again,income", "5000,X,expense", "5000,Y,expense"),
    )

    assert errors(members) == [
        (
            2,
            "member_number",
            "M0001",
            "Member number M0001 is already in Acme Association; leave the row out, or use another number.",
        ),
        (4, "member_number", "N1", "Member number N1 is already on row 3; list each member once."),
    ]
    assert errors(accounts) == [
        (
            2,
            "number",
            "4000",
            "GL account 4000 (Membership dues) is already in Acme Association; leave the row out, or use another number.",
        ),
        (4, "number", "5000", "GL account 5000 is already on row 3; list each account once."),
    ]
    assert not Member.objects.filter(member_number="N1").exists()
    assert not GLAccount.objects.filter(number="5000").exists()


def test_bad_member_and_gl_account_cells(books: Books) -> None:
    members = run(
        books,
        "members",
        csv_bytes(
            MEMBER_HEADER, ",A,B,,,,,,,", "N2,C,D,,not-an-email,,,,,", f"N3,{'x' * 101},,,,,,,,"
        ),
    )
    accounts = run(books, "gl-accounts", csv_bytes(GL_HEADER, "5000,,expense", "5001,Fees,cost"))

    assert errors(members) == [
        (2, "member_number", "", "The member number is empty; every member needs one."),
        (3, "email", "not-an-email", "This is not an email address; write it as name@example.org."),
        (4, "first_name", "x" * 79 + "…", "101 characters is too long; at most 100 fit here."),
    ]
    assert errors(accounts) == [
        (2, "name", "", "The account name is empty."),
        (
            3,
            "kind",
            "cost",
            "This is not one of the choices; use one of: income, receivable, deposit, deferred, expense.",
        ),
    ]


# --- payments: applications -------------------------------------------------------------------


def test_a_payment_cannot_apply_more_than_its_amount(books: Books) -> None:
    pat = books.member()
    a, b = books.invoice(pat, "80.00", "2026-01-01"), books.invoice(pat, "80.00", "2026-01-01")
    before = counts(books.org)
    data = csv_bytes(
        PAYMENT_HEADER,
        f"P1,M0001,2026-02-01,100,check,,1000,{a.number},80",
        f"P1,M0001,2026-02-01,100,check,,1000,{b.number},30",
    )
    result = run(books, "payments", data)

    assert errors(result) == [
        (
            3,
            "applied_amount",
            "30.00",
            "Payment P1 would apply 110.00 in all by this row, more than its amount of 100.00.",
        )
    ]
    assert counts(books.org) == before


def test_a_payment_cannot_apply_more_than_an_invoice_has_open(books: Books) -> None:
    pat = books.member()
    inv = books.invoice(pat, "100.00", "2026-01-01")
    books.pay(pat, "30.00", "2026-01-10", (inv, "30.00"))
    paid = books.invoice(pat, "50.00", "2026-01-01")
    books.pay(pat, "50.00", "2026-01-10", (paid, "50.00"))
    before = counts(books.org)
    data = csv_bytes(
        PAYMENT_HEADER,
        f"P1,M0001,2026-02-01,100,check,,1000,{inv.number},70.01",
        f"P2,M0001,2026-02-01,100,check,,1000,{paid.number},1",
    )
    result = run(books, "payments", data)

    assert errors(result) == [
        (
            2,
            "applied_amount",
            "70.01",
            f"70.01 is more than invoice {inv.number}'s open balance of 70.00.",
        ),
        (
            3,
            "applied_amount",
            "1.00",
            f"Invoice {paid.number} is already paid in full; there is nothing open to apply 1.00 to.",
        ),
    ]
    assert counts(books.org) == before


def test_several_payments_in_one_file_cannot_together_overpay_an_invoice(books: Books) -> None:
    pat = books.member()
    inv = books.invoice(pat, "100.00", "2026-01-01")
    before = counts(books.org)
    data = csv_bytes(
        PAYMENT_HEADER,
        f"P1,M0001,2026-02-01,40,check,,1000,{inv.number},40",
        f"P2,M0001,2026-02-02,50,check,,1000,{inv.number},50",
        f"P3,M0001,2026-02-03,20,check,,1000,{inv.number},20",
    )
    result = run(books, "payments", data)

    assert errors(result) == [
        (
            4,
            "applied_amount",
            "20.00",
            f"20.00 is more than is left open on invoice {inv.number}: its open balance is 100.00, "
            "and rows 2, 3 of this file already apply 90.00, leaving 10.00.",
        )
    ]
    assert counts(books.org) == before


def test_applications_to_unknown_void_or_other_members_invoices(books: Books) -> None:
    pat, ann = books.member(), books.member("Ann")
    anns = books.invoice(ann, "10.00", "2026-01-01")
    void = books.invoice(pat, "10.00", "2026-01-01")
    actions.void_invoice(books.actor, void, dt.date(2026, 1, 2), "Billed twice")
    data = csv_bytes(
        PAYMENT_HEADER,
        "P1,M0001,2026-02-01,30,check,,1000,NOPE,10",
        f"P1,M0001,2026-02-01,30,check,,1000,{anns.number},10",
        f"P1,M0001,2026-02-01,30,check,,1000,{void.number},10",
    )
    result = run(books, "payments", data)

    assert errors(result) == [
        (
            2,
            "invoice_number",
            "NOPE",
            "There is no invoice NOPE in Acme Association; import the invoices first, or fix the number.",
        ),
        (
            3,
            "invoice_number",
            anns.number,
            f"Invoice {anns.number} belongs to member M0002, not to M0001, who made payment P1.",
        ),
        (
            4,
            "invoice_number",
            void.number,
            f"Invoice {void.number} is void; apply the payment elsewhere.",
        ),
    ]
    assert pat.payments.count() == 0


def test_application_cells_go_together(books: Books) -> None:
    books.member()
    data = csv_bytes(
        PAYMENT_HEADER,
        "P1,M0001,2026-02-01,30,check,,1000,INV-1,",
        "P2,M0001,2026-02-01,30,check,,1000,,10",
    )
    result = run(books, "payments", data)

    assert errors(result) == [
        (
            2,
            "applied_amount",
            "",
            "The applied amount is empty; say how much of the payment goes to invoice INV-1.",
        ),
        (
            2,
            "invoice_number",
            "INV-1",
            "There is no invoice INV-1 in Acme Association; import the invoices first, or fix the number.",
        ),
        (
            3,
            "invoice_number",
            "",
            "The invoice number is empty, but applied_amount is filled in; say which invoice the amount goes to, or clear applied_amount.",
        ),
    ]


def test_duplicate_payment_references_and_disagreeing_rows(books: Books) -> None:
    pat = books.member()
    old = books.pay(pat, "5.00", "2026-01-01")
    data = csv_bytes(
        PAYMENT_HEADER,
        f"{old.number},M0001,2026-02-01,30,check,,1000,,",
        "P1,M0001,2026-02-01,30,check,,1000,,",
        "P1,M0001,2026-02-01,31,check,,1000,,",
        "P2,M0001,2026-02-01,30,check,,1000,,",
        "P1,M0001,2026-02-01,30,check,,1000,,",
    )
    result = run(books, "payments", data)

    assert errors(result) == [
        (
            2,
            "payment_ref",
            old.number,
            f"Payment {old.number} is already in Acme Association; leave it out of the file, or give it a new reference.",
        ),
        (
            4,
            "amount",
            "31.00",
            "Payment P1 has amount 30.00 on row 3; every row of one payment must have the same "
            "member_number, date, amount, method, reference, deposit_account.",
        ),
        (
            6,
            "payment_ref",
            "P1",
            "Payment reference P1 is used again; the payment on rows 3-4 already has it. Keep a "
            "payment's rows adjacent, and give every payment its own reference.",
        ),
    ]


# --- all or nothing ---------------------------------------------------------------------------


def test_when_an_action_still_refuses_everything_is_rolled_back(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    books.member()
    before = counts(books.org)
    real = actions.record_payments

    def write_then_refuse(actor: object, drafts: list[object]) -> object:
        """Another clerk took P2 after the checks: the batch is written, then refused."""
        real(actor, drafts)  # type: ignore[arg-type]
        raise InvalidInput("Number P2 is already used.", field="number", fix="Use a new number.")

    monkeypatch.setattr(actions, "record_payments", write_then_refuse)
    data = csv_bytes(
        PAYMENT_HEADER,
        "P1,M0001,2026-02-01,30,check,,1000,,",
        "P2,M0001,2026-02-01,30,check,,1000,,",
    )
    result = run(books, "payments", data)

    assert errors(result) == [
        (
            2,
            "number",
            "",
            "Writing rows 2-3 was refused: number: Number P2 is already used. (Use a new number.) "
            "Nothing was imported; fix the file and import it again.",
        )
    ]
    assert not result.written and result.created == {"payments": 0, "applications": 0}
    assert counts(books.org) == before


def test_a_viewer_cannot_import(books: Books) -> None:
    viewer = Actor(books.org, Role.VIEWER, "viewer")

    with pytest.raises(PermissionDenied):
        run_import(viewer, "members", io.BytesIO(b"member_number,last_name\nM9,Lee\n"))
    assert not Member.objects.filter(member_number="M9").exists()


def test_every_error_is_counted_and_the_first_thousand_kept(books: Books) -> None:
    rows = [f"N{n},,,,,,,,," for n in range(1200)]

    result = run(books, "members", csv_bytes(MEMBER_HEADER, *rows))

    assert result.errors.count == 1200 and result.errors.truncated == 200
    report = result.as_json()
    assert report["error_count"] == 1200 and len(report["errors"]) == 1000  # type: ignore[arg-type]
    assert report["errors"][-1]["row"] == 1001  # type: ignore[index]
