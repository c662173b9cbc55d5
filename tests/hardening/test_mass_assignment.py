"""Attacks beyond the permission matrix: township B's places and records smuggled into township
A's forms and API calls (mass assignment), and foreign-key walks through API filters.

User A may never create or move anything into township B, nor learn anything about B's
records by naming their ids.
"""

import pytest
from rest_framework.test import APIClient

from households.models import Household, Person
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.treatment.factories import CaseFactory, StayFactory
from treatment.models import InpatientStay


@pytest.fixture
def household_a(village_a):
    return HouseholdFactory(village=village_a, number="A-0001")


@pytest.fixture
def household_b(village_b):
    return HouseholdFactory(village=village_b, number="B-0001")


@pytest.fixture
def person_b(household_b):
    return PersonFactory(household=household_b, name="乙村居民")


@pytest.fixture
def api_a(user_a):
    client = APIClient()
    client.force_authenticate(user_a)
    return client


def household_post(village, township, number="A-NEW"):
    return {
        "number": number,
        "village": village.pk,
        "township": township.pk,  # not a form field: must be ignored, never trusted
        "head_name": "张三",
        "phone": "",
        "registration_year": "2016",
        "household_type": "general",
        "poverty_status": "not_out",
        "main_cause": "illness",
    }


def test_household_cannot_be_created_in_another_townships_village(client_a, village_b, township_b):
    response = client_a.post("/households/new/", household_post(village_b, township_b))
    assert response.status_code in {200, 400, 404}
    assert not Household.objects.filter(number="A-NEW").exists()


def test_township_field_in_a_create_body_is_ignored(client_a, village_a, township_b, township_a):
    client_a.post("/households/new/", household_post(village_a, township_b))
    created = Household.objects.filter(number="A-NEW").first()
    if created is not None:  # the form accepted A's village: the township follows it, not the body
        assert created.township_id == township_a.pk
        assert created.village_id == village_a.pk


def test_household_cannot_be_moved_to_another_township(
    client_a, household_a, village_b, township_b, village_a
):
    data = household_post(village_b, township_b, number=household_a.number)
    client_a.post(f"/households/{household_a.pk}/edit/", data)
    household_a.refresh_from_db()
    assert household_a.village_id == village_a.pk
    assert household_a.township_id == village_a.parent_id


def test_person_cannot_be_added_to_another_townships_household(client_a, household_a, household_b):
    before = Person.objects.filter(household=household_b).count()
    client_a.post(
        f"/households/{household_a.pk}/members/new/",
        {"household": household_b.pk, "name": "混入者", "id_number": "", "relation": "son"},
    )
    assert Person.objects.filter(household=household_b).count() == before


def test_duplicated_household_parameter_does_not_reach_another_township(
    client_a, household_a, household_b
):
    response = client_a.post(
        f"/households/{household_b.pk}/members/new/?household={household_a.pk}",
        {"name": "混入者", "relation": "son"},
    )
    assert response.status_code == 404


def test_api_stay_for_another_townships_person_is_refused(api_a, person_b):
    response = api_a.post(
        "/api/treatment/stays/",
        {
            "person": person_b.pk,
            "hospital_name": "泰宁县总医院",
            "in_county": True,
            "admitted_on": "2018-03-01",
            "discharged_on": "2018-03-05",
            "total_cost": "100.00",
            "policy_cost": "100.00",
            "basic_insurance": "50.00",
            "critical_insurance": "0",
            "medical_assistance": "0",
            "supplementary_insurance": "0",
            "personal_payment": "50.00",
            "deposit_taken": False,
            "one_stop": True,
        },
        format="json",
    )
    assert response.status_code in {400, 404}, response.status_code
    assert not InpatientStay.objects.filter(person=person_b).exists()


@pytest.mark.parametrize(
    ("url", "parameter"),
    [("/api/treatment/stays/", "person"), ("/api/treatment/stays/", "case"),
     ("/api/treatment/calls/", "case")],
)  # fmt: skip
def test_api_filter_by_another_townships_id_shows_nothing(api_a, person_b, url, parameter):
    case_b = CaseFactory(person=person_b)
    StayFactory(person=person_b, case=case_b)
    value = person_b.pk if parameter == "person" else case_b.pk
    response = api_a.get(url, {parameter: value})
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        assert response.json()["count"] == 0
    assert "乙村居民" not in response.content.decode()
