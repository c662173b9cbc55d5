"""The rule "on the year's roster as of a date": its SQL form and its one-person form agree
on every combination of roster year and leaving date around the as-of date."""

import datetime
import itertools

import pytest

from households import selectors
from households.models import Person, RosterEntry
from tests.households.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

D = datetime.date
AS_OF = D(2018, 6, 4)
LEFT_ON = [None, AS_OF - datetime.timedelta(days=1), AS_OF, AS_OF + datetime.timedelta(days=1)]


@pytest.fixture
def persons(village_a):
    household = HouseholdFactory(village=village_a)
    built = []
    for year, left_on in itertools.product([2017, 2018], LEFT_ON):
        person = PersonFactory(household=household)
        RosterEntry.objects.create(person=person, year=year, left_on=left_on)
        built.append(person)
    built.append(PersonFactory(household=household))  # on no roster at all
    return built


@pytest.mark.parametrize("as_of", [AS_OF - datetime.timedelta(days=1), AS_OF, D(2018, 12, 31)])
def test_roster_query_and_one_person_rule_agree(persons, as_of):
    by_rule = {p.pk for p in persons if selectors.is_on_roster(p, year=2018, as_of=as_of)}
    assert set(selectors.roster_persons(year=2018, as_of=as_of).values_list("pk", flat=True)) == (
        by_rule
    )
    on_roster = selectors.on_roster(year=2018, as_of=as_of)
    assert set(Person.objects.filter(on_roster).values_list("pk", flat=True)) == by_rule


def test_a_person_who_left_on_the_as_of_date_is_off_the_roster(persons):
    left_that_day = RosterEntry.objects.get(year=2018, left_on=AS_OF).person
    assert not selectors.is_on_roster(left_that_day, year=2018, as_of=AS_OF)
    assert selectors.is_on_roster(left_that_day, year=2018, as_of=AS_OF - datetime.timedelta(1))


def test_roster_households_are_those_of_roster_persons(persons):
    households = selectors.roster_households(year=2018, as_of=AS_OF)
    assert list(households) == [persons[0].household]
    assert not selectors.roster_households(year=2016, as_of=AS_OF).exists()
