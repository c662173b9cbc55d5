"""Paginators that count with a query the page runs anyway.

Django's :class:`~django.core.paginator.Paginator` asks ``COUNT(*)`` of the whole query, then
the page: two queries, each built (compiled) and run in full. Where the page cannot be read
without going over every row anyway (a list sorted by something no index gives, e.g. the
village's name, or filtered on annotations computed per row: the work lists), the total rides
along with the page as ``COUNT(*) OVER ()``: one query built and run once. Where the page has
already counted its list (a figure of the same rows), :class:`CountedPaginator` takes that
total instead of asking ``COUNT(*)`` again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Model, QuerySet, Window

from healthpov.statements import cached_rows

_TOTAL = "_paginator_total"
# A page whose first row lies beyond this is surely past the end: Django's way counts first and
# answers the last page, where an OFFSET that large overflows the database's integer.
_FARTHEST_ROW = 10**9


class CountingPaginator(Paginator):
    """A :class:`Paginator` of a queryset that reads the page and the total in one query.

    The queryset may give model instances or dicts (``values()``).

    Only :meth:`get_page` is changed. A page past the end falls back to Django's way: count,
    then the last page; an empty first page needs no count. A query with DISTINCT or GROUP BY
    is paged the usual way too (the window counts rows before those).
    """

    def __init__(self, object_list: QuerySet, per_page: int) -> None:
        super().__init__(object_list, per_page)

    def _one_query(self) -> bool:
        query = self.object_list.query
        return not query.distinct and query.group_by is None and not query.combinator

    def get_page(self, number: Any) -> Page:
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 1
        bottom = (wanted - 1) * self.per_page
        if wanted < 1 or bottom > _FARTHEST_ROW or not self._one_query():
            return super().get_page(number)
        rows = self._read(bottom, bottom + self.per_page)
        if not rows:
            if wanted == 1:  # nothing from the first row on: the list is empty, no need to count
                self.__dict__["count"] = 0
                return self._get_page([], 1, self)
            return super().get_page(number)
        first = rows[0]
        total = first[_TOTAL] if isinstance(first, dict) else getattr(first, _TOTAL)
        self.__dict__["count"] = total  # the cached_property's value
        return self._get_page(rows, wanted, self)

    def _read(self, bottom: int, top: int) -> list[Any]:
        """Rows ``bottom`` to ``top`` of the list, each with the total."""
        return list(_counted(self.object_list)[bottom:top])


def _counted(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(**{_TOTAL: Window(Count("*"))})


@dataclass(frozen=True)
class ListStatement:
    """A list's queryset said as ``build(**arguments)``, under the rules of
    :func:`~healthpov.statements.cached_rows` (numbers and dates compared as values, no
    DISTINCT or GROUP BY); ``name`` names it with whatever else decides its SQL (a state)."""

    name: str
    model: type[Model]
    build: Callable[..., QuerySet]
    arguments: dict[str, Any]


#: The pages a :class:`StatementPaginator` keeps a statement for (each offset is one, so a
#: process keeps a few statements per list, state and shape); farther pages are read the
#: usual way.
CACHED_PAGES = 5


class StatementPaginator(CountingPaginator):
    """A :class:`CountingPaginator` whose page and total are read with a statement built and
    compiled once per process (``cached_rows``): a work list that tests many sub-queries
    cost the web process more to build than the database to answer (docs/scaling.md). The
    queryset itself is built only where Django's way is taken (a page past the end, a page
    beyond :data:`CACHED_PAGES`)."""

    def __init__(self, statement: ListStatement, per_page: int) -> None:
        self.statement = statement
        super().__init__(None, per_page)  # type: ignore[arg-type]
        del self.object_list  # built when asked for (below)

    @cached_property
    def object_list(self) -> QuerySet:  # type: ignore[override]
        return self.statement.build(**self.statement.arguments)

    def _one_query(self) -> bool:
        return True  # a ListStatement has no DISTINCT or GROUP BY

    def _read(self, bottom: int, top: int) -> list[Any]:
        if bottom >= CACHED_PAGES * self.per_page:
            return super()._read(bottom, top)
        build = self.statement.build

        def page(**arguments: Any) -> QuerySet:
            return _counted(build(**arguments))[bottom:top]

        name = f"{self.statement.name} [{bottom}:{top}]"
        return cached_rows(name, self.statement.model, page, **self.statement.arguments)


class CountedPaginator(Paginator):
    """A :class:`Paginator` given its total: ``count`` must be the number of rows of
    ``object_list``, counted by the caller (e.g. in the aggregate of the page's figures)."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # the cached_property's value
