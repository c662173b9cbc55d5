"""CountingPaginator: the same pages and totals as Django's Paginator, in one query."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthpov.paging import CountingPaginator
from healthpov.places.models import Place
from tests.factories import VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages(township_a):
    for n in range(7):
        VillageFactory(name=f"村{n}", parent=township_a)
    return Place.objects.filter(parent=township_a).order_by("name")


@pytest.mark.parametrize(
    "number", [1, 2, 3, 4, 99, 0, -1, "x", None, "2", 10**30, str(2**63), 2**63 // 3 + 1]
)
def test_same_page_as_paginator(villages, number):
    theirs = Paginator(villages, 3).get_page(number)
    ours = CountingPaginator(villages, 3).get_page(number)
    assert list(ours.object_list) == list(theirs.object_list)
    assert ours.number == theirs.number
    assert ours.paginator.count == theirs.paginator.count
    assert ours.paginator.num_pages == theirs.paginator.num_pages
    assert ours.has_next() == theirs.has_next()


def test_one_query_for_a_page_in_range(villages):
    total = villages.count()
    with CaptureQueriesContext(connection) as captured:
        page = CountingPaginator(villages, 3).get_page(2)
        rows = list(page.object_list)
        assert (page.paginator.count, page.paginator.num_pages) == (total, 3)
    assert len(rows) == 3
    assert len(captured) == 1


def test_empty_and_distinct_lists(villages):
    assert CountingPaginator(villages.none(), 3).get_page(1).paginator.count == 0
    assert not list(CountingPaginator(villages.filter(name="无"), 3).get_page(1).object_list)
    distinct = Place.objects.filter(path__startswith="/").values("level").distinct()
    page = CountingPaginator(distinct.order_by("level"), 2).get_page(1)
    assert page.paginator.count == distinct.count()


def test_rows_as_dicts(villages):
    rows = villages.values("name")
    theirs = Paginator(rows, 3).get_page(2)
    with CaptureQueriesContext(connection) as captured:
        ours = CountingPaginator(rows, 3).get_page(2)
        names, total = [row["name"] for row in ours], ours.paginator.count
    assert len(captured) == 1
    assert names == [row["name"] for row in theirs]
    assert total == theirs.paginator.count


def test_one_query_for_an_empty_list(villages):
    with CaptureQueriesContext(connection) as captured:
        page = CountingPaginator(villages.filter(name="无"), 3).get_page("1")
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (1, 0, 1)
        assert not page.has_other_pages()
    assert len(captured) == 1
