import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.treatment.factories import CaseFactory, MajorDiseaseFactory, PersonFactory, StayFactory
from treatment.models import CaseStatus, InpatientStay, MajorIllnessCase, TreatmentPolicy

pytestmark = pytest.mark.django_db


def test_policy_for_year_falls_back_to_defaults():
    policy = TreatmentPolicy.for_year(2019)
    assert policy.pk is None
    assert policy.personal_share_cap == Decimal("0.1000")
    assert policy.return_to_poverty_threshold == Decimal("10000.00")


def test_stay_parts_must_add_up_to_total_with_difference_shown(village_a):
    stay = StayFactory.build(
        person=PersonFactory(household__village=village_a), personal_payment=Decimal("400.00")
    )
    with pytest.raises(ValidationError) as excinfo:
        stay.full_clean()
    assert "100.00" in str(excinfo.value.message_dict["total_cost"])


def test_stay_discharge_before_admission_is_refused(village_a):
    stay = StayFactory.build(
        person=PersonFactory(household__village=village_a), discharged_on=datetime.date(2018, 2, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        stay.full_clean()
    assert "discharged_on" in excinfo.value.message_dict


def test_stay_ratios_are_decimal(village_a):
    stay = StayFactory(person=PersonFactory(household__village=village_a))
    assert stay.personal_share == Decimal("0.05")
    assert stay.reimbursement_ratio == Decimal("9500.00") / Decimal("9500.00")


def test_refusal_needs_reason_and_proof(village_a):
    case = CaseFactory.build(
        person=PersonFactory(household__village=village_a),
        disease=MajorDiseaseFactory(),
        status=CaseStatus.REFUSED,
    )
    with pytest.raises(ValidationError) as excinfo:
        case.full_clean()
    assert {"refusal_reason", "refusal_note"} <= set(excinfo.value.message_dict)


def test_case_disease_must_be_a_major_illness(village_a):
    minor = MajorDiseaseFactory(name="高血压", is_major_illness=False)
    case = CaseFactory.build(
        person=PersonFactory(household__village=village_a), disease=minor, year=2018
    )
    with pytest.raises(ValidationError) as excinfo:
        case.full_clean()
    assert "大病" in excinfo.value.message_dict["disease"][0]


def test_case_takes_the_catalogue_in_force_in_its_year(village_a):
    person = PersonFactory(household__village=village_a)
    of_2018 = MajorDiseaseFactory(name="肺癌", year=2018)
    # 2019 has no catalogue of its own: 2018's is in force and a 2019 case may use it.
    CaseFactory.build(person=person, disease=of_2018, year=2019).full_clean()
    # Once 2019 has its own catalogue, a 2019 case must use it.
    MajorDiseaseFactory(name="肺癌", year=2019)
    case = CaseFactory.build(person=person, disease=of_2018, year=2019)
    with pytest.raises(ValidationError) as excinfo:
        case.full_clean()
    assert "2019" in excinfo.value.message_dict["disease"][0]


def test_died_case_with_treatment_date_counts_as_treated(village_a):
    case = CaseFactory(
        person=PersonFactory(household__village=village_a),
        status=CaseStatus.DIED,
        treatment_date=datetime.date(2018, 2, 1),
    )
    assert case.counts_as_treated


def test_cases_and_stays_are_scoped_to_township(user_a, village_a, village_b):
    own = CaseFactory(person=PersonFactory(household__village=village_a))
    CaseFactory(person=PersonFactory(household__village=village_b))
    StayFactory(person=PersonFactory(household__village=village_b))
    assert list(MajorIllnessCase.objects.visible_to(user_a)) == [own]
    assert not InpatientStay.objects.visible_to(user_a).exists()
