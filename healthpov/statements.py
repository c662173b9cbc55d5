"""Querysets whose SQL is built once per process, database and shape, then run with new values.

A page that shows one household runs a dozen small queries; building each one's SQL (the ORM's
filters, joins, columns and ordering) cost the web process several times more than the
database spent answering it (docs/architecture.md "Performance choices"). ``cached_rows``
gives what ``list(build(**arguments))`` gives, model instances with their ``select_related``
rows and annotations, but builds and compiles the queryset only the first time a name is
asked with arguments of that shape; later calls put the new values in the same statement.

How: the first call builds the queryset with stand-in values (sentinels) in place of the
arguments, compiles it, and notes where each stand-in landed among the statement's
parameters. Only the SQL text and the positions are kept, never a row or an argument's value,
so nothing of any user or person outlives the call. ``build`` must be a plain function of its
arguments (same arguments, same query), use each argument as a value compared in the query
(not computed on: pass the dates of a year, not the year) or not at all (checked: the query
built with other stand-ins must be the same statement), and return model instances without
``prefetch_related`` (or a flat ``values_list``); arguments are whole numbers, dates or lists
of them (a list's length is part of the shape).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models.query import FlatValuesListIterable, ModelIterable, get_related_populators

M = TypeVar("M", bound=models.Model)

# Stand-ins: numbers that fit every integer column (a positive small integer as well) and
# dates no record has; a statement with a literal equal to one of them is refused.
_FIRST_NUMBER = 31_000
_FIRST_DATE = datetime.date(1, 1, 1)
_LONGEST_LIST = 500  # longer lists are run through the ORM as usual


@dataclass(frozen=True)
class _Slot:
    position: int
    argument: str
    index: int | None  # the item of a list argument
    as_text: bool  # the backend takes the value as text (dates on SQLite)


@dataclass(frozen=True)
class _Statement:
    sql: str | None  # None: the query can match no row (the ORM would not run it)
    params: tuple[Any, ...]
    slots: tuple[_Slot, ...]
    model: type[models.Model] | None  # None: a flat ``values_list`` (the first column)
    init_list: list[str]
    model_columns: slice
    populators: list[Any]
    annotations: dict[str, int]
    converters: list[tuple[int, list[Any], Any]]
    col_count: int | None  # rows carry extra columns (for the ordering) beyond this


_statements: dict[tuple, _Statement] = {}


def cached_rows(
    name: str, model: type[M], build: Callable[..., models.QuerySet[M]], **arguments: Any
) -> list[M]:
    """``list(build(**arguments))`` with the statement built once per ``name``, database and
    shape of the arguments; ``model`` is the queryset's model (it names the database)."""
    shape = tuple(_shape(key, value) for key, value in sorted(arguments.items()))
    if any(length is not None and length > _LONGEST_LIST for _key, length, _date in shape):
        return list(build(**arguments))
    alias = router.db_for_read(model)
    key = (name, alias, connections[alias].vendor, shape)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = _compile(alias, build, shape)
    return _run(statement, alias, arguments)


def padded(values: list[Any]) -> list[Any]:
    """``values`` for an ``__in`` test, lengthened by repeating the last one (the same test) to
    the next power of two up to 64 and the next multiple of 64 above: a list's length is part
    of the statement's shape, so the statements kept stay few (a township's places, say)."""
    if not values:
        return values
    length = len(values)
    target = 1 << (length - 1).bit_length() if length <= 64 else -(-length // 64) * 64
    return [*values, *[values[-1]] * (target - length)]


def _shape(key: str, value: Any) -> tuple[str, int | None, bool]:
    """The argument's name, its length when a list, and whether it holds dates."""
    if isinstance(value, list | tuple):
        return key, len(value), bool(value) and isinstance(value[0], datetime.date)
    return key, None, isinstance(value, datetime.date)


def _stand_ins(shape: tuple, number: int = 0) -> dict[str, Any]:
    """Stand-ins for every argument of ``shape``, counted from ``number``."""
    values: dict[str, Any] = {}
    for key, length, is_date in shape:
        items: list[Any] = []
        for _ in range(1 if length is None else length):
            items.append(
                _FIRST_DATE + datetime.timedelta(days=number) if is_date else _FIRST_NUMBER + number
            )
            number += 1
        values[key] = items[0] if length is None else items
    return values


def _compile(alias: str, build: Callable[..., models.QuerySet], shape: tuple) -> _Statement:
    arguments = _stand_ins(shape)
    queryset = build(**arguments)
    flat = queryset._iterable_class is FlatValuesListIterable
    if (
        not (flat or queryset._iterable_class is ModelIterable)
        or queryset._prefetch_related_lookups
    ):
        raise ValueError("cached_rows runs querysets of model instances without prefetches")
    compiler = queryset.query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return _Statement(None, (), (), None, [], slice(0), [], {}, [], None)
    select, klass_info = compiler.select, compiler.klass_info
    columns = [column for column, _sql, _alias in select[: compiler.col_count]]
    if flat:
        model, model_columns, init_list, populators = None, slice(0, 1), [], []
    else:
        fields = klass_info["select_fields"]
        model, model_columns = klass_info["model"], slice(fields[0], fields[-1] + 1)
        init_list = [column[0].target.attname for column in select[model_columns]]
        populators = get_related_populators(klass_info, select, alias)
    slots = _slots(arguments, params)
    if {slot.argument for slot in slots} != set(arguments):
        _check_unused(alias, build, shape, sql, params, slots)
    return _Statement(
        sql=sql,
        params=tuple(params),
        slots=slots,
        model=model,
        init_list=init_list,
        model_columns=model_columns,
        populators=populators,
        annotations=dict(compiler.annotation_col_map or {}),
        converters=[
            (position, found, expression)
            for position, (found, expression) in compiler.get_converters(columns).items()
        ],
        col_count=compiler.col_count if compiler.has_extra_select else None,
    )


def _slots(arguments: dict[str, Any], params: list[Any]) -> tuple[_Slot, ...]:
    """Where each stand-in landed among the compiled parameters (a date may have been turned
    into text by the backend); every stand-in must be found."""
    where: dict[Any, tuple[str, int | None]] = {}
    for key, value in arguments.items():
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            place = (key, index if isinstance(value, list) else None)
            where[item] = place
            if isinstance(item, datetime.date):
                where[item.isoformat()] = place
    slots = []
    for position, param in enumerate(params):
        if isinstance(param, bool) or not isinstance(param, int | str | datetime.date):
            continue
        if param in where:
            key, index = where[param]
            slots.append(_Slot(position, key, index, isinstance(param, str)))
    found = {slot.argument for slot in slots}
    missing = {(key, index) for key, index in where.values() if key in found} - {
        (slot.argument, slot.index) for slot in slots
    }
    if missing:
        raise ValueError(f"cached_rows: arguments not compared as values: {sorted(missing)}")
    return tuple(slots)


def _check_unused(
    alias: str,
    build: Callable[..., models.QuerySet],
    shape: tuple,
    sql: str,
    params: list[Any],
    slots: tuple[_Slot, ...],
) -> None:
    """An argument none of whose stand-ins is among the parameters must leave the statement
    as it is: a query may not need every argument (a list's filter that does not read one of
    the dates passed). Built again with other stand-ins, the statement must be the same but
    for the slots; one computed on (a year turned into dates) or deciding the statement's
    shape is refused."""
    # Counted on from the first set by an odd number: an argument's parity changes too.
    count = sum(1 if length is None else length for _key, length, _date in shape)
    queryset = build(**_stand_ins(shape, count | 1))
    try:
        other_sql, other_params = queryset.query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:
        other_sql, other_params = None, []
    taken = {slot.position for slot in slots}
    if (
        other_sql != sql
        or len(other_params) != len(params)
        or any(
            left != right
            for position, (left, right) in enumerate(zip(params, other_params, strict=True))
            if position not in taken
        )
    ):
        unused = sorted({key for key, _length, _date in shape} - {s.argument for s in slots})
        raise ValueError(f"cached_rows: arguments not compared as values: {unused}")


def _run(statement: _Statement, alias: str, arguments: dict[str, Any]) -> list:
    if statement.sql is None:
        return []
    params = list(statement.params)
    for slot in statement.slots:
        value = arguments[slot.argument]
        if slot.index is not None:
            value = value[slot.index]
        params[slot.position] = value.isoformat() if slot.as_text else value
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    objects = []
    for found in rows:
        row = list(found if statement.col_count is None else found[: statement.col_count])
        for position, converters, expression in statement.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        if statement.model is None:
            objects.append(row[0])
            continue
        obj = statement.model.from_db(alias, statement.init_list, row[statement.model_columns])
        for populator in statement.populators:
            populator.populate(row, obj)
        for attribute, position in statement.annotations.items():
            setattr(obj, attribute, row[position])
        objects.append(obj)
    return objects
