import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from signing.models import Contract, FulfilmentRecord
from tests.signing.factories import (
    BookletFactory,
    ChronicRegistrationFactory,
    ContractFactory,
    HouseholdFactory,
    PersonFactory,
)


@pytest.fixture
def api_a(user_a):
    client = APIClient()
    client.force_authenticate(user_a)
    return client


@pytest.fixture
def person_a(village_a):
    return PersonFactory(household=HouseholdFactory(village=village_a), name="钱七")


def test_contract_list_is_scoped_and_masked(
    api_a, person_a, village_b, django_assert_max_num_queries
):
    ContractFactory(person=person_a)
    ContractFactory(person=PersonFactory(household=HouseholdFactory(village=village_b)))
    with django_assert_max_num_queries(6):
        response = api_a.get(reverse("signing-contract-list"))
    rows = response.json()["results"]
    assert [r["person_name"] for r in rows] == ["钱七"]
    assert "*" in rows[0]["person_id_number"]


def test_contract_create_goes_through_the_service(api_a, person_a):
    today = timezone.localdate()
    payload = {
        "person": person_a.pk,
        "year": today.year,
        "signed_on": today.isoformat(),
        "method": "electronic",
    }
    assert api_a.post(reverse("signing-contract-list"), payload).status_code == 201
    again = api_a.post(reverse("signing-contract-list"), payload)
    assert again.status_code == 400
    assert Contract.objects.count() == 1


def test_contract_for_other_township_person_is_400(api_a, village_b):
    stranger = PersonFactory(household=HouseholdFactory(village=village_b))
    payload = {"person": stranger.pk, "year": 2018, "signed_on": "2018-03-01"}
    assert api_a.post(reverse("signing-contract-list"), payload).status_code == 400
    assert not Contract.objects.exists()


def test_followup_for_non_patient_is_400(api_a, person_a):
    payload = {"person": person_a.pk, "kind": "follow_up", "served_on": "2018-05-01"}
    response = api_a.post(reverse("signing-fulfilment-list"), payload)
    assert response.status_code == 400
    assert not FulfilmentRecord.objects.exists()


def test_followups_endpoint_uses_the_engine(api_a, person_a):
    ChronicRegistrationFactory(person=person_a, diagnosed_on=datetime.date(2017, 1, 1))
    response = api_a.get(
        reverse("signing-followup-list"), {"as_of": "2018-06-04", "state": "overdue"}
    )
    rows = response.json()["results"]
    assert [(r["person_name"], r["followup_overdue"]) for r in rows] == [("钱七", True)]


def test_booklet_action_issues_booklet(api_a, person_a):
    diagnosis = BookletFactory(diagnosis__person=person_a).diagnosis
    response = api_a.post(
        reverse("signing-diagnosis-booklet", args=[diagnosis.pk]),
        {
            "status": "issued",
            "number": "TN-9",
            "issued_on": "2018-03-01",
            "expires_on": "2030-01-01",
        },
    )
    assert response.status_code == 200
    assert response.json()["booklet"]["number"] == "TN-9"


def test_booklet_action_without_a_status_is_a_400_not_a_500(api_a, person_a):
    # Found by bench/fuzz_api.sh (schemathesis): an empty body reached the service without
    # its status.
    diagnosis = BookletFactory(diagnosis__person=person_a).diagnosis
    response = api_a.post(
        reverse("signing-diagnosis-booklet", args=[diagnosis.pk]), {}, format="multipart"
    )
    assert response.status_code == 400
    assert "status" in response.json()


def test_schema_lists_signing_endpoints(api_a):
    response = api_a.get(reverse("api-schema"), {"format": "json"})
    assert "/api/signing/followups/" in response.json()["paths"]
