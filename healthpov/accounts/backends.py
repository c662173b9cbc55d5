"""How a signed-in session's user is loaded on every request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col

from healthpov.accounts.models import User
from healthpov.places.models import Place


class UserBackend(ModelBackend):
    """Django's ModelBackend; the user's place comes in the same query as the user.

    Every signed-in page reads the place (the menu names it, the scoping starts from its
    path), so loading it apart cost every page a query (docs/architecture.md "Performance
    choices").
    """

    def get_user(self, user_id: int) -> User | None:
        user = user_with_place(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_with_place(user_id: int) -> User | None:
    """What ``User.objects.select_related("place").get(pk=user_id)`` gives (None for no such
    user), with a statement built once per database instead of on every request: building the
    ORM's query cost several times more than running it."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    statement = _statement(connection)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [User._meta.pk.get_db_prep_value(user_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for position, converters, column in statement.converters:
        for converter in converters:
            values[position] = converter(values[position], column, connection)
    split = len(statement.user_fields)
    user = User.from_db(alias, statement.user_fields, values[:split])
    place = None
    if user.place_id is not None:
        place = Place.from_db(alias, statement.place_fields, values[split:])
    User.place.field.set_cached_value(user, place)
    return user


@dataclass(frozen=True)
class _Statement:
    sql: str
    user_fields: list[str]
    place_fields: list[str]
    converters: list[tuple[int, list[Any], Col]]  # as the ORM's compiler applies them


_statements: dict[tuple[str, str], _Statement] = {}


def _statement(connection: BaseDatabaseWrapper) -> _Statement:
    key = (connection.alias, connection.vendor)
    if key not in _statements:
        _statements[key] = _build_statement(connection)
    return _statements[key]


def _build_statement(connection: BaseDatabaseWrapper) -> _Statement:
    quote = connection.ops.quote_name
    users, places = User._meta.db_table, Place._meta.db_table
    columns = [field.get_col(users) for field in User._meta.concrete_fields]
    columns += [field.get_col(places) for field in Place._meta.concrete_fields]
    selected = ", ".join(f"{quote(c.alias)}.{quote(c.target.column)}" for c in columns)
    place_id = User._meta.get_field("place").column
    sql = (
        f"SELECT {selected} FROM {quote(users)}"  # noqa: S608 (names from the models)
        f" LEFT OUTER JOIN {quote(places)}"
        f" ON ({quote(users)}.{quote(place_id)} = {quote(places)}.{quote(Place._meta.pk.column)})"
        f" WHERE {quote(users)}.{quote(User._meta.pk.column)} = %s"
    )
    converters = []
    for position, column in enumerate(columns):
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, found, column))
    return _Statement(
        sql=sql,
        user_fields=[field.attname for field in User._meta.concrete_fields],
        place_fields=[field.attname for field in Place._meta.concrete_fields],
        converters=converters,
    )
