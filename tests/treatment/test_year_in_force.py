"""A year without its own major-illness catalogue or treatment policy uses the newest earlier
year's."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.treatment.factories import CaseFactory, MajorDiseaseFactory, PersonFactory
from treatment import services
from treatment.forms import CaseForm
from treatment.models import CaseStatus, MajorIllnessCase, TreatmentPolicy

pytestmark = pytest.mark.django_db


def test_case_form_offers_the_major_illnesses_in_force_this_year(user_a):
    this_year = timezone.localdate().year
    MajorDiseaseFactory(year=this_year - 3, name="胃癌")
    MajorDiseaseFactory(year=this_year - 1, name="肺癌")
    form = CaseForm(user=user_a)
    assert [str(label) for value, label in form.fields["disease"].choices if value != ""] == [
        f"肺癌 ({this_year - 1})"
    ]


def test_case_form_of_an_old_case_offers_its_years_catalogue(user_a, village_a):
    MajorDiseaseFactory(year=2018, name="胃癌")
    MajorDiseaseFactory(year=2024, name="肺癌")
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    form = CaseForm(user=user_a, person=case.person, year=case.year)
    assert {str(label) for value, label in form.fields["disease"].choices if value != ""} == {
        "终末期肾病 (2018)",
        "胃癌 (2018)",
    }


def test_case_recorded_this_year_with_last_years_catalogue(client_a, village_a):
    today = timezone.localdate()
    person = PersonFactory(household__village=village_a)
    disease = MajorDiseaseFactory(year=today.year - 1)
    response = client_a.post(
        reverse("treatment:case_create"),
        {
            "id_number": person.id_number,
            "disease": disease.pk,
            "screening_date": today.isoformat(),
            "hospital_name": "三明市第一医院",
            "status": CaseStatus.SCREENED,
        },
    )
    assert response.status_code == 302
    assert MajorIllnessCase.objects.get().disease == disease


def test_treatment_policy_of_a_year_without_one_is_the_newest_earlier_years():
    TreatmentPolicy.objects.create(year=2021, personal_share_cap=Decimal("0.08"))
    assert TreatmentPolicy.for_year(2026).personal_share_cap == Decimal("0.08")


def test_treatment_policy_start_year_copies_once(admin_user):
    TreatmentPolicy.objects.create(year=2021, personal_share_cap=Decimal("0.08"))
    assert services.treatment_policy_start_year(year=2026, actor=admin_user) == 1
    assert services.treatment_policy_start_year(year=2026, actor=admin_user) == 0
    assert TreatmentPolicy.objects.get(year=2026).personal_share_cap == Decimal("0.08")


def test_case_of_a_year_screened_with_an_earlier_catalogue_passes_the_model_check(village_a):
    disease = MajorDiseaseFactory(year=2018)
    case = MajorIllnessCase(
        person=PersonFactory(household__village=village_a),
        disease=disease,
        year=2026,
        screening_date=datetime.date(2026, 3, 1),
        status=CaseStatus.SCREENED,
    )
    case.clean()
