"""Signing's rules in SQL and for one record agree on every edge around the as-of date:
booklet valid on a date, unsigned without a reason, and follow-up compliance."""

import datetime
import itertools

import pytest

from households.models import Household, Person
from signing import followups, selectors
from signing.models import (
    Booklet,
    BookletStatus,
    ChronicRegistration,
    FulfilmentKind,
    SpecialDiseaseDiagnosis,
)
from tests.signing.factories import (
    BookletFactory,
    ChronicRegistrationFactory,
    ContractFactory,
    DiagnosisFactory,
    FulfilmentFactory,
    HouseholdFactory,
    PersonFactory,
    RosterEntryFactory,
    UnsignedRecordFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
AS_OF = D(2018, 6, 4)
DAY = datetime.timedelta(days=1)
AROUND = [None, AS_OF - DAY, AS_OF, AS_OF + DAY]


@pytest.fixture
def household(village_a):
    return HouseholdFactory(village=village_a)


@pytest.fixture
def booklets(household):
    built = []
    for status, issued_on, expires_on in itertools.product(BookletStatus.values, AROUND, AROUND):
        diagnosis = DiagnosisFactory(person=PersonFactory(household=household))
        built.append(
            BookletFactory(
                diagnosis=diagnosis, status=status, issued_on=issued_on, expires_on=expires_on
            )
        )
    return built


@pytest.mark.parametrize("day", [AS_OF - DAY, AS_OF, AS_OF + DAY])
def test_booklet_validity_in_sql_agrees_with_the_booklet(booklets, day):
    by_record = {b.pk for b in booklets if b.is_valid_on(day)}
    assert by_record  # the grid holds valid and invalid booklets alike
    assert set(Booklet.objects.filter(Booklet.valid_on_q(day)).values_list("pk", flat=True)) == (
        by_record
    )
    from_diagnosis = SpecialDiseaseDiagnosis.objects.filter(
        Booklet.valid_on_q(day, prefix="booklet__")
    ).values_list("booklet__pk", flat=True)
    assert set(from_diagnosis) == by_record


def test_a_booklet_expiring_on_the_day_is_still_valid_that_day(household):
    booklet = BookletFactory(
        diagnosis=DiagnosisFactory(person=PersonFactory(household=household)),
        status=BookletStatus.ISSUED,
        issued_on=D(2017, 1, 1),
        expires_on=AS_OF,
    )
    assert booklet.is_valid_on(AS_OF)
    assert not booklet.is_valid_on(AS_OF + DAY)


@pytest.fixture
def signing_people(household):
    """Every mix of a contract and a reason, each dated before, on or after the as-of date or
    for another year."""
    built = []
    dates = [AS_OF - DAY, AS_OF, AS_OF + DAY]
    for contract_on, reason_on in itertools.product([None, *dates], [None, *dates]):
        person = PersonFactory(household=household)
        if contract_on:
            ContractFactory(person=person, signed_on=contract_on)
        if reason_on:
            UnsignedRecordFactory(person=person, recorded_on=reason_on)
        built.append(person)
    other_year = PersonFactory(household=household)
    ContractFactory(person=other_year, year=2017, signed_on=D(2017, 3, 1))
    built.append(other_year)
    return built


@pytest.mark.parametrize("as_of", [AS_OF - DAY, AS_OF])
def test_unsigned_without_reason_in_sql_agrees_with_the_person(signing_people, as_of):
    by_record = {
        p.pk for p in signing_people if selectors.is_unsigned_without_reason(p, 2018, as_of)
    }
    in_sql = Person.objects.filter(selectors.unsigned_without_reason_q(2018, as_of))
    assert set(in_sql.values_list("pk", flat=True)) == by_record
    assert len(by_record) >= 2


@pytest.fixture
def patients(household):
    """Patients registered on quarter boundaries, followed up on 31 March / 1 April or not."""
    built = []
    registered = [D(2017, 5, 1), D(2018, 3, 31), D(2018, 4, 1), D(2018, 6, 4)]
    visits = [[], [D(2018, 3, 31)], [D(2018, 4, 1)], [D(2018, 3, 31), D(2018, 4, 1)]]
    for diagnosed_on, dates in itertools.product(registered, visits):
        person = PersonFactory(household=household)
        ChronicRegistrationFactory(person=person, diagnosed_on=diagnosed_on)
        for served_on in dates:
            FulfilmentFactory(person=person, served_on=served_on)
        built.append(person)
    return built


@pytest.mark.parametrize(
    "as_of", [D(2018, 3, 31), D(2018, 4, 1), D(2018, 6, 30), D(2018, 7, 1), D(2018, 12, 31)]
)
def test_compliance_set_form_agrees_with_the_engine_and_each_patient(patients, as_of):
    engine = followups.chronic_patients(Person.objects.all(), as_of)
    compliant = set(followups.in_state(engine, followups.COMPLIANT).values_list("pk", flat=True))
    set_form = ChronicRegistration.objects.filter(followups.compliant_registrations_q(as_of))
    assert set(set_form.values_list("person_id", flat=True)) == compliant
    one_by_one = {p.pk for p in patients if followups.patient_followup_status(p, as_of).compliant}
    assert one_by_one == compliant


@pytest.mark.parametrize("as_of", [D(2018, 3, 31), D(2018, 4, 1), D(2018, 7, 1)])
def test_due_and_overdue_in_sql_agree_with_each_patient(patients, as_of):
    engine = followups.chronic_patients(Person.objects.all(), as_of)
    for state, attribute in [(followups.DUE, "due"), (followups.OVERDUE, "overdue")]:
        in_sql = set(followups.in_state(engine, state).values_list("pk", flat=True))
        by_patient = {
            p.pk
            for p in patients
            if getattr(followups.patient_followup_status(p, as_of), attribute)
        }
        assert in_sql == by_patient, state


# --- brochures: one per household and year ---------------------------------------------------


def test_households_without_brochure_are_the_roster_households_not_given_one_by_the_date(
    user_a, village_a, village_b
):
    def roster_household(village):
        household = HouseholdFactory(village=village)
        RosterEntryFactory(person=PersonFactory(household=household), year=2018)
        return household

    missing = roster_household(village_a)
    given = roster_household(village_a)
    spouse = PersonFactory(household=given)  # the brochure given to another member counts
    FulfilmentFactory(person=spouse, kind=FulfilmentKind.BROCHURE, served_on=AS_OF)
    late = roster_household(village_a)  # given after the as-of date: still missing then
    FulfilmentFactory(
        person=late.members.first(), kind=FulfilmentKind.BROCHURE, served_on=AS_OF + DAY
    )
    last_year = roster_household(village_a)
    FulfilmentFactory(
        person=last_year.members.first(), kind=FulfilmentKind.BROCHURE, served_on=D(2017, 12, 1)
    )
    PersonFactory(household=HouseholdFactory(village=village_a))  # not on the roster
    roster_household(village_b)  # another township's

    listed = selectors.households_without_brochure(user_a, 2018, AS_OF, selectors.ListFilters())
    assert set(listed) == {missing, late, last_year}
    flagged = Household.objects.filter(selectors.brochure_given_q(2018, AS_OF))
    assert set(flagged) == {given}
