"""The check's rules: each looks at one candidate document and names what is wrong.

A rule returns Problems in the bookkeeper's words, each with the fix and the
page that fixes it (a URL name the pages turn into a link). Rules read only the
`Context` loaded once per check, so a check of 100,000 documents stays a few
dictionary lookups per document.
"""

from memberbooks.exports.models import DocType
from memberbooks.sync.documents import Doc
from memberbooks.sync.facts import TakenNumber
from memberbooks.sync.plan import ENTITY, MAX_DOC_NUMBER, Context, Problem


def problem(doc: Doc, code: str, message: str, fix: str, page: str = "", **args: str) -> Problem:
    return Problem(doc.label, doc.doc_type, doc.doc_id, code, message, fix, page, args)


def customer_problems(doc: Doc, ctx: Context) -> list[Problem]:
    """The member must be linked to an active QuickBooks customer (or one will be created)."""
    qb_id = ctx.links.get(doc.member_id)
    if qb_id is None:
        if ctx.settings.create_customers:
            return []
        return [
            problem(
                doc,
                "member_not_linked",
                f"Member {doc.member_number} is not linked to a QuickBooks customer.",
                f"Link member {doc.member_number} on Member Status, or let the sync create "
                "customers (QuickBooks Config).",
                "qb-members",
                member=doc.member_number,
            )
        ]
    if qb_id not in ctx.facts.active_customers:
        return [
            problem(
                doc,
                "customer_inactive",
                f"Member {doc.member_number}'s QuickBooks customer (id {qb_id}) is inactive "
                "or was deleted.",
                "Make the customer active again in QuickBooks, or link the member to another "
                "customer on Member Status.",
                "qb-members",
                member=doc.member_number,
            )
        ]
    return []


def _unmapped(doc: Doc, ctx: Context, gl_id: int, needs: str) -> Problem:
    name = ctx.gl_names.get(gl_id, str(gl_id))
    return problem(
        doc,
        "gl_not_mapped",
        f"GL account {name} is not mapped to a QuickBooks {needs}.",
        f"Map GL account {name} on Edit General Ledger Accounts.",
        "qb-gl",
        gl=name.split(" ")[0],
    )


def account_problems(doc: Doc, ctx: Context) -> list[Problem]:
    """Lines need an item; payments and refunds need a bank or Undeposited Funds account."""
    if doc.doc_type in (DocType.INVOICE, DocType.CREDIT_MEMO):
        return [
            _unmapped(doc, ctx, gl_id, "item")
            for gl_id in sorted(doc.gl_ids)
            if not getattr(ctx.mappings.get(gl_id), "qb_item_id", "")
        ]
    if doc.deposit_gl is not None and not getattr(
        ctx.mappings.get(doc.deposit_gl), "qb_account_id", ""
    ):
        return [_unmapped(doc, ctx, doc.deposit_gl, "account")]
    return []


def date_problems(doc: Doc, ctx: Context) -> list[Problem]:
    """QuickBooks refuses documents on or before its closing date (fault 6210)."""
    closed = ctx.facts.book_close_date
    if closed is None or doc.date > closed:
        return []
    return [
        problem(
            doc,
            "books_closed",
            f"It is dated {doc.date}, on or before QuickBooks' closing date {closed}.",
            "Mark it do-not-export on Transaction Status if it is already in QuickBooks, "
            "or ask your accountant to move the closing date.",
            "qb-transactions",
        )
    ]


def amount_problems(doc: Doc, ctx: Context) -> list[Problem]:
    """The lines must add up to the total, and a source cannot apply more than it has."""
    if doc.doc_type in (DocType.INVOICE, DocType.CREDIT_MEMO) and doc.lines_total != doc.amount:
        return [
            problem(
                doc,
                "amounts_disagree",
                f"Its lines add up to {doc.lines_total}, not its total {doc.amount}.",
                "Void it and post it again; tell support, this should not happen.",
            )
        ]
    applied = sum((amount for _, amount in doc.applied_to), doc.amount * 0)
    if applied > doc.amount and doc.doc_type == DocType.PAYMENT:
        return [
            problem(
                doc,
                "amounts_disagree",
                f"It applies {applied} but is for {doc.amount}.",
                "Take the extra applications off the payment.",
            )
        ]
    return []


def number_problems(doc: Doc, taken: TakenNumber | None, org_slug: str) -> list[Problem]:
    """The document number must fit QuickBooks and belong to no other document there."""
    if len(doc.number) > MAX_DOC_NUMBER:
        return [
            problem(
                doc,
                "doc_number_too_long",
                f"Its number {doc.number} is longer than QuickBooks' {MAX_DOC_NUMBER} characters.",
                "Mark it do-not-export and enter it in QuickBooks by hand with a shorter number.",
                "qb-transactions",
            )
        ]
    if taken is None or taken.mine == (org_slug, doc.doc_type, doc.doc_id):
        return []
    entity = ENTITY[doc.doc_type]
    return [
        problem(
            doc,
            "doc_number_taken",
            f"QuickBooks already has a {entity} numbered {doc.number} (id {taken.qb_id}) "
            "that memberbooks did not send.",
            "If it is this same transaction entered by hand, mark this one do-not-export; "
            "otherwise renumber the one in QuickBooks.",
            "qb-transactions",
        )
    ]
