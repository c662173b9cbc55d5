"""Plain-tuple bulk writes and reads for imports of 100,000 rows.

``Model.objects.bulk_create`` / ``bulk_update`` build a model instance per row and prepare every
value through the ORM, which costs more than the database work itself at this size. Imports pass
tuples of ready values here instead (dates as ISO text, datetimes through
:func:`db_value`); lookups and small updates stay in the ORM.

On PostgreSQL rows go in with ``COPY … FROM STDIN`` (several times faster than INSERT statements,
and no SQL text is built per row); updates are copied into a temporary table and applied with
one ``UPDATE … FROM``. On SQLite ``executemany`` runs the statement for every row inside the one
transaction, which is what SQLite is fastest at.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any

from django.db import connection, models

COPY_READ_SIZE = 1 << 20
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def db_value(value: Any) -> Any:
    """Dates as ISO text and aware datetimes as the backend stores them."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _columns(model: type[models.Model], fields: Iterable[str]) -> list[str]:
    meta = model._meta
    return [meta.get_field(name).column for name in fields]


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(map(connection.ops.quote_name, names))


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if type(value) is str:
        return value.translate(_COPY_ESCAPES)
    return str(value)  # numbers, booleans ("True" is read as true), dates, datetimes


class _CopySource:
    """A file-like object that psycopg2's ``copy_expert`` reads: the rows as COPY text lines,
    produced as they are read so the whole table never sits in memory as text."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._rows = iter(rows)
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        lines = []
        length = 0
        for row in self._rows:
            line = "\t".join(map(_copy_field, row))
            lines.append(line)
            length += len(line) + 1
            self.count += 1
            if length >= COPY_READ_SIZE:
                break
        if not lines:
            return b""
        lines.append("")
        return "\n".join(lines).encode()


def _copy(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    source = _CopySource(rows)
    # Table and column names come from model metadata (or are fixed), never from user input.
    sql = f"COPY {connection.ops.quote_name(table)} ({_quoted(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, source, size=COPY_READ_SIZE)
    return source.count


def insert_rows(model: type[models.Model], fields: list[str], rows: Iterable[tuple]) -> int:
    """INSERT ``rows`` (tuples in the order of ``fields``, values ready for the database)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0  # no statement for nothing
    rows = chain([first], rows)
    columns = _columns(model, fields)
    if connection.vendor == "postgresql":
        return _copy(model._meta.db_table, columns, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(columns))
    counted = _Counted(rows)
    with connection.cursor() as cursor:
        # Table and column names come from the model's metadata, never from user input.
        insert = f"INSERT INTO {table} ({_quoted(columns)}) VALUES ({placeholders})"  # noqa: S608
        cursor.executemany(insert, counted)
    return counted.count


def insert_with_ids(
    model: type[models.Model],
    key_field: str,
    fields: list[str],
    rows: Iterable[tuple],
    *,
    count: int,
) -> dict[Any, int]:
    """INSERT the ``count`` ``rows`` (``fields`` must start with ``key_field``, a unique field)
    and return ``{key: pk}`` of the new rows.

    ``rows`` may be a generator: PostgreSQL hands out the ids from the table's sequence first
    and copies them in with the rows as they are made, so building them overlaps the server's
    inserting; SQLite inserts, then reads the ids back by key.
    """
    if not count:
        return {}
    source = iter(rows)
    keys: list[Any] = []

    def keyed(rows: Iterable[tuple]) -> Iterator[tuple]:
        for row in rows:
            keys.append(row[0])
            yield row

    if connection.vendor == "postgresql":
        meta = model._meta
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        columns = [meta.pk.column, *_columns(model, fields)]
        copied = _copy(meta.db_table, columns, map(_prepend, ids, keyed(source)))
        if copied != count or next(source, None) is not None:
            raise ValueError(f"insert_with_ids was promised {count} rows")
        return dict(zip(keys, ids, strict=True))
    if insert_rows(model, fields, keyed(source)) != count:
        raise ValueError(f"insert_with_ids was promised {count} rows")
    return ids_by_key(model, key_field, keys)


def _prepend(first: Any, row: tuple) -> tuple:
    return (first, *row)


def update_rows(model: type[models.Model], fields: list[str], rows: list[tuple]) -> int:
    """UPDATE ``fields`` of the rows given as ``(pk, *values)`` tuples."""
    if not rows:
        return 0
    meta = model._meta
    columns = _columns(model, fields)
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Names come from model metadata; the temporary table lives until the commit.
            cursor.execute(
                f"CREATE TEMPORARY TABLE import_update ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {pk}, {_quoted(columns)} FROM {table} WITH NO DATA"
            )
            _copy("import_update", [meta.pk.column, *columns], rows)
            assignments = ", ".join(
                f"{name} = u.{name}" for name in map(connection.ops.quote_name, columns)
            )
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM import_update AS u "  # noqa: S608
                f"WHERE t.{pk} = u.{pk}"
            )
            cursor.execute("DROP TABLE import_update")
        else:
            assignments = ", ".join(
                f"{name} = %s" for name in map(connection.ops.quote_name, columns)
            )
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                ((*values, key) for key, *values in rows),
            )
    return len(rows)


class _Counted:
    """An iterable that counts what was taken from it (``executemany`` reports no row count
    for SQLite consistently)."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> Iterator[tuple]:
        for row in self._rows:
            self.count += 1
            yield row


def stream_values(queryset: models.QuerySet, *, chunk_size: int = 5000) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset without the ORM's per-value conversion, fetched
    a chunk at a time (a server-side cursor on PostgreSQL, so 100,000 rows never sit in the
    client at once).

    Values come as the driver returns them (SQLite: booleans as 0/1 and dates as text), which
    is fine for equality with Python values of the same kind and for ``None`` checks.
    """
    queryset = queryset.order_by()  # a model's default ordering may add a join and a sort
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    cursor = connection.chunked_cursor()
    try:
        if connection.vendor == "postgresql":
            cursor.cursor.itersize = chunk_size
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(chunk_size):
            yield from chunk
    finally:
        cursor.close()


def ids_by_key(model: type[models.Model], key_field: str, keys: list[str]) -> dict[str, int]:
    """``{key: pk}`` for the given keys (one scan for many keys, chunked IN lookups otherwise)."""
    result: dict[str, int] = {}
    if len(keys) > 20_000:
        wanted = set(keys)
        for key, pk in stream_values(model._default_manager.values_list(key_field, "pk")):
            if key in wanted:
                result[key] = pk
        return result
    for start in range(0, len(keys), 5000):
        chunk = model._default_manager.filter(**{f"{key_field}__in": keys[start : start + 5000]})
        result.update(stream_values(chunk.values_list(key_field, "pk")))
    return result


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def delete_rows(model: type[models.Model], ids: Iterable[int]) -> int:
    """DELETE the rows with these primary keys, a chunk at a time, without the ORM's
    collector or signals (so no history row records the deletion: an undo leaves the history
    tables as they were). The caller has checked that nothing else refers to them."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    deleted = 0
    with connection.cursor() as cursor:
        for chunk in chunks(ids, 5000):
            placeholders = ", ".join(["%s"] * len(chunk))
            # Names come from the model's metadata; the ids are parameters.
            cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({placeholders})", chunk)  # noqa: S608
            deleted += cursor.rowcount
    return deleted
