"""Checksums of the registry's tables, to prove an undo puts every row back exactly."""

from __future__ import annotations

import hashlib

from django.db import connection

from healthpov.places.models import Place
from households.models import Household, Person, RosterEntry, StatusChange

REGISTRY_MODELS = (
    Place,
    Household,
    Household.history.model,
    Person,
    Person.history.model,
    RosterEntry,
    StatusChange,
)


def registry_checksums() -> dict[str, str]:
    """``{table: "rows:sha256"}`` of every column of every row of the registry's tables (and
    their simple-history tables), rows in primary-key order, each value as the text the
    database holds (cast, so a driver's conversion cannot hide a difference in storage)."""
    quote = connection.ops.quote_name
    sums = {}
    with connection.cursor() as cursor:
        for model in REGISTRY_MODELS:
            table, pk = model._meta.db_table, model._meta.pk.column
            columns = [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            values = ", ".join(f"CAST({quote(column)} AS TEXT)" for column in columns)
            # Names come from model metadata and the database's own description.
            cursor.execute(f"SELECT {values} FROM {quote(table)} ORDER BY {quote(pk)}")
            digest = hashlib.sha256()
            rows = cursor.fetchall()
            for row in rows:
                digest.update(repr(row).encode())
            sums[table] = f"{len(rows)}:{digest.hexdigest()}"
    return sums
