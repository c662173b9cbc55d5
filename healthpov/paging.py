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

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

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
        rows = list(
            self.object_list.annotate(**{_TOTAL: Window(Count("*"))})[
                bottom : bottom + self.per_page
            ]
        )
        if not rows:
            if wanted == 1:  # nothing from the first row on: the list is empty, no need to count
                self.__dict__["count"] = 0
                return self._get_page([], 1, self)
            return super().get_page(number)
        first = rows[0]
        total = first[_TOTAL] if isinstance(first, dict) else getattr(first, _TOTAL)
        self.__dict__["count"] = total  # the cached_property's value
        return self._get_page(rows, wanted, self)


class CountedPaginator(Paginator):
    """A :class:`Paginator` given its total: ``count`` must be the number of rows of
    ``object_list``, counted by the caller (e.g. in the aggregate of the page's figures)."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # the cached_property's value
