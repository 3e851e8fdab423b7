"""Document numbers: keep the ones given, hand out the next free one otherwise."""

from django.db import models

from memberbooks.ledger.errors import InvalidInput
from memberbooks.ledger.models import NumberSequence
from memberbooks.tenancy.models import Organisation

PREFIXES = {"invoice": "INV-", "payment": "PMT-", "credit_memo": "CM-"}


def assign(
    organisation: Organisation, kind: str, requested: list[str], model: type[models.Model]
) -> list[str]:
    """Return one number per request: the requested one, or the next free `PREFIX-000123`.

    Requested numbers must be new and distinct. Generated numbers come from a
    locked per-organisation sequence, skipping any taken by an import.
    """
    given = [number for number in requested if number]
    duplicates = {number for number in given if given.count(number) > 1}
    if duplicates:
        raise InvalidInput(
            f"Number {sorted(duplicates)[0]} is used twice.",
            field="number",
            fix="Number each document once.",
        )
    taken = set(
        model._default_manager.filter(organisation=organisation, number__in=given).values_list(
            "number", flat=True
        )
    )
    if taken:
        raise InvalidInput(
            f"Number {sorted(taken)[0]} is already used.",
            field="number",
            fix="Use a new number, or leave it blank.",
        )
    missing = sum(1 for number in requested if not number)
    if not missing:
        return requested
    fresh = iter(_next_free(organisation, kind, missing, model))
    return [number or next(fresh) for number in requested]


def _next_free(
    organisation: Organisation, kind: str, count: int, model: type[models.Model]
) -> list[str]:
    NumberSequence.objects.get_or_create(organisation=organisation, kind=kind)
    sequence = NumberSequence.objects.select_for_update().get(organisation=organisation, kind=kind)
    prefix, value = PREFIXES[kind], sequence.next_value
    numbers: list[str] = []
    while len(numbers) < count:
        batch = [f"{prefix}{v:06d}" for v in range(value, value + count - len(numbers))]
        value += len(batch)
        taken = set(
            model._default_manager.filter(organisation=organisation, number__in=batch).values_list(
                "number", flat=True
            )
        )
        numbers.extend(number for number in batch if number not in taken)
    sequence.next_value = value
    sequence.save(update_fields=["next_value"])
    return numbers
