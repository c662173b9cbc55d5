"""A full recompute of a large installation runs its figures statement in parts, each on a
connection of its own (docs/scaling.md "The full recompute"): every figure of every place is
the one statement's, and the demo county's are still seed 000's."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from coverage.demo import DEMO_AS_OF, DEMO_YEAR
from coverage.selectors import _parts, compute_table
from healthpov.period import ReportingPeriod
from healthpov.places.models import Place
from households.models import Person

from .test_demo import SEED_000

PERIOD = ReportingPeriod(DEMO_YEAR, DEMO_AS_OF)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the statement is split on PostgreSQL only"
)


@pytest.fixture
def demo(transactional_db):
    # Committed, as a recompute's data is, outside any test's transaction: the parts' own
    # connections must see it. The test's end flushes it.
    call_command("seed_demo", "--year", str(DEMO_YEAR), stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Person._meta.db_table}")  # the estimate the split reads
    return Place.objects.get(name="泰宁县", level="county")


def figures(settings, parts: int) -> dict[int, dict]:
    settings.COVERAGE_PARTS = parts
    settings.COVERAGE_SPLIT_PERSONS = 0
    return {row.place_id: row.values for row in compute_table(PERIOD).rows}


def test_the_parts_hold_every_household_once_with_all_its_persons(demo, settings):
    settings.COVERAGE_PARTS, settings.COVERAGE_SPLIT_PERSONS = 3, 0

    parts = _parts(None)
    with transaction.atomic():
        in_transaction = _parts(None)  # other connections would not see its writes
    settings.COVERAGE_SPLIT_PERSONS = 1_000_000
    small = _parts(None)

    assert len(parts) == 3
    households = sorted(
        Person.objects.exclude(household=None).values_list("household_id", flat=True).distinct()
    )
    owner = {h: [p for p in parts if p.households[0] <= h <= p.households[1]] for h in households}
    assert all(len(found) == 1 for found in owner.values())
    for person_id, household_id in Person.objects.values_list("pk", "household_id"):
        (part,) = owner[household_id]
        assert part.persons[0] <= person_id <= part.persons[1]
    assert in_transaction == []
    assert small == []  # a small installation: one statement


def test_the_parts_give_every_place_the_figures_of_one_statement(demo, settings):
    whole = figures(settings, parts=1)

    split = figures(settings, parts=3)

    assert split == whole
    assert {code: split[demo.pk][code] for code in SEED_000} == SEED_000
