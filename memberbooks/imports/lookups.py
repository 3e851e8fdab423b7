"""Looking up what a file refers to, a query per 900 numbers and never one per row.

Also the messages for a member, GL account or invoice that is not there, or a
GL account of the wrong kind, so every checker words them the same way.
"""

from collections.abc import Iterable, Iterator

from memberbooks.ledger.models import GLAccount, GLAccountKind, Invoice, Member, Payment
from memberbooks.tenancy.models import Organisation

CHUNK = 900  # numbers per lookup query; below SQLite's oldest limit of 999 parameters
LINE_KINDS = (GLAccountKind.INCOME, GLAccountKind.DEFERRED, GLAccountKind.EXPENSE)
DEPOSIT_KINDS = (GLAccountKind.DEPOSIT,)
KIND_WORDS = {
    GLAccountKind.INCOME: "income",
    GLAccountKind.RECEIVABLE: "accounts receivable",
    GLAccountKind.DEPOSIT: "deposit (cash)",
    GLAccountKind.DEFERRED: "deferred revenue",
    GLAccountKind.EXPENSE: "expense",
}


def _a(words: str) -> str:
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def chunks[T](values: Iterable[T], size: int | None = None) -> Iterator[list[T]]:
    """`values` in lists of `size` (default CHUNK)."""
    size = size or CHUNK
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def members_by_number(organisation: Organisation, numbers: Iterable[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for batch in chunks(sorted(set(numbers))):
        query = Member.objects.filter(organisation=organisation, member_number__in=batch)
        found.update((m.member_number, m) for m in query.only("organisation_id", "member_number"))
    return found


def accounts_by_number(organisation: Organisation) -> dict[str, GLAccount]:
    return {a.number: a for a in GLAccount.objects.filter(organisation=organisation)}


def taken_numbers(
    model: type[Invoice] | type[Payment], organisation: Organisation, numbers: Iterable[str]
) -> set[str]:
    taken: set[str] = set()
    for batch in chunks(sorted(set(numbers))):
        taken.update(
            model.objects.filter(organisation=organisation, number__in=batch).values_list(
                "number", flat=True
            )
        )
    return taken


def check_account(
    accounts: dict[str, GLAccount],
    number: str,
    kinds: tuple[GLAccountKind, ...],
    use: str,
    organisation: Organisation,
) -> str | None:
    """Why `number` cannot be used as `use`, or None."""
    account = accounts.get(number)
    if account is None:
        return f"There is no GL account {number} in {organisation.name}; import the GL accounts first, or fix the number."
    if account.kind not in kinds:
        wanted = ", ".join(KIND_WORDS[k] for k in kinds)
        wanted = " or ".join(wanted.rsplit(", ", 1))
        return (
            f"GL account {number} ({account.name}) is {_a(KIND_WORDS[GLAccountKind(account.kind)])} account; "
            f"{use} needs {_a(wanted)} account."
        )
    if not account.active:
        return f"GL account {number} ({account.name}) is inactive."
    return None


def unknown_invoice(number: str, organisation: Organisation) -> str:
    return f"There is no invoice {number} in {organisation.name}; import the invoices first, or fix the number."


def unknown_member(number: str, organisation: Organisation) -> str:
    return f"There is no member {number} in {organisation.name}; import the members first, or fix the number."
