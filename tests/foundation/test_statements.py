"""``cached_rows`` (healthpov/statements.py) gives what the queryset gives, for every value of
its arguments, with one statement per shape; it refuses a query that computes on an
argument."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Count, QuerySet
from django.test.utils import CaptureQueriesContext

from healthpov.statements import _statements, cached_rows, padded
from households.models import Person, RosterEntry
from signing.models import Contract, FulfilmentRecord, SpecialDiseaseDiagnosis
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.signing.factories import (
    BookletFactory,
    ContractFactory,
    DiagnosisFactory,
    FulfilmentFactory,
)

pytestmark = pytest.mark.django_db


def _members(household: int) -> QuerySet[Person]:
    return (
        Person.objects.filter(household_id=household)
        .select_related("household__village")
        .annotate(contract_count=Count("contracts"))
        .order_by("id")
    )


def _contracts(ids: list[int], years: list[int]) -> QuerySet[Contract]:
    return Contract.objects.filter(person_id__in=ids, year__in=years).order_by("id")


def _served(ids: list[int], start: datetime.date, end: datetime.date) -> QuerySet:
    return FulfilmentRecord.objects.filter(
        person_id__in=ids, served_on__range=(start, end)
    ).order_by("id")


def _diagnoses(ids: list[int]) -> QuerySet[SpecialDiseaseDiagnosis]:
    return SpecialDiseaseDiagnosis.objects.filter(person_id__in=ids).select_related("booklet")


def _years(ids: list[int]) -> QuerySet:
    return (
        RosterEntry.objects.filter(person_id__in=ids)
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


def _same(left: list, right: list) -> None:
    assert [vars_of(obj) for obj in left] == [vars_of(obj) for obj in right]


def vars_of(obj, depth: int = 3):
    """An instance's values and those of the related rows it carries (a reverse one-to-one
    refers back: two levels down are enough)."""
    if not hasattr(obj, "_state") or not depth:
        return obj if not hasattr(obj, "_state") else obj.pk
    values = {k: v for k, v in vars(obj).items() if k != "_state"}
    values["cache"] = {k: vars_of(v, depth - 1) for k, v in obj._state.fields_cache.items()}
    return values


def test_rows_are_the_querysets_for_every_value():
    households = [HouseholdFactory(), HouseholdFactory()]
    for household, size in zip(households, (2, 3), strict=True):
        for _ in range(size):
            person = PersonFactory(household=household)
            ContractFactory(person=person, year=2018)
            ContractFactory(person=person, year=2017)
            FulfilmentFactory(person=person, served_on=datetime.date(2018, 5, 1))
            FulfilmentFactory(person=person, served_on=datetime.date(2017, 5, 1))
    with_booklet = DiagnosisFactory(person=Person.objects.first())
    BookletFactory(diagnosis=with_booklet)
    DiagnosisFactory(person=Person.objects.last())

    for household in households:
        pk = household.pk
        _same(cached_rows("t members", Person, _members, household=pk), list(_members(pk)))
        ids = list(Person.objects.filter(household=household).values_list("pk", flat=True))
        for years in ([2018], [2017, 2018]):
            _same(
                cached_rows("t contracts", Contract, _contracts, ids=ids, years=years),
                list(_contracts(ids, years)),
            )
        dates = {"start": datetime.date(2018, 1, 1), "end": datetime.date(2018, 12, 31)}
        _same(
            cached_rows("t served", FulfilmentRecord, _served, ids=ids, **dates),
            list(_served(ids, **dates)),
        )
        _same(
            cached_rows("t diagnoses", SpecialDiseaseDiagnosis, _diagnoses, ids=ids),
            list(_diagnoses(ids)),
        )
        assert cached_rows("t years", RosterEntry, _years, ids=ids) == list(_years(ids))
    assert cached_rows("t contracts", Contract, _contracts, ids=[], years=[2018]) == []


def test_one_statement_per_shape_and_one_query_per_call():
    person = PersonFactory()
    ContractFactory(person=person)
    before = len(_statements)
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            rows = cached_rows("t shape", Contract, _contracts, ids=[person.pk], years=[2018])
        assert len(queries) == 1 and len(rows) == 1
    assert len(_statements) == before + 1


def test_an_argument_computed_on_is_refused():
    def by_year(year: int) -> QuerySet:
        return FulfilmentRecord.objects.filter(served_on__year=year)

    with pytest.raises(ValueError):
        cached_rows("t computed", FulfilmentRecord, by_year, year=2018)


def test_an_argument_the_query_does_not_read_is_allowed():
    person = PersonFactory()
    ContractFactory(person=person, year=2018)

    def contracts(ids: list[int], year: int, end: datetime.date) -> QuerySet[Contract]:
        # ``end`` is not read (a list's state may not need every date passed).
        return Contract.objects.filter(person_id__in=ids, year=year).order_by("id")

    for year in (2018, 2017):
        _same(
            cached_rows(
                "t unused",
                Contract,
                contracts,
                ids=[person.pk],
                year=year,
                end=datetime.date.today(),
            ),
            list(contracts([person.pk], year, datetime.date.today())),
        )


def test_an_argument_that_decides_the_statement_is_refused():
    def ordered(ids: list[int], year: int) -> QuerySet[Contract]:
        # ``year`` is not compared, it picks the ordering: the statement would keep the
        # ordering of the first year asked.
        return Contract.objects.filter(person_id__in=ids).order_by("id" if year % 2 else "-id")

    with pytest.raises(ValueError, match="year"):
        cached_rows("t decides", Contract, ordered, ids=[1], year=2018)


def test_lists_are_padded_to_few_lengths_with_the_same_values():
    assert padded([]) == []
    assert padded([5]) == [5]
    assert padded([1, 2, 3]) == [1, 2, 3, 3]
    assert len(padded(list(range(64)))) == 64
    assert len(padded(list(range(65)))) == 128
    assert len(padded(list(range(130)))) == 192
    assert set(padded(list(range(130)))) == set(range(130))
    assert len({len(padded(list(range(n)))) for n in range(1, 500)}) == 14
