"""Edit General Ledger Accounts: map each MMS GL account to a QuickBooks item or account, from the cached catalog.

The page lists every GL (unmapped ones with transactions first) with a picker of
the right kind from the cached QuickBooks catalog, "Create in QuickBooks", and the
dedicated A/R account card. Every write goes through the mapping actions, which ask
QuickBooks, check kinds and write the audit entry; a refusal is shown on the GL's
row with its fix and nothing is changed. Viewers get the list without forms.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from memberbooks.connections.actions import connection_for
from memberbooks.ledger import queries as ledger_queries
from memberbooks.ledger.errors import InvalidInput, LedgerError
from memberbooks.ledger.models import GLAccount, GLAccountKind
from memberbooks.mapping import actions, queries
from memberbooks.mapping.models import CatalogKind, GLMapping, QbCatalogEntry
from memberbooks.tenancy.models import Organisation, Role
from memberbooks.web.access import org_page
from memberbooks.web.csv_export import Cell, csv_response
from memberbooks.web.forms import ledger_error_text
from memberbooks.web.views.common import actor, or_404, page

SECTION = "quickbooks"
QB_DEFAULT_AR = "Accounts Receivable (A/R)"  # the A/R account every QuickBooks company starts with
WHAT_IT_PICKS = {
    GLAccountKind.INCOME: "item",
    GLAccountKind.DEFERRED: "item",
    GLAccountKind.EXPENSE: "item",
    GLAccountKind.DEPOSIT: "bank or Undeposited Funds account",
    GLAccountKind.RECEIVABLE: "Accounts Receivable account",
}


@dataclass
class Row:
    """One GL on the page: its mapping state, the picker's choices and any refusal to show."""

    gl: GLAccount
    mapping: GLMapping | None
    has_transactions: bool
    state: str
    choices: list[tuple[str, str]]
    error: str = ""
    ar_error: str = ""
    ar_name: str = actions.DEDICATED_AR_NAME

    @property
    def needs_mapping(self) -> bool:
        return self.mapping is None and self.has_transactions

    @property
    def picks(self) -> str:
        return WHAT_IT_PICKS[GLAccountKind(self.gl.kind)]

    @property
    def target_id(self) -> str:
        m = self.mapping
        return (m.qb_item_id or m.qb_account_id) if m else ""

    @property
    def target_name(self) -> str:
        m = self.mapping
        return (m.qb_item_name or m.qb_account_name) if m else ""


@dataclass
class Refusals:
    """Refusals by where they show: a GL's row, the A/R card, or the top of the page."""

    rows: dict[int, str] = field(default_factory=dict)
    ar: dict[int, str] = field(default_factory=dict)
    ar_names: dict[int, str] = field(default_factory=dict)  # the A/R name typed, shown again
    page: str = ""


def _item_label(item: QbCatalogEntry, accounts: dict[str, QbCatalogEntry], gl_kind: str) -> str:
    """`Annual Membership (posts to Membership Dues)`, with a warning when that account does not fit."""
    account = accounts.get(item.income_account_id)
    if account is None:
        return item.name
    label = f"{item.name} (posts to {account.name})"
    expected = actions.ITEM_ACCOUNT_TYPES[GLAccountKind(gl_kind)]
    if account.type not in expected:
        label += f" - {account.type} account, would be flagged"
    return label


def _choices(
    organisation: Organisation, gl_kind: str, accounts: dict[str, QbCatalogEntry]
) -> list[tuple[str, str]]:
    entries = queries.picker_entries(organisation, gl_kind)
    if gl_kind in actions.ITEM_GL_KINDS:
        return [(e.qb_id, _item_label(e, accounts, gl_kind)) for e in entries]
    return [(e.qb_id, e.name) for e in entries]


def _rows(organisation: Organisation, refusals: Refusals) -> list[Row]:
    accounts = {entry.qb_id: entry for entry in queries.catalog(organisation, CatalogKind.ACCOUNT)}
    by_kind: dict[str, list[tuple[str, str]]] = {}
    rows = []
    for status in queries.gl_mapping_status(organisation):
        gl = status.gl_account
        if gl.kind not in by_kind:
            by_kind[gl.kind] = _choices(organisation, gl.kind, accounts)
        choices = list(by_kind[gl.kind])
        row = Row(gl, status.mapping, status.has_transactions, status.state, choices)
        if row.target_id and row.target_id not in dict(choices):
            # The mapped target is no longer in the list (inactive, or not cached): keep it shown.
            row.choices.insert(0, (row.target_id, f"{row.target_name} (current)"))
        row.error = refusals.rows.get(gl.pk, "")
        row.ar_error = refusals.ar.get(gl.pk, "")
        row.ar_name = refusals.ar_names.get(gl.pk, row.ar_name)
        rows.append(row)
    return rows


def _context(request: HttpRequest, refusals: Refusals) -> dict[str, Any]:
    organisation = actor(request).organisation
    rows = _rows(organisation, refusals)
    connection = connection_for(organisation)
    return {
        "rows": rows,
        "to_map": sum(1 for row in rows if row.needs_mapping),
        "mismatches": sum(1 for row in rows if row.state == "mismatch"),
        "receivables": [row for row in rows if row.gl.kind == GLAccountKind.RECEIVABLE],
        "connected": bool(connection and connection.connected),
        "refreshed_at": queries.catalog_refreshed_at(organisation),
        "catalog_counts": {
            "items": queries.catalog(organisation, CatalogKind.ITEM).count(),
            "accounts": queries.catalog(organisation, CatalogKind.ACCOUNT).count(),
        },
        "page_error": refusals.page,
        "dedicated_ar_name": actions.DEDICATED_AR_NAME,
        "qb_default_ar": QB_DEFAULT_AR,
    }


@org_page()
@require_GET
def index(request: HttpRequest, org: str) -> HttpResponse:
    """Every GL with its mapping; the forms only for bookkeepers and admins."""
    return page(request, "qb/gl.html", SECTION, _context(request, Refusals()))


def _back(org: str, gl: GLAccount | None = None, anchor: str = "") -> HttpResponse:
    url = reverse("qb-gl", kwargs={"org": org})
    target = anchor or (f"gl-{gl.number}" if gl else "")
    return redirect(f"{url}#{target}" if target else url)


def _write(
    request: HttpRequest,
    org: str,
    gl: GLAccount | None,
    call: Callable[[], str],
    refusal: Callable[[str], Refusals],
    anchor: str = "",
) -> HttpResponse:
    """Run one mapping action: a flash message and back to the list, or the page with the refusal.

    The action checks everything before writing, so a refusal means nothing changed.
    """
    try:
        done = call()
    except LedgerError as error:
        text = ledger_error_text(error)
        messages.error(request, f"Nothing was changed. {text}")
        context = _context(request, refusal(text))
        return page(request, "qb/gl.html", SECTION, context, status=400)
    messages.success(request, done)
    return _back(org, gl, anchor)


def _gl(request: HttpRequest, pk: int) -> GLAccount:
    return or_404(ledger_queries.gl_account, actor(request).organisation, pk=pk)


def _mapped_text(mapping: GLMapping) -> str:
    target = mapping.qb_item_name or mapping.qb_account_name
    text = f"GL {mapping.gl_account.number} now maps to {target}."
    return f"{text} Check it: {mapping.mismatch}" if mapping.mismatch else text


@org_page(Role.BOOKKEEPER)
@require_POST
def map_one(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    """Map the GL to the picked item or account; `from=ar` shows a refusal on the A/R card."""
    gl = _gl(request, pk)
    qb_id = request.POST.get("qb_id", "").strip()
    on_card = request.POST.get("from") == "ar"

    def refusal(text: str) -> Refusals:
        return Refusals(ar={gl.pk: text}) if on_card else Refusals(rows={gl.pk: text})

    def call() -> str:
        if not qb_id:
            raise InvalidInput(
                f"No QuickBooks {WHAT_IT_PICKS[GLAccountKind(gl.kind)]} was chosen for GL {gl.number}.",
                field="qb_id",
                fix="Pick one from the list (refresh it from QuickBooks if it is empty), or create one.",
            )
        if gl.kind in actions.ITEM_GL_KINDS:
            return _mapped_text(actions.map_gl(actor(request), gl, item_id=qb_id))
        return _mapped_text(actions.map_gl(actor(request), gl, account_id=qb_id))

    return _write(request, org, gl, call, refusal, "gl-ar" if on_card else "")


@org_page(Role.BOOKKEEPER)
@require_POST
def unmap_one(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    gl = _gl(request, pk)

    def call() -> str:
        actions.unmap_gl(actor(request), gl)
        return f"GL {gl.number} is no longer mapped."

    return _write(request, org, gl, call, lambda text: Refusals(rows={gl.pk: text}))


@org_page(Role.BOOKKEEPER)
@require_POST
def create_one(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    """A new item (with its income account) for an income-like GL, or a new account, then mapped."""
    gl = _gl(request, pk)

    def call() -> str:
        if gl.kind in actions.ITEM_GL_KINDS:
            mapping = actions.create_item_for(actor(request), gl)
            what = "item"
        else:
            mapping = actions.create_account_for(actor(request), gl)
            what = "account"
        target = mapping.qb_item_name or mapping.qb_account_name
        return f"Created QuickBooks {what} {target} and mapped GL {gl.number} to it."

    return _write(request, org, gl, call, lambda text: Refusals(rows={gl.pk: text}))


@org_page(Role.BOOKKEEPER)
@require_POST
def dedicated_ar(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    """Create (or reuse) a dedicated A/R account of the typed name and map the receivable GL to it."""
    gl = _gl(request, pk)
    name = request.POST.get("name", "")

    def call() -> str:
        result = actions.create_dedicated_ar(actor(request), gl, name)
        target = result.mapping.qb_account_name
        done = "Created" if result.created else "Found"
        return (
            f"{done} the A/R account {target} in QuickBooks and mapped GL {gl.number} to it: "
            "every MMS invoice will post to it."
        )

    def refusal(text: str) -> Refusals:
        return Refusals(ar={gl.pk: text}, ar_names={gl.pk: name})

    return _write(request, org, gl, call, refusal, "gl-ar")


@org_page(Role.BOOKKEEPER)
@require_POST
def refresh(request: HttpRequest, org: str) -> HttpResponse:
    def call() -> str:
        counts = actions.refresh_catalog(actor(request))
        return f"Read {counts['items']} items and {counts['accounts']} accounts from QuickBooks."

    return _write(request, org, None, call, lambda text: Refusals(page=text), "gl-catalog")


CSV_HEADER = (
    "gl_number",
    "gl_name",
    "gl_kind",
    "has_transactions",
    "state",
    "qb_item_id",
    "qb_item_name",
    "qb_account_id",
    "qb_account_name",
    "mismatch",
)


def csv_rows(organisation: Organisation) -> Iterator[tuple[Cell, ...]]:
    """The list as the page orders it, one GL a row."""
    for row in queries.gl_mapping_status(organisation):
        data = row.as_json()
        yield tuple(data[name] for name in CSV_HEADER)


@org_page()
@require_GET
def mapping_csv(request: HttpRequest, org: str) -> StreamingHttpResponse:
    return csv_response(f"gl-mapping-{org}.csv", CSV_HEADER, csv_rows(actor(request).organisation))


urlpatterns: list[URLPattern] = [
    path("", index, name="qb-gl"),
    path("mapping.csv", mapping_csv, name="qb-gl-csv"),
    path("refresh/", refresh, name="qb-gl-refresh"),
    path("<int:pk>/map/", map_one, name="qb-gl-map"),
    path("<int:pk>/unmap/", unmap_one, name="qb-gl-unmap"),
    path("<int:pk>/create/", create_one, name="qb-gl-create"),
    path("<int:pk>/dedicated-ar/", dedicated_ar, name="qb-gl-ar"),
]
