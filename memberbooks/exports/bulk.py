"""`set_fields`: write a few fields of many rows in one `executemany`.

Django's `bulk_update` builds one `CASE WHEN` per field with a `Q` per row; for the
sync's per-batch outcome writes (30 rows, 4-5 fields) that expression building is
most of the time the writing thread spends per batch. A plain parameterised
UPDATE per row, sent with `executemany`, writes the same values.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Field, Model


def set_fields(model: type[Model], rows: Sequence[Model], fields: Sequence[str]) -> None:
    """UPDATE each row's `fields` (plain columns) to the values on the instance."""
    if not rows:
        return
    meta = model._meta
    columns: list[Field[object, object]] = []
    for name in fields:
        found = meta.get_field(name)
        assert isinstance(found, Field) and found.column, f"{name} is not a column"
        columns.append(found)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(column.column))} = %s" for column in columns)
    assert meta.pk is not None and meta.pk.column
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608  (names from the model, quoted)
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
