"""Helpers for the import tests (no tests here): run a CSV text through `run_import`, count the books."""

import io

from memberbooks.imports.importer import ImportResult, run_import
from memberbooks.ledger.models import (
    Application,
    GLAccount,
    Invoice,
    InvoiceLine,
    Member,
    NumberSequence,
    Payment,
)
from memberbooks.tenancy.models import Organisation
from tests.books import Books

GL_HEADER = "number,name,kind"
MEMBER_HEADER = (
    "member_number,first_name,last_name,company,email,phone,address,city,state,postal_code"
)
INVOICE_HEADER = (
    "invoice_number,member_number,date,due_date,source,gl_account,description,quantity,unit_price"
)
PAYMENT_HEADER = "payment_ref,member_number,date,amount,method,reference,deposit_account,invoice_number,applied_amount"


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


def run(
    books: Books, kind: str, data: bytes, *, dry_run: bool = False, max_bytes: int | None = None
) -> ImportResult:
    return run_import(books.actor, kind, io.BytesIO(data), dry_run=dry_run, max_bytes=max_bytes)


def errors(result: ImportResult) -> list[tuple[int | None, str, str, str]]:
    return [(e.row, e.column, e.value, e.message) for e in result.sorted_errors()]


def where(result: ImportResult) -> list[tuple[int | None, str]]:
    """Just the (row, column) of each error, for tests about which cells are reported."""
    return [(e.row, e.column) for e in result.sorted_errors()]


def counts(org: Organisation) -> dict[str, int]:
    """How many rows of each ledger table the organisation has: to prove nothing was written."""
    models = {
        "gl_accounts": GLAccount,
        "members": Member,
        "invoices": Invoice,
        "invoice_lines": InvoiceLine,
        "payments": Payment,
        "applications": Application,
        "sequences": NumberSequence,
    }
    counted = {
        name: model.objects.filter(**_org(model, org)).count() for name, model in models.items()
    }
    return counted


def _org(model: type, org: Organisation) -> dict[str, object]:
    if model is InvoiceLine:
        return {"invoice__organisation": org}
    return {"organisation": org}
