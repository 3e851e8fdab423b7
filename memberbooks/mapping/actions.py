"""The mapping writes: link members to QuickBooks customers, map GL accounts, cache the catalog.

Each action checks the role and that the member or GL belongs to the actor's
organisation, asks QuickBooks what it needs *before* opening the database
transaction (so no write lock is held during network calls), then writes the
link or mapping and its audit entry in one transaction.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from memberbooks.audit.log import record
from memberbooks.connections.actions import connection_for
from memberbooks.connections.clients import client_for
from memberbooks.ledger.errors import InvalidInput, NotFound
from memberbooks.ledger.models import GLAccount, GLAccountKind, Member
from memberbooks.mapping import customer_list
from memberbooks.mapping.errors import MappingRefused, NotConnected, QuickBooksRefused
from memberbooks.mapping.models import CatalogKind, CustomerLink, GLMapping, QbCatalogEntry, QbKind
from memberbooks.quickbooks.online.client import QboClient
from memberbooks.quickbooks.online.errors import QboError
from memberbooks.quickbooks.online.wire import JsonDict
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation, Role

NAME_LIMITS = {QbKind.ONLINE: 500, QbKind.DESKTOP: 41}
ITEM_NAME_LIMIT = 100
_QB_ID = re.compile(r"[0-9A-Za-z-]{1,60}")
ITEM_GL_KINDS = (GLAccountKind.INCOME, GLAccountKind.DEFERRED, GLAccountKind.EXPENSE)
# What the account behind an item (its IncomeAccountRef) should be, per GL kind.
ITEM_ACCOUNT_TYPES = {
    GLAccountKind.INCOME: ("Income", "Other Income"),
    GLAccountKind.DEFERRED: ("Other Current Liability", "Long Term Liability"),
    GLAccountKind.EXPENSE: ("Expense", "Other Expense", "Cost of Goods Sold"),
}
NEW_ITEM_ACCOUNT_TYPE = {
    GLAccountKind.INCOME: "Income",
    GLAccountKind.DEFERRED: "Other Current Liability",
    GLAccountKind.EXPENSE: "Expense",
}
NEW_ACCOUNT_TYPE = {
    GLAccountKind.DEPOSIT: ("Bank", "Checking"),
    GLAccountKind.RECEIVABLE: ("Accounts Receivable", "AccountsReceivable"),
}


# --- QuickBooks access ---------------------------------------------------------------------


def qb_kind_of(organisation: Organisation) -> QbKind:
    """Which QuickBooks the organisation's ids belong to (only Online connects today)."""
    connection = connection_for(organisation)
    if connection is None or not connection.connected:
        raise NotConnected(
            f"{organisation.name} is not connected to QuickBooks.",
            fix=f"Connect it on the QuickBooks Config page (or memberbooks qbo connect {organisation.slug}).",
        )
    return QbKind.ONLINE


@contextmanager
def qb_client(organisation: Organisation) -> Iterator[QboClient]:
    """A client for the organisation's QuickBooks, closed after use."""
    qb_kind_of(organisation)
    connection = connection_for(organisation)
    assert connection is not None
    client = client_for(connection)
    try:
        yield client
    finally:
        client.http.close()


def _ask[T](call: Callable[[], T], field: str | None = None) -> T:
    try:
        return call()
    except QboError as error:
        raise QuickBooksRefused.of(error, field) from error


def _read(client: QboClient, entity: str, qb_id: str, field: str, what: str, fix: str) -> JsonDict:
    """One QuickBooks object by id; 610 (or a malformed id) is 'not found' with a fix."""
    qb_id = qb_id.strip()
    if not _QB_ID.fullmatch(qb_id):
        raise InvalidInput(f"{qb_id!r} is not a QuickBooks id.", field=field, fix=fix)
    try:
        return client.read(entity, qb_id)
    except QboError as error:
        if error.code in ("610", "2030") or error.status == 404:
            raise NotFound(f"No QuickBooks {what} with id {qb_id}.", field=field, fix=fix) from None
        raise QuickBooksRefused.of(error, field) from error


def _scoped(actor: Actor, row: Member | GLAccount, what: str) -> None:
    if row.organisation_id != actor.organisation.pk:
        raise NotFound(f"No {what} {row.pk} in {actor.organisation.name}.", field=what)


# --- members -------------------------------------------------------------------------------


def _link_state(link: CustomerLink | None) -> dict[str, Any]:
    if link is None:
        return {}
    return {"qb_kind": link.qb_kind, "qb_id": link.qb_id, "qb_name": link.qb_name}


def _refuse_if_linked_elsewhere(
    organisation: Organisation, kind: QbKind, qb_id: str, member: Member
) -> None:
    other = (
        CustomerLink.objects.filter(organisation=organisation, qb_kind=kind, qb_id=qb_id)
        .exclude(member=member)
        .select_related("member")
        .first()
    )
    if other is not None:
        raise MappingRefused(
            f"QuickBooks customer {qb_id} ({other.qb_name}) is already linked to member "
            f"{other.member.member_number} {other.member.display_name}.",
            field="customer",
            fix=f"Unlink it from {other.member.member_number} first, or choose another customer.",
        )


def link_member(actor: Actor, member: Member, qb_id: str) -> CustomerLink:
    """Link the member to an existing, active QuickBooks customer not linked to anyone else."""
    actor.require(Role.BOOKKEEPER)
    _scoped(actor, member, "member")
    qb_id = qb_id.strip()
    kind = qb_kind_of(actor.organisation)
    _refuse_if_linked_elsewhere(actor.organisation, kind, qb_id, member)
    with qb_client(actor.organisation) as client:
        customer = _read(
            client,
            "Customer",
            qb_id,
            "customer",
            "customer",
            "Search again, or create the customer in QuickBooks.",
        )
    name = str(customer.get("DisplayName", ""))
    if customer.get("Active") is False:
        raise MappingRefused(
            f"QuickBooks customer {qb_id} ({name}) is inactive.",
            field="customer",
            fix="Reactivate it in QuickBooks, or choose another customer.",
        )
    return _save_link(actor, member, kind, str(customer.get("Id", qb_id)), name)


def _save_link(actor: Actor, member: Member, kind: QbKind, qb_id: str, name: str) -> CustomerLink:
    try:
        with transaction.atomic():
            before = CustomerLink.objects.select_for_update().filter(member=member).first()
            state = _link_state(before)
            link, _ = CustomerLink.objects.update_or_create(
                member=member,
                defaults={
                    "organisation": actor.organisation,
                    "qb_kind": kind,
                    "qb_id": qb_id,
                    "qb_name": name,
                    "linked_by": actor.username,
                },
            )
            record(
                actor,
                "link_member",
                "member",
                member.member_number,
                before=state,
                after=_link_state(link),
            )
            return link
    except IntegrityError:
        _refuse_if_linked_elsewhere(actor.organisation, kind, qb_id, member)
        raise


def unlink_member(actor: Actor, member: Member) -> None:
    actor.require(Role.BOOKKEEPER)
    _scoped(actor, member, "member")
    with transaction.atomic():
        link = CustomerLink.objects.select_for_update().filter(member=member).first()
        if link is None:
            raise InvalidInput(
                f"Member {member.member_number} is not linked to a QuickBooks customer.",
                field="member",
                fix="Nothing to unlink.",
            )
        state = _link_state(link)
        link.delete()
        record(actor, "unlink_member", "member", member.member_number, before=state, after={})


def display_name_for(member: Member, kind: QbKind) -> str:
    """The member's name as a QuickBooks DisplayName: no ':', within the kind's length limit.

    When "Person (Company)" is too long (Desktop allows 41 characters), the
    person's name alone is used; failing that it is cut, at a word boundary
    when one is near the limit.
    """
    limit = NAME_LIMITS[kind]
    full = _clean(member.display_name)
    if len(full) <= limit:
        return full
    person = _clean(" ".join(p for p in (member.first_name, member.last_name) if p))
    return _cut(person or _clean(member.company) or member.member_number, limit)


def _clean(text: str) -> str:
    return " ".join(text.replace(":", " ").split())


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    if text[limit] != " " and " " in head and head.rfind(" ") > limit // 2:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,-(")


def unique_name_for(member: Member, kind: QbKind) -> str:
    """The proposal after a 6240: the name with the member number, e.g. 'Pat Lee (M0012)'."""
    suffix = f" ({member.member_number})"
    return _cut(display_name_for(member, kind), NAME_LIMITS[kind] - len(suffix)) + suffix


def _customer_body(member: Member, name: str) -> JsonDict:
    body: JsonDict = {"DisplayName": name}
    optional = {
        "GivenName": member.first_name[:100],
        "FamilyName": member.last_name[:100],
        "CompanyName": member.company[:100],
    }
    body.update({k: v for k, v in optional.items() if v})
    if member.email:
        body["PrimaryEmailAddr"] = {"Address": member.email}
    if member.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": member.phone}
    address = {
        "Line1": member.address,
        "City": member.city,
        "CountrySubDivisionCode": member.state,
        "PostalCode": member.postal_code,
    }
    if any(address.values()):
        body["BillAddr"] = {k: v for k, v in address.items() if v}
    return body


def create_customer_for(actor: Actor, member: Member) -> CustomerLink:
    """Create a QuickBooks customer from the member and link them.

    A DisplayName already taken (6240) is retried once with a unique proposal
    (the member number appended); a second collision is refused with a fix.
    """
    actor.require(Role.BOOKKEEPER)
    _scoped(actor, member, "member")
    kind = qb_kind_of(actor.organisation)
    existing = CustomerLink.objects.filter(member=member).first()
    if existing is not None:
        raise MappingRefused(
            f"Member {member.member_number} is already linked to QuickBooks customer "
            f"{existing.qb_id} ({existing.qb_name}).",
            field="member",
            fix="Unlink it first if it should get a new customer.",
        )
    with qb_client(actor.organisation) as client:
        created = _create_named(
            client,
            "Customer",
            lambda name: _customer_body(member, name),
            [display_name_for(member, kind), unique_name_for(member, kind)],
            field="member",
        )
    customer_list.forget(actor.organisation)
    return _save_link(actor, member, kind, str(created["Id"]), str(created["DisplayName"]))


def _create_named(
    client: QboClient,
    entity: str,
    body_for: Callable[[str], JsonDict],
    names: list[str],
    field: str,
) -> JsonDict:
    """Create with the first name; on a duplicate name (6240) try the next one once."""
    for attempt, name in enumerate(names):
        try:
            return client.create(entity, body_for(name))
        except QboError as error:
            if error.code != "6240" or attempt == len(names) - 1:
                if error.code == "6240":
                    raise MappingRefused(
                        f"QuickBooks already has a {entity.lower()} named {names[0]!r} "
                        f"and one named {name!r}.",
                        field=field,
                        fix="Link to the existing one, or rename one of them.",
                    ) from error
                raise QuickBooksRefused.of(error, field) from error
    raise AssertionError("no names to try")


# --- GL accounts ---------------------------------------------------------------------------


def _mapping_state(mapping: GLMapping | None) -> dict[str, Any]:
    if mapping is None:
        return {}
    return {
        "qb_item_id": mapping.qb_item_id,
        "qb_item_name": mapping.qb_item_name,
        "qb_account_id": mapping.qb_account_id,
        "qb_account_name": mapping.qb_account_name,
        "mismatch": mapping.mismatch,
    }


def _refuse_inactive(obj: JsonDict, what: str, qb_id: str) -> None:
    if obj.get("Active") is False:
        raise MappingRefused(
            f"QuickBooks {what} {qb_id} ({obj.get('Name', '')}) is inactive.",
            field=what,
            fix=f"Reactivate it in QuickBooks, or choose an active {what}.",
        )


def _account_fits(gl: GLAccount, account: JsonDict) -> bool:
    kind, sub = account.get("AccountType"), account.get("AccountSubType")
    if gl.kind == GLAccountKind.DEPOSIT:
        return kind == "Bank" or (kind == "Other Current Asset" and sub == "UndepositedFunds")
    return kind == "Accounts Receivable"


@dataclass(frozen=True)
class Target:
    """What a GL maps to, after the QuickBooks checks."""

    item: JsonDict | None
    account: JsonDict | None
    mismatch: str


def _check_item(client: QboClient, gl: GLAccount, item_id: str) -> Target:
    fix = f"Refresh the list (memberbooks map {gl.organisation.slug} --refresh) and pick another, or create it."
    item = _read(client, "Item", item_id, "item", "item", fix)
    _refuse_inactive(item, "item", item_id)
    mismatch = ""
    ref = item.get("IncomeAccountRef") or {}
    if ref.get("value"):
        income = _ask(lambda: client.read("Account", str(ref["value"])), "item")
        expected = ITEM_ACCOUNT_TYPES[GLAccountKind(gl.kind)]
        if income.get("AccountType") not in expected:
            mismatch = _mismatch_words(gl, item, income, expected)
    return Target(item, None, mismatch)


def _a(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _mismatch_words(
    gl: GLAccount, item: JsonDict, income: JsonDict, expected: tuple[str, ...]
) -> str:
    """Why the item does not fit, in a bookkeeper's words (kept under the field's 500 characters)."""
    text = (
        f"Item {item.get('Name')} posts to {income.get('Name')}, "
        f"{_a(str(income.get('AccountType')))} account, but GL {gl.number} {gl.name} is "
        f"{_a(gl.kind)} account ({gl.get_kind_display()}): its amounts would land in the wrong "
        f"place in QuickBooks. Pick an item that posts to {_a(' or '.join(expected))} account, "
        "or change the item's income account in QuickBooks."
    )
    return text[:500]


def _check_account(client: QboClient, gl: GLAccount, account_id: str) -> Target:
    fix = f"Refresh the list (memberbooks map {gl.organisation.slug} --refresh) and pick another, or create it."
    account = _read(client, "Account", account_id, "account", "account", fix)
    _refuse_inactive(account, "account", account_id)
    if not _account_fits(gl, account):
        wanted = (
            "a Bank or Undeposited Funds account"
            if gl.kind == GLAccountKind.DEPOSIT
            else "an Accounts Receivable account"
        )
        raise MappingRefused(
            f"QuickBooks account {account_id} ({account.get('Name')}) is a "
            f"{account.get('AccountType')} account; GL {gl.number} ({gl.get_kind_display()}) "
            f"needs {wanted}.",
            field="account",
            fix=f"Choose {wanted}.",
        )
    return Target(None, account, "")


def _target(
    client: QboClient, gl: GLAccount, item_id: str | None, account_id: str | None
) -> Target:
    if bool(item_id) == bool(account_id):
        raise InvalidInput(
            "Give exactly one of a QuickBooks item or account.",
            field="item",
            fix="--item ID or --account ID",
        )
    if gl.kind in ITEM_GL_KINDS:
        if not item_id:
            raise MappingRefused(
                f"GL {gl.number} is a {gl.get_kind_display()} account, used on invoice and "
                "credit-memo lines: it maps to a QuickBooks item.",
                field="account",
                fix="Choose an item instead (--item ID).",
            )
        return _check_item(client, gl, item_id)
    if not account_id:
        raise MappingRefused(
            f"GL {gl.number} is a {gl.get_kind_display()} account: it maps to a QuickBooks account.",
            field="item",
            fix="Choose an account instead (--account ID).",
        )
    return _check_account(client, gl, account_id)


def map_gl(
    actor: Actor,
    gl_account: GLAccount,
    item_id: str | None = None,
    account_id: str | None = None,
    note: str = "",
) -> GLMapping:
    """Map the GL to a QuickBooks item (income/deferred/expense) or account (deposit/receivable).

    An inactive target or a wrong kind is refused; an item whose income account is of
    another kind than the GL is mapped but flagged (`mismatch`), for the page to show.
    `note` goes into the audit entry beside the mismatch (e.g. what was created for it).
    """
    actor.require(Role.BOOKKEEPER)
    _scoped(actor, gl_account, "gl_account")
    kind = qb_kind_of(actor.organisation)
    with qb_client(actor.organisation) as client:
        target = _target(client, gl_account, item_id, account_id)
    item, account = target.item or {}, target.account or {}
    with transaction.atomic():
        before = GLMapping.objects.select_for_update().filter(gl_account=gl_account).first()
        state = _mapping_state(before)
        mapping, _ = GLMapping.objects.update_or_create(
            gl_account=gl_account,
            defaults={
                "organisation": actor.organisation,
                "qb_kind": kind,
                "qb_item_id": str(item.get("Id", "")),
                "qb_item_name": str(item.get("Name", "")),
                "qb_account_id": str(account.get("Id", "")),
                "qb_account_name": str(account.get("Name", "")),
                "mismatch": target.mismatch,
                "mapped_by": actor.username,
            },
        )
        record(
            actor,
            "map_gl",
            "gl_account",
            gl_account.number,
            before=state,
            after=_mapping_state(mapping),
            note=" ".join(part for part in (note, target.mismatch) if part),
        )
    return mapping


def unmap_gl(actor: Actor, gl_account: GLAccount) -> None:
    actor.require(Role.BOOKKEEPER)
    _scoped(actor, gl_account, "gl_account")
    with transaction.atomic():
        mapping = GLMapping.objects.select_for_update().filter(gl_account=gl_account).first()
        if mapping is None:
            raise InvalidInput(f"GL {gl_account.number} is not mapped.", field="gl_account")
        state = _mapping_state(mapping)
        mapping.delete()
        record(actor, "unmap_gl", "gl_account", gl_account.number, before=state, after={})


def _qb_name(text: str, limit: int) -> str:
    return _cut(_clean(text), limit)


def _find_or_create_account(
    client: QboClient, name: str, account_type: str, sub: str | None, field: str
) -> JsonDict:
    """The active account of that name and type if QuickBooks has one, else a new one."""
    found = _ask(lambda: list(client.query_all("Account", [("Name", "=", name)])), field)
    for account in found:
        if account.get("AccountType") == account_type:
            return account
    body: JsonDict = {"AccountType": account_type}
    if sub:
        body["AccountSubType"] = sub
    names = [name, _qb_name(f"{name} (memberbooks)", ITEM_NAME_LIMIT)]
    return _create_named(client, "Account", lambda n: {**body, "Name": n}, names, field)


def create_item_for(actor: Actor, gl_account: GLAccount) -> GLMapping:
    """A Service item named after the GL, posting to an account of the GL's kind, then mapped."""
    actor.require(Role.BOOKKEEPER)
    _scoped(actor, gl_account, "gl_account")
    if gl_account.kind not in ITEM_GL_KINDS:
        raise MappingRefused(
            f"GL {gl_account.number} is a {gl_account.get_kind_display()} account: it maps to an account, not an item.",
            field="gl_account",
            fix="Create an account for it instead.",
        )
    name = _qb_name(gl_account.name, ITEM_NAME_LIMIT)
    with qb_client(actor.organisation) as client:
        account = _find_or_create_account(
            client, name, NEW_ITEM_ACCOUNT_TYPE[GLAccountKind(gl_account.kind)], None, "gl_account"
        )
        ref = {"value": account["Id"], "name": account["Name"]}
        item = _create_named(
            client,
            "Item",
            lambda n: {"Name": n, "Type": "Service", "IncomeAccountRef": ref},
            [name, unique_gl_name(gl_account)],
            "gl_account",
        )
    return map_gl(actor, gl_account, item_id=str(item["Id"]))


def unique_gl_name(gl_account: GLAccount) -> str:
    suffix = f" ({gl_account.number})"
    return _qb_name(gl_account.name, ITEM_NAME_LIMIT - len(suffix)) + suffix


def create_account_for(actor: Actor, gl_account: GLAccount) -> GLMapping:
    """A Bank account for a deposit GL, an Accounts Receivable account for a receivable GL."""
    actor.require(Role.BOOKKEEPER)
    _scoped(actor, gl_account, "gl_account")
    if gl_account.kind not in NEW_ACCOUNT_TYPE:
        raise MappingRefused(
            f"GL {gl_account.number} is a {gl_account.get_kind_display()} account: it maps to an item.",
            field="gl_account",
            fix="Create an item for it instead.",
        )
    account_type, sub = NEW_ACCOUNT_TYPE[GLAccountKind(gl_account.kind)]
    name = _qb_name(gl_account.name, ITEM_NAME_LIMIT)
    with qb_client(actor.organisation) as client:
        account = _find_or_create_account(client, name, account_type, sub, "gl_account")
    return map_gl(actor, gl_account, account_id=str(account["Id"]))


DEDICATED_AR_NAME = "MMS Accounts Receivable"
AR_TYPE, AR_SUBTYPE = NEW_ACCOUNT_TYPE[GLAccountKind.RECEIVABLE]


@dataclass(frozen=True)
class DedicatedAr:
    mapping: GLMapping
    created: bool


def _ar_name(name: str) -> str:
    cleaned = _clean(name)
    fix = f"Type a name of 1 to {ITEM_NAME_LIMIT} characters, e.g. {DEDICATED_AR_NAME}."
    if not cleaned:
        raise InvalidInput("Give the new A/R account a name.", field="name", fix=fix)
    if len(cleaned) > ITEM_NAME_LIMIT:
        raise InvalidInput(
            f"{cleaned[:40]}... is {len(cleaned)} characters long.", field="name", fix=fix
        )
    return cleaned


def _existing_ar(client: QboClient, name: str) -> JsonDict | None:
    """The active A/R account of that name; refused when the name belongs to another kind."""
    found = _ask(lambda: list(client.query_all("Account", [("Name", "=", name)])), "name")
    for account in found:
        if account.get("AccountType") != AR_TYPE:
            raise MappingRefused(
                f"QuickBooks already has an account named {account.get('Name')}, "
                f"{_a(str(account.get('AccountType')))} account.",
                field="name",
                fix="Choose another name, or pick an existing Accounts Receivable account.",
            )
        return account
    return None


def _new_ar(client: QboClient, name: str) -> JsonDict:
    body: JsonDict = {"Name": name, "AccountType": AR_TYPE, "AccountSubType": AR_SUBTYPE}
    try:
        return client.create("Account", body)
    except QboError as error:
        if error.code == "6240":  # taken by an inactive account, which the query does not return
            raise MappingRefused(
                f"QuickBooks has an inactive account named {name}.",
                field="name",
                fix="Reactivate it in QuickBooks and pick it, or choose another name.",
            ) from error
        raise QuickBooksRefused.of(error, "name") from error


def create_dedicated_ar(
    actor: Actor, gl_account: GLAccount, name: str = DEDICATED_AR_NAME
) -> DedicatedAr:
    """Give MMS its own Accounts Receivable account in QuickBooks and map the receivable GL to it.

    Every MMS invoice is sent with the A/R account its receivable GL maps to, so a
    dedicated one keeps MMS's receivables apart from invoices entered in QuickBooks
    itself, and the AR comparison reads one account. An active A/R account of that
    name is reused rather than duplicated; a name taken by another kind is refused.
    """
    actor.require(Role.BOOKKEEPER)
    _scoped(actor, gl_account, "gl_account")
    if gl_account.kind != GLAccountKind.RECEIVABLE:
        raise MappingRefused(
            f"GL {gl_account.number} is a {gl_account.get_kind_display()} account; only the "
            "receivable GL maps to an A/R account.",
            field="gl_account",
            fix="Choose the receivable GL account.",
        )
    name = _ar_name(name)
    with qb_client(actor.organisation) as client:
        account = _existing_ar(client, name)
        created = account is None
        if account is None:
            account = _new_ar(client, name)
    done = "Created" if created else "Chose existing"
    note = f"{done} QuickBooks A/R account {account['Id']} ({account['Name']}) for MMS invoices."
    mapping = map_gl(actor, gl_account, account_id=str(account["Id"]), note=note)
    return DedicatedAr(mapping, created)


# --- the catalog ---------------------------------------------------------------------------


def _entry(organisation: Organisation, kind: str, row: JsonDict, now: Any) -> QbCatalogEntry:
    is_item = kind == CatalogKind.ITEM
    return QbCatalogEntry(
        organisation=organisation,
        qb_kind=QbKind.ONLINE,
        kind=kind,
        qb_id=str(row["Id"]),
        name=str(row.get("FullyQualifiedName") or row.get("Name", ""))[:500],
        type=str(row.get("Type" if is_item else "AccountType") or "")[:60],
        subtype=str(row.get("AccountSubType") or "")[:60],
        income_account_id=str((row.get("IncomeAccountRef") or {}).get("value", "")),
        active=row.get("Active", True) is not False,
        fetched_at=now,
    )


def refresh_catalog(actor: Actor) -> dict[str, int]:
    """Replace the cached items and accounts (active and inactive) with QuickBooks' current lists."""
    actor.require(Role.BOOKKEEPER)
    both = [("Active", "IN", [True, False])]
    with qb_client(actor.organisation) as client:
        items = _ask(lambda: list(client.query_all("Item", both)))
        accounts = _ask(lambda: list(client.query_all("Account", both)))
    now = timezone.now()
    entries = [_entry(actor.organisation, CatalogKind.ITEM, row, now) for row in items]
    entries += [_entry(actor.organisation, CatalogKind.ACCOUNT, row, now) for row in accounts]
    counts = {"items": len(items), "accounts": len(accounts)}
    with transaction.atomic():
        QbCatalogEntry.objects.filter(organisation=actor.organisation).delete()
        QbCatalogEntry.objects.bulk_create(entries)
        record(actor, "refresh_catalog", "organisation", actor.organisation.slug, after=counts)
    return counts
