"""``signing.selectors.household_records``: what the household page and sheet read per member."""

import datetime

import pytest

from signing.selectors import household_records
from tests.factories import InstitutionFactory, UserFactory
from tests.signing.factories import (
    ContractFactory,
    HealthCheckFactory,
    HouseholdFactory,
    PersonFactory,
    TeamFactory,
    UnsignedRecordFactory,
)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2018, 6, 4)


@pytest.fixture
def household(village_a):
    return HouseholdFactory(village=village_a)


def test_members_the_page_loaded_are_not_read_again_and_come_in_id_order(
    household, django_assert_num_queries
):
    first, second = PersonFactory(household=household), PersonFactory(household=household)
    # Contracts, unsigned records, chronic registrations, health checks, diagnoses, fulfilments.
    with django_assert_num_queries(6):
        records = household_records(household, 2018, AS_OF, members=[second, first])
    assert [r.person for r in records] == [first, second]


def test_a_signed_member_shows_the_contract_and_no_reason_is_read(
    household, django_assert_num_queries
):
    person = PersonFactory(household=household)
    contract = ContractFactory(person=person, year=2018)
    UnsignedRecordFactory(person=person, year=2018)
    with django_assert_num_queries(5):  # no query for reasons for not signing
        [record] = household_records(household, 2018, AS_OF, members=[person])
    assert record.contract == contract
    assert record.unsigned is None


def test_the_reason_of_a_member_without_a_contract_is_shown(household):
    person = PersonFactory(household=household)
    ContractFactory(person=person, year=2017)
    unsigned = UnsignedRecordFactory(person=person, year=2018)
    [record] = household_records(household, 2018, AS_OF)
    assert record.contract is None
    assert record.previous_contract.year == 2017
    assert record.unsigned == unsigned


def test_teams_doctors_and_institutions_cost_no_query_per_row(household, django_assert_num_queries):
    team, doctor = TeamFactory(), UserFactory(first_name="", last_name="王医生")
    institution = InstitutionFactory()
    members = [PersonFactory(household=household) for _ in range(3)]
    for person in members:
        ContractFactory(person=person, year=2018, team=team, doctor=doctor)
        HealthCheckFactory(person=person, institution=institution)
        HealthCheckFactory(person=person, checked_on=datetime.date(2018, 5, 1))
    # The five kinds of record of signed members (teams, institutions joined), then the doctors.
    with django_assert_num_queries(6):
        records = household_records(household, 2018, AS_OF, members=members)
        shown = [
            (
                r.contract.team_display,
                r.contract.doctor_display,
                *(check.institution_display for check in r.checks),
            )
            for r in records
        ]
    assert shown == [(team.name, "王医生", "", institution.name)] * 3
