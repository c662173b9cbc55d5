import datetime
from decimal import Decimal

import pytest

from tests.treatment.factories import (
    CallFactory,
    CaseFactory,
    HouseholdFactory,
    PersonFactory,
    StayFactory,
)
from treatment import selectors
from treatment.models import CaseStatus, TreatmentPolicy

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2018, 6, 4)


def test_stay_figures_over_a_place(user_a, village_a, village_b):
    person = PersonFactory(household__village=village_a)
    StayFactory(person=person)  # 500 of 10,000 paid personally, one-stop, no deposit
    StayFactory(
        person=person,
        deposit_taken=True,
        one_stop=False,
        in_county=False,
        total_cost=Decimal("1000.00"),
        policy_cost=Decimal("1000.00"),
        basic_insurance=Decimal("500.00"),
        critical_insurance=Decimal("0.00"),
        medical_assistance=Decimal("0.00"),
        supplementary_insurance=Decimal("0.00"),
        personal_payment=Decimal("500.00"),
    )
    StayFactory(person=PersonFactory(household__village=village_b))
    figures = selectors.stay_figures(
        selectors.stays_of_year(user_a, 2018, AS_OF), cap=Decimal("0.1")
    )
    assert figures.stays == 2
    assert figures.personal_share == Decimal("1000.00") / Decimal("11000.00")
    assert figures.reimbursement_ratio == Decimal("10000.00") / Decimal("10500.00")
    assert (figures.deposit_taken, figures.not_one_stop, figures.over_cap, figures.breaches) == (
        1,
        1,
        1,
        1,
    )
    assert figures.one_stop_rate == Decimal("0.5")


def test_stay_breach_flags_per_stay(user_a, village_a):
    person = PersonFactory(household__village=village_a)
    StayFactory(person=person)
    StayFactory(person=person, one_stop=False)
    flags = sorted(
        selectors.stays_with_breaches(
            selectors.stays_of_year(user_a, 2018), cap=Decimal("0.1")
        ).values_list("breach", flat=True)
    )
    assert flags == [False, True]


def test_case_figures_count_died_after_treatment_as_treated(user_a, village_a):
    CaseFactory(
        person=PersonFactory(household__village=village_a),
        status=CaseStatus.TREATED,
        treatment_date=datetime.date(2018, 2, 1),
    )
    CaseFactory(
        person=PersonFactory(household__village=village_a),
        status=CaseStatus.DIED,
        treatment_date=datetime.date(2018, 2, 1),
    )
    CaseFactory(person=PersonFactory(household__village=village_a), status=CaseStatus.DIED)
    figures = selectors.case_figures(selectors.cases_of_year(user_a, 2018, AS_OF))
    assert (figures.screened, figures.treated, figures.died) == (3, 2, 2)


def test_case_without_call_for_90_days_is_listed_until_called(user_a, village_a):
    case = CaseFactory(
        person=PersonFactory(household__village=village_a), screening_date=datetime.date(2018, 1, 5)
    )
    CallFactory(case=case, called_on=datetime.date(2018, 2, 1))
    assert list(selectors.cases_without_recent_call(user_a, as_of=AS_OF)) == [case]
    CallFactory(case=case, called_on=datetime.date(2018, 5, 1))
    assert list(selectors.cases_without_recent_call(user_a, as_of=AS_OF)) == []


def test_newly_screened_case_is_not_yet_overdue(user_a, village_a):
    CaseFactory(
        person=PersonFactory(household__village=village_a), screening_date=datetime.date(2018, 5, 1)
    )
    assert not selectors.cases_without_recent_call(user_a, as_of=AS_OF).exists()


def test_risk_watch_lists_household_over_threshold_with_its_stays(
    user_a, village_a, django_assert_max_num_queries
):
    TreatmentPolicy.objects.create(year=2018, return_to_poverty_threshold=Decimal("900.00"))
    household = HouseholdFactory(village=village_a)
    head = PersonFactory(household=household)
    spouse = PersonFactory(household=household)
    StayFactory(person=head, discharged_on=datetime.date(2018, 3, 10))
    StayFactory(
        person=spouse,
        discharged_on=datetime.date(2017, 9, 1),
        admitted_on=datetime.date(2017, 8, 20),
    )
    StayFactory(
        person=spouse,
        discharged_on=datetime.date(2017, 5, 1),
        admitted_on=datetime.date(2017, 4, 20),
    )
    StayFactory(person=PersonFactory(household__village=village_a))  # 500 only: not at risk
    with django_assert_max_num_queries(4):
        watch = selectors.return_to_poverty_watch(user_a, as_of=AS_OF)
        assert [h.pk for h in watch.households] == [household.pk]
        assert watch.households[0].personal_12m == Decimal("1000.00")
        assert len(watch.households[0].risk_stays) == 2


def test_township_summary_rows(user_a, county_user, village_a, village_b):
    StayFactory(person=PersonFactory(household__village=village_a))
    CaseFactory(person=PersonFactory(household__village=village_b))
    rows = selectors.township_summary(county_user, year=2018, as_of=AS_OF)
    assert [(r["township"], r["cases"].screened, r["stays"].stays) for r in rows] == [
        ("朱口镇", 1, 0),
        ("杉城镇", 0, 1),
    ]
    assert len(selectors.township_summary(user_a, year=2018, as_of=AS_OF)) == 1


def test_timeline_shows_status_change(user_a, village_a):
    from treatment import services

    case = CaseFactory(person=PersonFactory(household__village=village_a))
    services.case_update(case=case, status=CaseStatus.IN_TREATMENT, actor=user_a)
    kinds = [event["kind"] for event in selectors.case_timeline(case)]
    assert "status" in kinds
