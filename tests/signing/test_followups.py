import datetime

import pytest

from households.models import Person
from signing import followups
from signing.followups import DONE, DUE, NOT_REQUIRED, OVERDUE, UPCOMING
from signing.models import Disease, YearPolicy
from tests.signing.factories import (
    ChronicRegistrationFactory,
    DiseaseFactory,
    FulfilmentFactory,
    HouseholdFactory,
    PersonFactory,
)

D = datetime.date


@pytest.fixture
def household(village_a):
    return HouseholdFactory(village=village_a)


LONG_AGO = D(2017, 5, 1)


def patient(household, diagnosed_on=LONG_AGO):
    person = PersonFactory(household=household)
    ChronicRegistrationFactory(person=person, diagnosed_on=diagnosed_on)
    return person


def annotated(person, as_of):
    return followups.with_followup_status(Person.objects.filter(pk=person.pk), as_of).get()


def states(person, as_of):
    return [p.state for p in followups.patient_followup_status(person, as_of).quarters]


def test_quarters_are_calendar_quarters_by_default(db):
    quarters = followups.quarters_of_year(2018)
    assert [(p.start, p.end) for p in quarters] == [
        (D(2018, 1, 1), D(2018, 3, 31)),
        (D(2018, 4, 1), D(2018, 6, 30)),
        (D(2018, 7, 1), D(2018, 9, 30)),
        (D(2018, 10, 1), D(2018, 12, 31)),
    ]


def test_quarters_follow_the_year_policy(db):
    YearPolicy.objects.create(year=2018, followups_per_year=2)
    assert [p.end for p in followups.quarters_of_year(2018)] == [D(2018, 6, 30), D(2018, 12, 31)]


def test_missed_first_quarter_is_overdue_in_the_second(household):
    person = patient(household)
    assert states(person, D(2018, 6, 4)) == [OVERDUE, DUE, UPCOMING, UPCOMING]
    row = annotated(person, D(2018, 6, 4))
    assert (row.followup_overdue, row.followup_due) == (True, True)


def test_followup_in_every_quarter_is_compliant(household):
    person = patient(household)
    FulfilmentFactory(person=person, served_on=D(2018, 3, 31))
    FulfilmentFactory(person=person, served_on=D(2018, 4, 1))
    status = followups.patient_followup_status(person, D(2018, 6, 4))
    assert [p.state for p in status.quarters] == [DONE, DONE, UPCOMING, UPCOMING]
    assert status.compliant
    row = annotated(person, D(2018, 6, 4))
    assert not row.followup_overdue
    assert not row.followup_due
    assert row.followup_done_current


def test_last_day_of_quarter_is_still_due_not_overdue(household):
    person = patient(household)
    assert states(person, D(2018, 3, 31))[0] == DUE
    assert annotated(person, D(2018, 3, 31)).followup_overdue is False


def test_first_day_of_next_quarter_makes_it_overdue(household):
    person = patient(household)
    assert states(person, D(2018, 4, 1))[:2] == [OVERDUE, DUE]
    assert annotated(person, D(2018, 4, 1)).followup_overdue is True


def test_followup_after_as_of_does_not_count(household):
    person = patient(household)
    FulfilmentFactory(person=person, served_on=D(2018, 6, 10))
    assert states(person, D(2018, 6, 4))[1] == DUE
    assert annotated(person, D(2018, 6, 4)).followup_due is True


def test_registered_mid_year_counts_from_its_quarter(household):
    person = patient(household, diagnosed_on=D(2018, 5, 10))
    assert states(person, D(2018, 6, 4)) == [NOT_REQUIRED, DUE, UPCOMING, UPCOMING]
    row = annotated(person, D(2018, 6, 4))
    assert (row.followup_overdue, row.followup_due) == (False, True)


def test_registered_mid_year_then_missed_quarter_is_overdue(household):
    person = patient(household, diagnosed_on=D(2018, 5, 10))
    FulfilmentFactory(person=person, served_on=D(2018, 5, 20))
    assert states(person, D(2018, 8, 1)) == [NOT_REQUIRED, DONE, DUE, UPCOMING]
    assert annotated(person, D(2018, 10, 2)).followup_overdue is True


def test_followup_of_the_previous_year_does_not_count(household):
    person = patient(household)
    FulfilmentFactory(person=person, served_on=D(2017, 12, 20))
    assert states(person, D(2018, 2, 1))[0] == DUE


def test_registration_after_as_of_is_not_a_patient(household):
    person = patient(household, diagnosed_on=D(2018, 7, 1))
    assert followups.patient_followup_status(person, D(2018, 6, 4)).is_patient is False
    row = annotated(person, D(2018, 6, 4))
    assert row.chronic_since is None
    assert (row.followup_overdue, row.followup_due) == (False, False)


def test_chronic_patients_lists_only_patients(household):
    sick = patient(household)
    PersonFactory(household=household)
    found = followups.chronic_patients(Person.objects.all(), D(2018, 6, 4))
    assert list(found) == [sick]


def test_registration_of_a_disease_that_is_not_key_chronic_makes_no_patient(household):
    person = PersonFactory(household=household)
    ChronicRegistrationFactory(person=person, disease=DiseaseFactory(is_key_chronic=False))
    assert list(followups.chronic_patients(Person.objects.all(), D(2018, 6, 4))) == []
    assert annotated(person, D(2018, 6, 4)).chronic_since is None


def test_without_key_chronic_diseases_nobody_is_a_patient(household):
    sick = patient(household)
    Disease.objects.update(is_key_chronic=False)
    assert list(followups.chronic_patients(Person.objects.all(), D(2018, 6, 4))) == []
    row = annotated(sick, D(2018, 6, 4))
    assert (row.chronic_since, row.followup_overdue, row.followup_due) == (None, False, False)


def test_chronic_patients_is_one_query_after_the_policy(household, django_assert_num_queries):
    for _ in range(3):
        patient(household)
    with django_assert_num_queries(3):  # the year policy, the key chronic diseases, the list
        rows = list(followups.chronic_patients(Person.objects.all(), D(2018, 6, 4)))
    assert len(rows) == 3


def _due_soon(person, as_of):
    patients = followups.chronic_patients(Person.objects.filter(pk=person.pk), as_of)
    return list(followups.due_soon(patients, as_of))


def test_due_follow_up_is_due_soon_in_the_last_week_of_its_quarter(household):
    person = patient(household)
    assert _due_soon(person, D(2018, 6, 23)) == [person]


def test_due_follow_up_is_not_due_soon_earlier_in_the_quarter(household):
    person = patient(household)
    assert _due_soon(person, D(2018, 6, 22)) == []


def test_done_follow_up_is_not_due_soon(household):
    person = patient(household)
    FulfilmentFactory(person=person, served_on=D(2018, 6, 1))
    assert _due_soon(person, D(2018, 6, 28)) == []
