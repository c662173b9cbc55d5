"""The offline package (GET /api/field/package/): scoped, masked, with an ETag."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from desk.field.package import field_package
from healthpov.period import ReportingPeriod
from households.models import Household, Person
from signing import followups, selectors
from signing.forms import FollowupForm, HealthCheckForm
from signing.models import FulfilmentKind
from tests.desk.work import TODAY, add_work
from tests.factories import InstitutionFactory, VillageFactory
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.signing.factories import FulfilmentFactory, RosterEntryFactory

URL = "/api/field/package/"


def _get(client, user, **headers):
    client.force_login(user)
    return client.get(URL, headers=headers)


def _numbers(package) -> set[str]:
    return {h["number"] for h in package["households"]}


# --- scope ---------------------------------------------------------------------------------


def test_the_url_is_under_api_field():
    assert reverse("field-package") == URL


def test_anonymous_callers_get_no_package(client, db):
    assert client.get(URL).status_code in {401, 403}


def test_village_doctor_gets_her_village_only(client, village_doctor_a, work):
    package = _get(client, village_doctor_a).json()
    assert _numbers(package) == {"A1", "A2", "A3", "A4", "A5"}
    assert {p["label"] for p in package["places"]} == {"杉城镇·南会村"}


def test_township_staff_get_their_township_and_nothing_of_another(client, user_a, work):
    package = _get(client, user_a).json()
    assert _numbers(package) == {f"{p}{n}" for p in "AN" for n in range(1, 6)}
    households = {h["id"] for h in package["households"]}
    assert {p["household_id"] for p in package["persons"]} <= households
    every_id = {i for ids in package["worklists"].values() for i in ids}
    assert every_id <= households | {p["id"] for p in package["persons"]}


def test_a_user_of_another_township_gets_none_of_township_a(client, user_b, work):
    package = _get(client, user_b).json()
    assert _numbers(package) == {f"B{n}" for n in range(1, 6)}
    body = json.dumps(package, ensure_ascii=False)
    assert "杉城镇" not in body and "南会村" not in body
    names_a = Person.objects.filter(household__village__parent__name="杉城镇").values_list(
        "name", flat=True
    )
    assert not set(names_a) & {p["name"] for p in package["persons"]}


def test_the_package_of_a_user_is_the_same_as_his_pages_scope(user_a, work):
    package = field_package(user=user_a)
    assert {p["id"] for p in package["persons"]} == set(
        Person.objects.visible_to(user_a).values_list("pk", flat=True)
    )
    assert {h["id"] for h in package["households"]} == set(
        Household.objects.visible_to(user_a).values_list("pk", flat=True)
    )


# --- personal data -------------------------------------------------------------------------


def test_no_full_id_number_or_phone_anywhere_in_the_package(client, user_a, village_a, db):
    household = HouseholdFactory(village=village_a, phone="13812345678")
    person = PersonFactory(household=household, phone="13987654321")
    response = _get(client, user_a)
    body = response.content.decode()
    assert person.id_number not in body
    assert "13987654321" not in body and "13812345678" not in body
    row = next(p for p in response.json()["persons"] if p["id"] == person.pk)
    assert row["id_number_masked"] == f"{person.id_number[:6]}********{person.id_number[-4:]}"
    assert row["phone_masked"] == "139****4321"


# --- content -------------------------------------------------------------------------------


def test_a_person_carries_labels_roster_signing_and_follow_up(client, user_a, work):
    package = _get(client, user_a).json()
    assert package["year"] == 2018 and package["as_of"] == TODAY.isoformat()
    by_household = {h["number"]: h for h in package["households"]}
    persons = {p["id"]: p for p in package["persons"]}
    overdue = persons[by_household["A1"]["person_ids"][0]]
    assert overdue["signed"] is True
    assert overdue["chronic"][0]["disease_label"] == "高血压"
    assert overdue["followup"]["state"] == "overdue"
    assert overdue["followup"]["quarter"] == 2
    unsigned = persons[by_household["A2"]["person_ids"][0]]
    assert unsigned["on_roster"] is True and unsigned["signed"] is False
    assert unsigned["followup"] is None
    assert unsigned["relation_label"] == "户主"
    assert persons[by_household["A3"]["person_ids"][0]]["booklet_label"].endswith("：未办理")
    assert by_household["A1"]["village_label"] == "杉城镇·南会村"


def test_work_lists_are_the_township_work_lists(user_a, work):
    package = field_package(user=user_a)
    period = ReportingPeriod.current()
    every = selectors.ListFilters()

    def ids(queryset):
        return list(queryset.values_list("pk", flat=True))

    assert package["worklists"] == {
        "followups_due": ids(
            selectors.followups_due(
                user_a, TODAY.year, TODAY, selectors.ListFilters(state=followups.DUE)
            )
        ),
        "followups_overdue": ids(
            selectors.followups_due(
                user_a, TODAY.year, TODAY, selectors.ListFilters(state=followups.OVERDUE)
            )
        ),
        "unsigned_without_reason": ids(
            selectors.unsigned_without_reason(user_a, period.year, TODAY, every)
        ),
        "households_to_visit": ids(
            selectors.households_to_visit(user_a, period.year, TODAY, every)
        ),
        "brochures_missing": ids(
            selectors.households_without_brochure(user_a, period.year, TODAY, every)
        ),
    }
    assert package["worklists"]["followups_overdue"]
    assert package["worklists"]["unsigned_without_reason"]


def test_a_household_given_the_brochure_leaves_the_brochure_list(user_a, work):
    household = Household.objects.get(number="A2")
    assert household.pk in field_package(user=user_a)["worklists"]["brochures_missing"]
    FulfilmentFactory(
        person=household.members.get(),
        kind=FulfilmentKind.BROCHURE,
        served_on=datetime.date(2018, 5, 1),
    )
    package = field_package(user=user_a)
    assert household.pk not in package["worklists"]["brochures_missing"]
    assert next(h for h in package["households"] if h["id"] == household.pk)["brochure_done"]


def test_forms_are_the_online_forms(user_a, work):
    forms = field_package(user=user_a)["forms"]
    assert set(forms) == {"followup", "fulfilment", "health_check", "unsigned_reason"}
    assert forms["followup"]["target"] == "person"
    assert forms["fulfilment"]["target"] == "household"
    online = FollowupForm(members=[], user=user_a, year=2018)
    assert [f["name"] for f in forms["followup"]["fields"]] == [
        name for name in online.fields if name != "person"
    ]
    fields = {f["name"]: f for f in forms["followup"]["fields"]}
    assert fields["served_on"] == {
        "name": "served_on",
        "label": "随访日期",
        "type": "date",
        "required": True,
        "choices": None,
        "help": None,
    }
    assert fields["systolic"]["min"] == 50 and fields["systolic"]["max"] == 300
    assert fields["symptoms"]["type"] == "multiselect"
    assert ["home", "家庭"] in fields["method"]["choices"]
    fulfilment = {f["name"]: f for f in forms["fulfilment"]["fields"]}
    assert fulfilment["persons"]["choices_from"] == "household_members"
    assert ["brochure", "宣传册"] in fulfilment["kind"]["choices"]
    assert "follow_up" not in {value for value, _label in fulfilment["kind"]["choices"]}
    unsigned = {f["name"]: f for f in forms["unsigned_reason"]["fields"]}
    assert unsigned["contact_note"]["type"] == "textarea"


def test_health_check_institutions_are_those_the_user_may_name(user_a, centre_a, centre_b, db):
    forms = field_package(user=user_a)["forms"]
    institution = next(f for f in forms["health_check"]["fields"] if f["name"] == "institution")
    offered = {value for value, _label in institution["choices"]}
    online = HealthCheckForm(members=[], user=user_a, year=2018).fields["institution"]
    assert offered == {str(i.pk) for i in online.queryset}
    assert str(centre_a.pk) in offered and str(centre_b.pk) not in offered


# --- ETag ----------------------------------------------------------------------------------


def test_the_etag_is_the_version_and_the_answer_is_private(client, user_a, work):
    response = _get(client, user_a)
    version = response.json()["version"]
    assert response["ETag"] == f'"{version}"'
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"cookie", "authorization"} <= vary


@pytest.mark.parametrize("form", ['"{v}"', "{v}", 'W/"{v}"', '"other", "{v}"', "*"])
def test_an_unchanged_package_answers_304_without_a_body(client, user_a, work, form):
    version = _get(client, user_a).json()["version"]
    response = client.get(URL, headers={"If-None-Match": form.format(v=version)})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == f'"{version}"'


def test_the_version_does_not_change_between_two_downloads(client, user_a, work):
    first = _get(client, user_a).json()
    second = client.get(URL).json()
    assert first["version"] == second["version"]


def test_a_changed_package_is_downloaded_again(client, user_a, work):
    version = _get(client, user_a).json()["version"]
    household = Household.objects.get(number="A5")
    FulfilmentFactory(
        person=household.members.get(),
        kind=FulfilmentKind.BROCHURE,
        served_on=datetime.date(2018, 5, 1),
    )
    response = client.get(URL, headers={"If-None-Match": f'"{version}"'})
    assert response.status_code == 200
    assert response.json()["version"] != version


def test_another_user_has_another_version(client, user_a, village_doctor_a, work):
    first = _get(client, user_a).json()["version"]
    response = _get(client, village_doctor_a, **{"If-None-Match": f'"{first}"'})
    assert response.status_code == 200


def test_a_token_gets_the_package_too(client, user_a, work):
    token = Token.objects.create(user=user_a)
    response = client.get(URL, headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "staff_a"
    assert response["Cache-Control"] == "private, no-store"


# --- cost ----------------------------------------------------------------------------------


def _queries(user) -> int:
    with CaptureQueriesContext(connection) as captured:
        field_package(user=user)
    return len(captured)


def test_the_package_reads_a_fixed_number_of_queries(user_a, work, township_a):
    before = _queries(user_a)
    for n in range(3):
        add_work(VillageFactory(name=f"新村{n}", parent=township_a), prefix=f"X{n}-")
    village = VillageFactory(name="大村", parent=township_a)
    for _ in range(20):
        RosterEntryFactory(
            person=PersonFactory(household=HouseholdFactory(village=village)), year=2018
        )
    InstitutionFactory(place=township_a)
    assert _queries(user_a) == before
    assert before <= 30, before


def test_schema_documents_both_endpoints(client, user_a):
    client.force_login(user_a)
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    package = schema["paths"]["/api/field/package/"]["get"]
    assert "304" in package["responses"]
    assert package["operationId"] == "field_package"
    assert schema["paths"]["/api/field/sync/"]["post"]["operationId"] == "field_sync"
