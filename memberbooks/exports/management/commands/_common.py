"""Shared parsing for the exports commands: dates, type lists and errors as CommandError."""

import datetime as dt

from django.core.management.base import CommandError

from memberbooks.exports.models import DocType
from memberbooks.tenancy.access import Actor, system_actor
from memberbooks.tenancy.models import Organisation


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option} {value!r} is not a date; use YYYY-MM-DD.") from exc


def parse_types(value: str | None) -> list[str]:
    types = [t.strip() for t in (value or "").split(",") if t.strip()]
    unknown = [t for t in types if t not in DocType.values]
    if unknown:
        raise CommandError(f"--type {unknown[0]!r} is unknown; use {', '.join(DocType.values)}.")
    return types


def actor(slug: str) -> Actor:
    try:
        return system_actor(slug)
    except Organisation.DoesNotExist as exc:
        raise CommandError(str(exc)) from exc
