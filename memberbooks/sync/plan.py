"""Stage 1, the check: what a sync would send, in dependency order, and what is wrong.

`check(actor)` reads the candidates (documents.py), asks QuickBooks what it must
(facts.py), validates every item and returns a `Plan`: the items that can go,
the errors grouped by cause (each with the page that fixes it), and the items
held because something they depend on has an error. Nothing is written.

Order: customers, then invoices and credit memos, then payments (their
invoices must be in QuickBooks first), then refunds (a cheque against A/R, then the
refunded credit linked to it), then corrections (voids and updates of documents
already exported).
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from memberbooks.exports.models import DocType
from memberbooks.ledger.models import GLAccount, GLAccountKind
from memberbooks.ledger.money import ZERO
from memberbooks.mapping.models import CustomerLink, GLMapping
from memberbooks.sync.documents import Doc
from memberbooks.sync.facts import QuickBooksFacts
from memberbooks.sync.models import SyncSettings
from memberbooks.tenancy.models import Organisation

ENTITY: dict[str, str] = {
    DocType.INVOICE: "Invoice",
    DocType.CREDIT_MEMO: "CreditMemo",
    DocType.PAYMENT: "Payment",
    DocType.REFUND: "Purchase",  # a cheque to the customer against A/R (see docs.md)
}
KINDS = ["customer", "invoice", "credit_memo", "payment", "application", "refund", "void", "update"]
MAX_DOC_NUMBER = 21


@dataclass(frozen=True)
class Problem:
    """Why an item cannot go, in the bookkeeper's words, with the page that fixes it."""

    transaction: str
    doc_type: str
    doc_id: int
    code: str
    message: str
    fix: str
    fix_page: str = ""
    fix_args: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "transaction": self.transaction,
            "type": self.doc_type,
            "id": self.doc_id,
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "fix_page": self.fix_page,
        }


@dataclass
class Item:
    """One write the push would make."""

    kind: str
    operation: str  # create, void, update, adopt (already in QuickBooks: confirm only)
    doc: Doc
    depends_on: list[tuple[str, int]] = field(default_factory=list)
    qb_id: str = ""

    @property
    def amount(self) -> Decimal:
        if self.kind == "application":
            return sum((amount for _, amount in self.doc.applied_to), ZERO)
        return ZERO if self.kind in ("void", "update") else self.doc.amount

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "operation": self.operation,
            "transaction": self.doc.label,
            "type": self.doc.doc_type,
            "id": self.doc.doc_id,
            "date": self.doc.date.isoformat(),
            "member": self.doc.member_number,
            "amount": str(self.doc.amount),
            "qb_id": self.qb_id or None,
        }


@dataclass
class Plan:
    """The check's answer. `items` can go; `errors` and `held` cannot, and say why."""

    items: list[Item] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    held: list[Problem] = field(default_factory=list)
    review: list[Item] = field(default_factory=list)
    undecided: int = 0
    insync_date: dt.date | None = None

    @property
    def by_kind(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for item in self.items:
            cell = result.setdefault(item.kind, {"count": 0, "total": ZERO})
            cell["count"] += 1
            cell["total"] += item.amount
        return {kind: result[kind] for kind in KINDS if kind in result}

    @property
    def errors_by_code(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = {}
        for problem in self.errors:
            grouped.setdefault(problem.code, []).append(problem)
        return grouped

    def as_json(self) -> dict[str, Any]:
        return {
            "items": len(self.items),
            "by_kind": {
                kind: {"count": cell["count"], "total": str(cell["total"])}
                for kind, cell in self.by_kind.items()
            },
            "errors": [p.as_json() for p in self.errors],
            "error_counts": dict(Counter(p.code for p in self.errors)),
            "held": [p.as_json() for p in self.held],
            "review": [item.as_json() for item in self.review],
            "undecided": self.undecided,
            "insync_date": self.insync_date.isoformat() if self.insync_date else None,
        }


def settings_of(organisation: Organisation) -> SyncSettings:
    found = SyncSettings.objects.filter(organisation=organisation).first()
    return found or SyncSettings(organisation=organisation)


@dataclass
class Context:
    """What every rule may consult, loaded once."""

    organisation: Organisation
    settings: SyncSettings
    facts: QuickBooksFacts
    links: dict[int, str]
    mappings: dict[int, GLMapping]
    gl_names: dict[int, str]
    outside: dict[tuple[str, int], str]


def load_links(organisation: Organisation) -> dict[int, str]:
    rows = CustomerLink.objects.filter(organisation=organisation)
    return dict(rows.values_list("member_id", "qb_id"))


def load_mappings(organisation: Organisation) -> dict[int, GLMapping]:
    return {m.gl_account_id: m for m in GLMapping.objects.filter(organisation=organisation)}


def gl_names(organisation: Organisation) -> dict[int, str]:
    rows = GLAccount.objects.filter(organisation=organisation)
    return {pk: f"{number} {name}" for pk, number, name in rows.values_list("pk", "number", "name")}


def receivable_gl(organisation: Organisation) -> GLAccount | None:
    return GLAccount.objects.filter(
        organisation=organisation, kind=GLAccountKind.RECEIVABLE, active=True
    ).first()
