import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.treatment.factories import CaseFactory, MajorDiseaseFactory, PersonFactory, StayFactory
from treatment.models import InpatientStay

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_a(user_a):
    client = APIClient()
    client.force_authenticate(user_a)
    return client


def test_case_list_masks_id_numbers_and_is_scoped(
    api_a, village_a, village_b, django_assert_max_num_queries
):
    for _ in range(3):
        CaseFactory(person=PersonFactory(household__village=village_a))
    CaseFactory(person=PersonFactory(household__village=village_b))
    with django_assert_max_num_queries(6):
        response = api_a.get(reverse("treatment-case-list"))
    assert response.json()["count"] == 3
    assert "********" in response.json()["results"][0]["person_id_number"]


def test_stay_create_validates_parts(api_a, village_a):
    person = PersonFactory(household__village=village_a)
    response = api_a.post(
        reverse("treatment-stay-list"),
        {
            "person": person.pk,
            "hospital_name": "泰宁县总医院",
            "admitted_on": "2018-03-01",
            "discharged_on": "2018-03-05",
            "total_cost": "1000.00",
            "policy_cost": "900.00",
            "basic_insurance": "800.00",
            "personal_payment": "100.00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "total_cost" in response.json()
    assert not InpatientStay.objects.exists()


def test_case_create_for_person_outside_scope_is_refused(api_a, village_b):
    person = PersonFactory(household__village=village_b)
    response = api_a.post(
        reverse("treatment-case-list"),
        {"person": person.pk, "disease": MajorDiseaseFactory().pk, "screening_date": "2018-01-05"},
        format="json",
    )
    assert response.status_code == 400


def test_stay_list_shows_ratios(api_a, village_a):
    StayFactory(person=PersonFactory(household__village=village_a))
    row = api_a.get(reverse("treatment-stay-list")).json()["results"][0]
    assert row["personal_share"] == "0.0500"
