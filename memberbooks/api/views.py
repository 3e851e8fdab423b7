"""The API's handlers: resolve numbers through the scoped lookups, call a ledger action, present.

Every handler gets `call.actor` already checked for the route's role in the
URL's organisation (see `routing.py`). Numbers in the URL that are not in that
organisation are 404s (`queries` raises NotFound); numbers inside a body that
are not there are 400 `unknown_reference`, naming the field.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from memberbooks.api import openapi, present
from memberbooks.api.errors import ApiError
from memberbooks.api.routing import ORG, Api, Call, Page, paginate
from memberbooks.api.shapes import (
    AgingQuery,
    Applying,
    DocumentQuery,
    GLAccount,
    Invoice,
    InvoiceDetail,
    InvoiceQuery,
    Member,
    MemberChanges,
    MemberDetail,
    MemberQuery,
    NewApplication,
    NewGLAccount,
    NewInvoice,
    NewMember,
    NewPayment,
    Paging,
    Payment,
    PaymentDetail,
    Voiding,
)
from memberbooks.ledger import actions, queries
from memberbooks.ledger import models as ledger
from memberbooks.ledger.aging import aging
from memberbooks.ledger.drafts import ApplicationDraft, InvoiceDraft, LineDraft, PaymentDraft
from memberbooks.ledger.errors import LedgerError, NotFound
from memberbooks.tenancy.models import Role

api = Api()
WRITE = Role.BOOKKEEPER


# --- resolving what a body names --------------------------------------------------------------


def _ref[T](find: Callable[[], T], field: str, listing: str) -> T:
    """A body's reference, looked up in the caller's organisation; missing is a 400 naming the field."""
    try:
        return find()
    except NotFound as exc:
        raise ApiError(
            400,
            "unknown_reference",
            exc.message,
            field=field,
            fix=f"Use a number that exists in this organisation; GET {listing} lists them.",
        ) from exc


def _member(call: Call, number: str, field: str) -> ledger.Member:
    return _ref(partial(queries.member, call.org, number=number), field, "members/")


def _gl_account(call: Call, number: str, field: str) -> ledger.GLAccount:
    return _ref(partial(queries.gl_account, call.org, number=number), field, "gl-accounts/")


def _applications(call: Call, wanted: list[NewApplication]) -> list[ApplicationDraft]:
    return [
        ApplicationDraft(
            invoice=_ref(
                partial(queries.invoice, call.org, number=app.invoice_number),
                f"applications[{index}].invoice_number",
                "invoices/",
            ),
            amount=app.amount,
        )
        for index, app in enumerate(wanted)
    ]


@contextmanager
def ledger_fields(**names: str) -> Iterator[None]:
    """Rename the ledger's field names in its errors to the body's (voided_on -> date)."""
    try:
        yield
    except LedgerError as exc:
        exc.field = names.get(exc.field or "", exc.field)
        raise


APPLICATION_FIELDS = {"invoice": "applications", "applied_amount": "applications"}
VOID_FIELDS = {"voided_on": "date", "void_reason": "reason"}


def _given(body: object, *skip: str) -> dict[str, str]:
    """The fields a body actually sets (None means: leave as it is)."""
    return {k: v for k, v in vars(body).items() if v is not None and k not in skip}


def _documents[D: (ledger.Invoice, ledger.Payment)](
    call: Call, rows: QuerySet[D], query: DocumentQuery
) -> QuerySet[D]:
    """Invoices or payments of the organisation (already scoped), narrowed by the common filters."""
    if query.member is not None:
        rows = rows.filter(member=_member(call, query.member, "member"))
    if query.date_from is not None:
        rows = rows.filter(date__gte=query.date_from)
    if query.date_to is not None:
        rows = rows.filter(date__lte=query.date_to)
    return rows


# --- members ----------------------------------------------------------------------------------


@api.get(ORG + "members/", query=MemberQuery, page_of=Member)
def list_members(call: Call, query: MemberQuery) -> Page:
    """List members by name; `search` narrows the list."""
    found = queries.members(call.org, query.search)
    return paginate(call.request, found, query, present.member)


@api.post(ORG + "members/", role=WRITE, body=NewMember, response=MemberDetail, status=201)
def create_member(call: Call, body: NewMember) -> MemberDetail:
    """Add a member."""
    row = actions.create_member(call.actor, body.member_number, **_given(body, "member_number"))
    return present.member_detail(row)


@api.get(ORG + "members/<str:member_number>/", response=MemberDetail)
def get_member(call: Call, member_number: str) -> MemberDetail:
    """A member, with their balance."""
    return present.member_detail(queries.member(call.org, number=member_number))


@api.patch(
    ORG + "members/<str:member_number>/", role=WRITE, body=MemberChanges, response=MemberDetail
)
def update_member(call: Call, member_number: str, body: MemberChanges) -> MemberDetail:
    """Change a member's name, address or status (not the number)."""
    row = queries.member(call.org, number=member_number)
    actions.update_member(call.actor, row, **_given(body))
    return present.member_detail(row)


# --- GL accounts ------------------------------------------------------------------------------


@api.get(ORG + "gl-accounts/", query=Paging, page_of=GLAccount)
def list_gl_accounts(call: Call, query: Paging) -> Page:
    """List the chart of accounts, by number."""
    rows = queries.gl_accounts(call.org)
    return paginate(call.request, rows, query, present.gl_account)


@api.post(ORG + "gl-accounts/", role=WRITE, body=NewGLAccount, response=GLAccount, status=201)
def create_gl_account(call: Call, body: NewGLAccount) -> GLAccount:
    """Add a GL account."""
    row = actions.create_gl_account(call.actor, body.number, body.name, body.kind)
    return present.gl_account(row)


# --- invoices ---------------------------------------------------------------------------------


@api.get(ORG + "invoices/", query=InvoiceQuery, page_of=Invoice)
def list_invoices(call: Call, query: InvoiceQuery) -> Page:
    """List invoices, newest first, filtered by member, date and status."""
    rows = _documents(call, queries.invoices(call.org), query)
    if query.status is not None:
        rows = rows.filter(present.INVOICE_STATUS_FILTERS[query.status])
    return paginate(call.request, present.invoices(rows), query, present.invoice)


@api.post(ORG + "invoices/", role=WRITE, body=NewInvoice, response=InvoiceDetail, status=201)
def post_invoice(call: Call, body: NewInvoice) -> InvoiceDetail:
    """Post an invoice with its lines."""
    lines = [
        LineDraft(
            gl_account=_gl_account(call, line.gl_account, f"lines[{index}].gl_account"),
            unit_price=line.unit_price,
            quantity=line.quantity,
            description=line.description,
        )
        for index, line in enumerate(body.lines)
    ]
    draft = InvoiceDraft(
        member=_member(call, body.member_number, "member_number"),
        date=body.date,
        lines=lines,
        due_date=body.due_date,
        number=body.number,
        source=body.source,
        memo=body.memo,
    )
    posted = actions.post_invoice(call.actor, draft)
    return present.invoice_detail(queries.invoice(call.org, pk=posted.pk))


@api.get(ORG + "invoices/<str:number>/", response=InvoiceDetail)
def get_invoice(call: Call, number: str) -> InvoiceDetail:
    """An invoice with its lines and the payments and credits applied to it."""
    return present.invoice_detail(queries.invoice(call.org, number=number))


@api.post(
    ORG + "invoices/<str:number>/void",
    role=WRITE,
    body=Voiding,
    response=InvoiceDetail,
    conflicts=True,
)
def void_invoice(call: Call, number: str, body: Voiding) -> InvoiceDetail:
    """Void an invoice; what was applied to it becomes member credit on that date."""
    invoice = queries.invoice(call.org, number=number)
    with ledger_fields(**VOID_FIELDS):
        actions.void_invoice(call.actor, invoice, body.date, body.reason)
    return present.invoice_detail(queries.invoice(call.org, pk=invoice.pk))


# --- payments ---------------------------------------------------------------------------------


@api.get(ORG + "payments/", query=DocumentQuery, page_of=Payment)
def list_payments(call: Call, query: DocumentQuery) -> Page:
    """List payments, newest first, filtered by member and date."""
    rows = _documents(call, queries.payments(call.org), query)
    return paginate(call.request, present.payments(rows), query, present.payment)


@api.post(
    ORG + "payments/",
    role=WRITE,
    body=NewPayment,
    response=PaymentDetail,
    status=201,
    conflicts=True,
)
def record_payment(call: Call, body: NewPayment) -> PaymentDetail:
    """Record a payment and apply it to invoices; the rest is member credit."""
    draft = PaymentDraft(
        member=_member(call, body.member_number, "member_number"),
        date=body.date,
        amount=body.amount,
        deposit_account=_gl_account(call, body.deposit_account, "deposit_account"),
        method=body.method,
        reference=body.reference,
        number=body.number,
        applications=_applications(call, body.applications),
    )
    with ledger_fields(**APPLICATION_FIELDS, applied_on="applications"):
        recorded = actions.record_payment(call.actor, draft)
    return present.payment_detail(queries.payment(call.org, pk=recorded.pk))


@api.get(ORG + "payments/<str:number>/", response=PaymentDetail)
def get_payment(call: Call, number: str) -> PaymentDetail:
    """A payment with its applications."""
    return present.payment_detail(queries.payment(call.org, number=number))


@api.post(
    ORG + "payments/<str:number>/apply",
    role=WRITE,
    body=Applying,
    response=PaymentDetail,
    conflicts=True,
)
def apply_payment(call: Call, number: str, body: Applying) -> PaymentDetail:
    """Apply a payment's unapplied rest to invoices."""
    payment = queries.payment(call.org, number=number)
    if not body.applications:
        raise ApiError.invalid(
            "applications",
            "There is nothing to apply.",
            fix='List at least one {"invoice_number": ..., "amount": "..."}.',
        )
    drafts = _applications(call, body.applications)
    with ledger_fields(**APPLICATION_FIELDS, applied_on="date"):
        actions.apply_payment(call.actor, payment, drafts, on=body.date)
    return present.payment_detail(queries.payment(call.org, pk=payment.pk))


@api.post(
    ORG + "payments/<str:number>/void",
    role=WRITE,
    body=Voiding,
    response=PaymentDetail,
    conflicts=True,
)
def void_payment(call: Call, number: str, body: Voiding) -> PaymentDetail:
    """Void a payment (a bounced check); the invoices it paid reopen on that date."""
    payment = queries.payment(call.org, number=number)
    with ledger_fields(**VOID_FIELDS):
        actions.void_payment(call.actor, payment, body.date, body.reason)
    return present.payment_detail(queries.payment(call.org, pk=payment.pk))


# --- reports and the description ----------------------------------------------------------------


@api.get(ORG + "aging", query=AgingQuery, response_schema=openapi.AGING_SCHEMA)
def aging_report(call: Call, query: AgingQuery) -> dict[str, object]:
    """Accounts-receivable aging per member as of a date (the same JSON as `memberbooks aging --json`)."""
    return aging(call.org, query.as_of or timezone.localdate()).as_json()


@api.get("openapi.json", role=None, response_schema={"type": "object"})
def openapi_document(request: HttpRequest) -> dict[str, Any]:
    """This description of the API, as OpenAPI 3.1."""
    return openapi.document(api, base=request.path.removesuffix("openapi.json"))
