"""The API of the QuickBooks Interface: member links, GL mappings, export decisions, the in-sync point.

Registered on the same route table as `views.py` (imported by `urls.py`), so
these routes appear in the OpenAPI document like every other. Every path is
under `orgs/<org>/qb/`. Reads need the viewer role, writes the bookkeeper role,
setting the in-sync point the admin role.

The mapping and exports actions do the work and the checks; this module names
things in the API's words. A number in the URL that is not in the organisation
is a 404; a number or QuickBooks id in a body or query that does not exist is a
400 `unknown_reference` naming the field; an organisation that is not
connected to QuickBooks gets 409 `not_connected` with the fix "connect first".
"""

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest

from memberbooks.api import interface_present as present
from memberbooks.api import interface_shapes as shapes
from memberbooks.api.errors import ApiError
from memberbooks.api.routing import ORG, Call, Page
from memberbooks.api.schema import Money
from memberbooks.api.shapes import Paging
from memberbooks.api.views import api
from memberbooks.exports import actions as exports
from memberbooks.exports import queries as status
from memberbooks.exports.models import DocType, InSyncPoint, MarkBatch
from memberbooks.ledger import queries as ledger_queries
from memberbooks.ledger.errors import LedgerError, NotFound
from memberbooks.ledger.models import GLAccount, Member
from memberbooks.mapping import actions as mapping
from memberbooks.mapping import bulk
from memberbooks.mapping import queries as links
from memberbooks.mapping.errors import NotConnected, QuickBooksRefused
from memberbooks.mapping.models import GLMapping
from memberbooks.mapping.suggestions import search_customers
from memberbooks.quickbooks.online.errors import QboError
from memberbooks.tenancy.models import Organisation, Role

__all__ = ["api"]

QB = ORG + "qb/"
WRITE = Role.BOOKKEEPER
ADMIN = Role.ADMIN
REFUND_NUMBER = re.compile(r"R([0-9]{1,18})")


# --- errors in the API's words ----------------------------------------------------------------


def not_connected(organisation: Organisation, message: str) -> ApiError:
    return ApiError(
        409,
        "not_connected",
        message,
        fix=f"Connect first: QuickBooks Config page, or `memberbooks qbo connect {organisation.slug}`.",
    )


@contextmanager
def refusals(organisation: Organisation, **names: str) -> Iterator[None]:
    """Refusals of the mapping and exports actions, with the body's field names.

    A QuickBooks id that QuickBooks does not have is a NotFound from the action:
    here it is named in the body, so it is a 400 `unknown_reference`, not a 404.
    """
    try:
        yield
    except NotConnected as exc:
        raise not_connected(organisation, exc.message) from exc
    except QboError as exc:
        raise QuickBooksRefused.of(exc) from exc
    except LedgerError as exc:
        if exc.field == "connection":
            raise not_connected(organisation, exc.message) from exc
        exc.field = names.get(exc.field or "", exc.field)
        if isinstance(exc, NotFound):
            raise ApiError(
                400, "unknown_reference", exc.message, field=exc.field, fix=exc.fix
            ) from exc
        raise


def require_connection(organisation: Organisation) -> None:
    with refusals(organisation):
        mapping.qb_kind_of(organisation)


def _unknown(field: str, message: str, listing: str) -> ApiError:
    return ApiError(
        400,
        "unknown_reference",
        message,
        field=field,
        fix=f"Use one that exists in this organisation; GET {listing} lists them.",
    )


def _member_ref(call: Call, number: str, field: str) -> Member:
    try:
        return ledger_queries.member(call.org, number=number)
    except NotFound as exc:
        raise _unknown(field, exc.message, "members/") from exc


def _types(text: str, field: str) -> list[str]:
    wanted = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in DocType.values]
    if unknown:
        raise ApiError.invalid(
            field,
            f"{unknown[0]!r} is not a document type.",
            fix=f"Use {', '.join(DocType.values)}, comma-separated.",
        )
    return wanted


def _page[T](
    request: HttpRequest, rows: Sequence[T], paging: Paging, show: Callable[[T], object]
) -> Page:
    """One page of a list already in memory (the link and mapping reports are lists)."""
    start = (paging.page - 1) * paging.page_size

    def link(page: int) -> str:
        query = request.GET.copy()
        query["page"] = str(page)
        return f"{request.path}?{query.urlencode()}"

    return Page(
        results=[show(row) for row in rows[start : start + paging.page_size]],
        count=len(rows),
        page=paging.page,
        page_size=paging.page_size,
        next=link(paging.page + 1) if start + paging.page_size < len(rows) else None,
        previous=link(paging.page - 1) if paging.page > 1 else None,
    )


# --- member links -----------------------------------------------------------------------------


def _has_transactions(member: Member) -> bool:
    return links.members_with_transactions(member.organisation).filter(pk=member.pk).exists()


def _link_shape(member: Member) -> shapes.MemberLink:
    return present.link_of(member, links.link_of(member), _has_transactions(member))


@api.get(QB + "members/", query=shapes.MemberLinkQuery, page_of=shapes.MemberLink)
def list_member_links(call: Call, query: shapes.MemberLinkQuery) -> Page:
    """Every member's link to a QuickBooks customer; unlinked members with transactions first."""
    rows = links.member_link_status(call.org)
    if query.state is not None:
        rows = [row for row in rows if row.state == query.state]
    return _page(call.request, rows, query, present.member_link)


@api.get(QB + "members/suggestions", query=shapes.SuggestionQuery, response=shapes.Suggestions)
def suggest_customers(call: Call, query: shapes.SuggestionQuery) -> shapes.Suggestions:
    """Scored QuickBooks candidates, with reasons and a verdict, for unlinked members (or one)."""
    if query.member is not None:
        members = [_member_ref(call, query.member, "member")]
    else:
        members = list(links.unlinked_members_with_transactions(call.org))
    with refusals(call.org):
        bench = bulk.load(call.org)
    found = bench.suggest(members)
    claimed = {c.linked_to for s in found.values() for c in s.candidates if c.linked_to}
    numbers = dict(
        Member.objects.filter(organisation=call.org, pk__in=claimed).values_list(
            "pk", "member_number"
        )
    )
    return shapes.Suggestions(
        results=[present.suggestion(m, found[m.pk], numbers, bench.name_of) for m in members]
    )


@api.get(QB + "customers/", query=shapes.CustomerQuery, response=shapes.CustomerHits)
def search_qb_customers(call: Call, query: shapes.CustomerQuery) -> shapes.CustomerHits:
    """Search QuickBooks customers live by DisplayName, CompanyName or email."""
    if not query.search.strip():
        raise ApiError.invalid(
            "search", "Say what to search for.", fix="Give part of a name, company or email."
        )
    with refusals(call.org):
        hits = search_customers(call.org, query.search, query.limit)
    return shapes.CustomerHits(
        results=[
            shapes.CustomerHit(
                customer_id=h.qb_id,
                display_name=h.display_name,
                company_name=h.company_name,
                email=h.email,
                linked_to=h.linked_to,
            )
            for h in hits
        ]
    )


@api.post(
    QB + "members/<str:member_number>/link",
    role=WRITE,
    body=shapes.NewLink,
    response=shapes.MemberLink,
)
def link_member(call: Call, member_number: str, body: shapes.NewLink) -> shapes.MemberLink:
    """Link the member to an existing, active QuickBooks customer that no other member has."""
    member = ledger_queries.member(call.org, number=member_number)
    with refusals(call.org, customer="customer_id"):
        mapping.link_member(call.actor, member, body.customer_id)
    return _link_shape(member)


@api.post(
    QB + "members/<str:member_number>/unlink",
    role=WRITE,
    body=shapes.Confirm,
    response=shapes.MemberLink,
)
def unlink_member(call: Call, member_number: str, body: shapes.Confirm) -> shapes.MemberLink:
    """Remove the member's link (the customer stays in QuickBooks)."""
    member = ledger_queries.member(call.org, number=member_number)
    with refusals(call.org, member="member_number"):
        mapping.unlink_member(call.actor, member)
    return _link_shape(member)


@api.post(
    QB + "members/<str:member_number>/create-customer",
    role=WRITE,
    body=shapes.Confirm,
    response=shapes.MemberLink,
    status=201,
)
def create_qb_customer(call: Call, member_number: str, body: shapes.Confirm) -> shapes.MemberLink:
    """Create a QuickBooks customer from the member and link them (a taken name gets a unique one)."""
    member = ledger_queries.member(call.org, number=member_number)
    with refusals(call.org, member="member_number"):
        mapping.create_customer_for(call.actor, member)
    return _link_shape(member)


@api.post(
    QB + "members/confirm-confident",
    role=WRITE,
    body=shapes.ConfirmConfident,
    response=shapes.BulkLinks,
)
def confirm_confident_links(call: Call, body: shapes.ConfirmConfident) -> shapes.BulkLinks:
    """Link each unlinked member whose best candidate is confident; never an ambiguous one."""
    chosen = [_member_ref(call, n, f"members[{i}]") for i, n in enumerate(body.members)]
    with refusals(call.org):
        outcome = bulk.confirm_confident(call.actor, chosen or None)
    return shapes.BulkLinks(
        linked=[_link_shape(member) for member, _ in outcome.done],
        not_confident=len(outcome.skipped),
        failed=[
            shapes.Failure(member_number=member.member_number, message=str(error))
            for member, error in outcome.failed
        ],
    )


# --- GL mappings and the QuickBooks catalog ---------------------------------------------------


def _mapping_shape(gl: GLAccount) -> shapes.GLMapping:
    row = links.GLMappingRow(
        gl,
        GLMapping.objects.filter(gl_account=gl).first(),
        gl.pk in links.gl_ids_with_transactions(gl.organisation),
    )
    return present.gl_mapping(row)


@api.get(QB + "gl-accounts/", query=shapes.GLMappingQuery, page_of=shapes.GLMapping)
def list_gl_mappings(call: Call, query: shapes.GLMappingQuery) -> Page:
    """Every GL account with its QuickBooks item or account; unmapped ones in use first."""
    rows = links.gl_mapping_status(call.org)
    if query.state is not None:
        rows = [row for row in rows if row.state == query.state]
    return _page(call.request, rows, query, present.gl_mapping)


@api.post(
    QB + "gl-accounts/<str:gl_number>/map",
    role=WRITE,
    body=shapes.NewMapping,
    response=shapes.GLMapping,
)
def map_gl_account(call: Call, gl_number: str, body: shapes.NewMapping) -> shapes.GLMapping:
    """Map the GL to a QuickBooks item (income, deferred, expense) or account (deposit, A/R)."""
    gl = ledger_queries.gl_account(call.org, number=gl_number)
    with refusals(call.org, item="item_id", account="account_id"):
        mapping.map_gl(call.actor, gl, body.item_id, body.account_id)
    return _mapping_shape(gl)


@api.post(
    QB + "gl-accounts/<str:gl_number>/unmap",
    role=WRITE,
    body=shapes.Confirm,
    response=shapes.GLMapping,
)
def unmap_gl_account(call: Call, gl_number: str, body: shapes.Confirm) -> shapes.GLMapping:
    """Remove the GL's mapping."""
    gl = ledger_queries.gl_account(call.org, number=gl_number)
    with refusals(call.org, gl_account="gl_number"):
        mapping.unmap_gl(call.actor, gl)
    return _mapping_shape(gl)


@api.post(
    QB + "gl-accounts/<str:gl_number>/create-in-quickbooks",
    role=WRITE,
    body=shapes.Confirm,
    response=shapes.GLMapping,
    status=201,
)
def create_qb_target(call: Call, gl_number: str, body: shapes.Confirm) -> shapes.GLMapping:
    """Create the GL's item (with its income account) or account in QuickBooks, and map it."""
    gl = ledger_queries.gl_account(call.org, number=gl_number)
    create = (
        mapping.create_item_for if gl.kind in mapping.ITEM_GL_KINDS else mapping.create_account_for
    )
    with refusals(call.org, gl_account="gl_number"):
        create(call.actor, gl)
    return _mapping_shape(gl)


@api.post(
    QB + "gl-accounts/<str:gl_number>/dedicated-ar",
    role=WRITE,
    body=shapes.NewDedicatedAr,
    response=shapes.DedicatedAr,
)
def dedicated_ar(call: Call, gl_number: str, body: shapes.NewDedicatedAr) -> shapes.DedicatedAr:
    """Create (or choose by name) an A/R account in QuickBooks just for MMS; map the receivable GL."""
    gl = ledger_queries.gl_account(call.org, number=gl_number)
    with refusals(call.org, gl_account="gl_number"):
        done = mapping.create_dedicated_ar(call.actor, gl, body.name)
    return shapes.DedicatedAr(mapping=_mapping_shape(gl), created=done.created)


@api.post(QB + "catalog/refresh", role=WRITE, body=shapes.Confirm, response=shapes.CatalogCounts)
def refresh_qb_catalog(call: Call, body: shapes.Confirm) -> shapes.CatalogCounts:
    """Reload the cached QuickBooks items and accounts (active and inactive)."""
    with refusals(call.org):
        counts = mapping.refresh_catalog(call.actor)
    return shapes.CatalogCounts(items=counts["items"], accounts=counts["accounts"])


@api.get(QB + "catalog/", query=shapes.CatalogQuery, page_of=shapes.CatalogEntry)
def list_qb_catalog(call: Call, query: shapes.CatalogQuery) -> Page:
    """The cached QuickBooks items and accounts, for pickers (refresh to reload)."""
    rows = list(links.catalog(call.org, query.kind))
    return _page(call.request, rows, query, present.catalog_entry)


# --- export decisions -------------------------------------------------------------------------


def _filters(call: Call, query: shapes.TransactionFilters) -> status.Filters:
    member = _member_ref(call, query.member, "member") if query.member else None
    return status.Filters(
        types=_types(query.type, "type"),
        date_from=query.date_from,
        date_to=query.date_to,
        decision=query.decision or "",
        status=query.status or "",
        member_id=member.pk if member else None,
        source=query.source or "",
    )


def _cursor(text: str | None) -> status.Cursor | None:
    if text is None:
        return None
    try:
        return status.Cursor.parse(text)
    except ValueError as exc:
        raise ApiError.invalid(
            "cursor",
            str(exc),
            fix="Follow the page's `next` link as given, or leave cursor out to start at the newest.",
        ) from exc


@api.get(QB + "transactions/", query=shapes.TransactionQuery, response=shapes.TransactionPage)
def list_transactions(call: Call, query: shapes.TransactionQuery) -> shapes.TransactionPage:
    """Transaction Status: every document with its export decision and status, newest first."""
    filters, after = _filters(call, query), _cursor(query.cursor)
    rows = status.transaction_status(call.org, filters, per_page=query.page_size + 1, after=after)
    page, more = rows[: query.page_size], len(rows) > query.page_size
    next_link = None
    if more:
        params = call.request.GET.copy()
        params["cursor"] = str(status.Cursor.of(page[-1]))
        next_link = f"{call.request.path}?{params.urlencode()}"
    return shapes.TransactionPage(
        results=[present.transaction(row) for row in page],
        page_size=query.page_size,
        next=next_link,
    )


@api.get(QB + "transactions/summary", query=shapes.TransactionFilters, response=shapes.Summary)
def transaction_summary(call: Call, query: shapes.TransactionFilters) -> shapes.Summary:
    """Counts and totals per document type and decision, with the same filters as the list."""
    return present.summary(status.summary(call.org, _filters(call, query)))


def _document_id(call: Call, ref: shapes.DocumentRef, field: str) -> int:
    """A document of the organisation by type and number (a refund: R + id)."""
    rows = status.documents(call.org, ref.type)
    if ref.type == DocType.REFUND:
        matched = REFUND_NUMBER.fullmatch(ref.number.strip())
        rows = rows.filter(pk=int(matched.group(1))) if matched else rows.none()
    else:
        rows = rows.filter(number=ref.number.strip())
    found: Any = rows.values_list("pk", flat=True).first()
    if found is None:
        raise _unknown(field, f"No {ref.type} {ref.number} in {call.org.name}.", "qb/transactions/")
    return int(found)


@api.post(QB + "transactions/mark", role=WRITE, body=shapes.Marking, response=shapes.Marked)
def mark_transactions(call: Call, body: shapes.Marking) -> shapes.Marked:
    """Mark documents go (export) or no-go (do not export), with a reason."""
    if not body.documents:
        raise ApiError.invalid(
            "documents",
            "There is nothing to mark.",
            fix='List at least one {"type": "invoice", "number": "..."}.',
        )
    refs = [
        (str(ref.type), _document_id(call, ref, f"documents[{i}].number"))
        for i, ref in enumerate(body.documents)
    ]
    with refusals(call.org, doc_id="documents"):
        count = exports.mark(call.actor, refs, body.decision == "go", body.reason)
    return shapes.Marked(count=count)


def _check_range(date_from: Any, date_to: Any) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ApiError.invalid(
            "from", f"from ({date_from}) is after to ({date_to}).", fix="Swap the two dates."
        )


@api.get(
    QB + "transactions/mass-mark",
    role=WRITE,
    query=shapes.MassMarkQuery,
    response=shapes.MassMarkPreview,
)
def preview_mass_mark(call: Call, query: shapes.MassMarkQuery) -> shapes.MassMarkPreview:
    """What a mass mark of that range and types would touch: counts and totals; changes nothing."""
    _check_range(query.date_from, query.date_to)
    types = _types(query.type, "type")
    with refusals(call.org):
        found = exports.preview_mass_mark(call.actor, query.date_from, query.date_to, types)
    return shapes.MassMarkPreview(
        count=found.count,
        total=Money(found.total),
        per_type=[
            shapes.TypeTotal(type=DocType(t), count=found.counts[t], total=Money(found.totals[t]))
            for t in found.counts
        ],
    )


@api.post(
    QB + "transactions/mass-mark",
    role=WRITE,
    body=shapes.MassMarking,
    response=shapes.Batch,
    status=201,
)
def mass_mark(call: Call, body: shapes.MassMarking) -> shapes.Batch:
    """Mark every document dated in the range as one batch (undo it with its id)."""
    _check_range(body.date_from, body.date_to)
    with refusals(call.org, type="types"):
        batch = exports.mass_mark(
            call.actor,
            body.date_from,
            body.date_to,
            [str(t) for t in body.types],
            body.decision == "go",
            body.reason,
        )
    return present.batch(batch)


@api.get(QB + "batches/", query=Paging, page_of=shapes.Batch)
def list_mark_batches(call: Call, query: Paging) -> Page:
    """Mass-mark batches (in-sync points included), newest first, undone ones too."""
    rows = list(MarkBatch.objects.filter(organisation=call.org))
    return _page(call.request, rows, query, present.batch)


@api.post(
    QB + "batches/<str:batch_id>/undo",
    role=WRITE,
    body=shapes.Confirm,
    response=shapes.Batch,
    conflicts=True,
)
def undo_mark_batch(call: Call, batch_id: str, body: shapes.Confirm) -> shapes.Batch:
    """Put back every document's decision from before the batch (the latest batch first)."""
    found = (
        MarkBatch.objects.filter(organisation=call.org, pk=int(batch_id)).first()
        if batch_id.isdigit() and len(batch_id) < 19
        else None
    )
    if found is None:
        raise NotFound(f"No mark batch {batch_id} in {call.org.name}.", field="batch_id")
    try:
        batch = exports.undo_mass_mark(call.actor, found.pk)
    except exports.ExportError as exc:
        raise ApiError(409, exc.code, exc.message, field="batch_id", fix=exc.fix) from exc
    return present.batch(batch)


# --- AR comparison and the in-sync point ------------------------------------------------------


@api.get(QB + "insync/compare", query=shapes.CompareQuery, response=shapes.ArComparison)
def compare_ar(call: Call, query: shapes.CompareQuery) -> shapes.ArComparison:
    """MMS AR beside QuickBooks AR as of a date, with per-customer differences of linked members."""
    require_connection(call.org)
    with refusals(call.org):
        found = exports.compare_ar(call.actor, query.date)
    return present.comparison(found)


@api.get(QB + "insync/", query=Paging, page_of=shapes.InSyncPoint)
def list_insync_points(call: Call, query: Paging) -> Page:
    """In-sync points set so far, newest first, with both AR figures then."""
    rows = list(InSyncPoint.objects.filter(organisation=call.org).select_related("batch"))
    return _page(call.request, rows, query, present.insync_point)


@api.post(
    QB + "insync/",
    role=ADMIN,
    body=shapes.NewInSyncPoint,
    response=shapes.InSyncPoint,
    status=201,
)
def set_insync_point(call: Call, body: shapes.NewInSyncPoint) -> shapes.InSyncPoint:
    """Set the in-sync point: before it no-go, on or after go (one undoable batch); AR recorded."""
    require_connection(call.org)
    with refusals(call.org):
        point = exports.set_insync_point(call.actor, body.date)
    return present.insync_point(point)
