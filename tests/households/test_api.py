"""The registry API (households/api.py): scoped and masked like the pages, written through the
registry's services with their messages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from healthpov.accounts.masking import mask_id_number, mask_phone
from healthpov.accounts.models import User
from households.idnumber import make_resident_id
from households.messages import HOUSEHOLD_NUMBER_NOT_REGISTRABLE, ID_NOT_REGISTRABLE
from households.models import (
    ChangeSource,
    Household,
    Person,
    RevealLog,
    StatusChange,
)
from tests.factories import UserFactory, VillageFactory
from tests.households.factories import HouseholdFactory, PersonFactory

NEW_ID = make_resident_id("350429", datetime.date(1980, 5, 17), 123)  # odd: a man


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api_a(user_a):
    return api(user_a)


@pytest.fixture
def household_a(village_a):
    return HouseholdFactory(village=village_a, number="HA-1", head_name="张甲", phone="13800001111")


@pytest.fixture
def person_a(household_a):
    return PersonFactory(household=household_a, name="张甲", phone="13900002222")


@pytest.fixture
def person_b(village_b):
    return PersonFactory(household=HouseholdFactory(village=village_b, number="HB-1"), name="李乙")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# ------------------------------------------------------------------ reading


def test_household_list_holds_own_township_only(api_a, person_a, person_b):
    numbers = [row["number"] for row in results(api_a.get(reverse("household-list")))]
    assert numbers == ["HA-1"]


def test_person_list_holds_own_township_only(api_a, person_a, person_b):
    names = [row["name"] for row in results(api_a.get(reverse("person-list")))]
    assert names == ["张甲"]


def test_county_user_lists_every_township(county_user, person_a, person_b):
    names = {row["name"] for row in results(api(county_user).get(reverse("person-list")))}
    assert names == {"张甲", "李乙"}


def test_person_list_masks_id_numbers_and_phones(api_a, person_a):
    (row,) = results(api_a.get(reverse("person-list")))
    assert row["id_number"] == mask_id_number(person_a.id_number)
    assert row["phone"] == mask_phone("13900002222")


def test_person_detail_masks_the_id_number(api_a, person_a):
    response = api_a.get(reverse("person-detail", kwargs={"pk": person_a.pk}))
    assert response.json()["id_number"] == mask_id_number(person_a.id_number)


def test_household_detail_lists_members_masked(api_a, person_a):
    response = api_a.get(reverse("household-detail", kwargs={"pk": person_a.household_id}))
    body = response.json()
    assert body["phone"] == mask_phone("13800001111")
    assert [(m["name"], m["id_number"]) for m in body["members"]] == [
        ("张甲", mask_id_number(person_a.id_number))
    ]


def test_another_townships_household_is_not_found(api_a, person_b):
    url = reverse("household-detail", kwargs={"pk": person_b.household_id})
    assert api_a.get(url).status_code == 404


def test_another_townships_person_is_not_found(api_a, person_b):
    assert api_a.get(reverse("person-detail", kwargs={"pk": person_b.pk})).status_code == 404


def test_household_list_query_count_is_fixed(api_a, village_a, django_assert_max_num_queries):
    for _ in range(30):
        PersonFactory(household=HouseholdFactory(village=village_a))
    with django_assert_max_num_queries(4):
        assert len(results(api_a.get(reverse("household-list")))) == 30


def test_person_list_query_count_is_fixed(api_a, village_a, django_assert_max_num_queries):
    for _ in range(30):
        PersonFactory(household=HouseholdFactory(village=village_a))
    with django_assert_max_num_queries(4):
        assert len(results(api_a.get(reverse("person-list")))) == 30


def test_household_detail_query_count_does_not_grow_with_members(
    api_a, household_a, django_assert_max_num_queries
):
    for _ in range(10):
        PersonFactory(household=household_a)
    with django_assert_max_num_queries(4):
        api_a.get(reverse("household-detail", kwargs={"pk": household_a.pk}))


# ------------------------------------------------------------------ filters


def test_persons_filter_by_village(api_a, township_a, person_a):
    other_village = VillageFactory(name="北门村", parent=township_a)
    PersonFactory(household=HouseholdFactory(village=other_village), name="王丙")
    rows = results(api_a.get(reverse("person-list"), {"village": other_village.pk}))
    assert [row["name"] for row in rows] == ["王丙"]


def test_households_filter_by_township(county_user, person_a, person_b, township_b):
    rows = results(api(county_user).get(reverse("household-list"), {"township": township_b.pk}))
    assert [row["number"] for row in rows] == ["HB-1"]


def test_households_filter_by_poverty_status(api_a, household_a, village_a):
    HouseholdFactory(village=village_a, number="HA-OUT", poverty_status="out")
    rows = results(api_a.get(reverse("household-list"), {"poverty_status": "out"}))
    assert [row["number"] for row in rows] == ["HA-OUT"]


def test_persons_search_by_name(api_a, person_a, household_a):
    PersonFactory(household=household_a, name="王丙")
    rows = results(api_a.get(reverse("person-list"), {"q": "丙"}))
    assert [row["name"] for row in rows] == ["王丙"]


def test_another_townships_village_filter_finds_nothing(api_a, person_a, person_b, village_b):
    assert results(api_a.get(reverse("person-list"), {"village": village_b.pk})) == []


@pytest.mark.parametrize("value", ["abc", "1e3", "-1", "99999999999999999999999999"])
def test_a_bad_place_id_is_a_400_naming_the_filter(api_a, person_a, value):
    response = api_a.get(reverse("household-list"), {"village": value})
    assert response.status_code == 400
    assert list(response.json()) == ["village"]


def test_a_bad_poverty_status_is_a_400(api_a, person_a):
    response = api_a.get(reverse("person-list"), {"poverty_status": "rich"})
    assert response.status_code == 400
    assert list(response.json()) == ["poverty_status"]


def test_search_by_id_number_is_a_post(api_a, person_a, household_a):
    PersonFactory(household=household_a, name="王丙")
    typed = person_a.id_number.lower()[:6] + " " + person_a.id_number[6:]
    response = api_a.post(reverse("person-search-by-id"), {"id_number": typed}, format="json")
    assert [row["name"] for row in response.json()] == ["张甲"]


def test_search_by_id_number_does_not_find_another_township(api_a, person_b):
    response = api_a.post(
        reverse("person-search-by-id"), {"id_number": person_b.id_number}, format="json"
    )
    assert response.json() == []


@pytest.mark.leak_scan_off(reason="the test itself puts an ID in the URL to show it is ignored")
def test_list_ignores_an_id_number_in_the_query_string(api_a, person_a, household_a):
    PersonFactory(household=household_a, name="王丙")
    rows = results(api_a.get(reverse("person-list"), {"id_number": person_a.id_number}))
    assert {row["name"] for row in rows} == {"张甲", "王丙"}


# ------------------------------------------------------------------ writing households


def household_data(village, **changes):
    return {"number": "HA-NEW", "village": village.pk, "head_name": "赵丁", **changes}


def test_create_household_in_own_village(api_a, village_a, township_a):
    response = api_a.post(reverse("household-list"), household_data(village_a), format="json")
    assert response.status_code == 201, response.content
    household = Household.objects.get(number="HA-NEW")
    assert (household.village, household.township) == (village_a, township_a)
    assert response.json()["township"] == township_a.pk


def test_create_household_refuses_another_townships_village(api_a, village_b):
    response = api_a.post(reverse("household-list"), household_data(village_b), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["village"]
    assert not Household.objects.filter(number="HA-NEW").exists()


def test_create_household_ignores_a_township_in_the_body(api_a, village_a, township_a, township_b):
    data = household_data(village_a, township=township_b.pk)
    assert api_a.post(reverse("household-list"), data, format="json").status_code == 201
    assert Household.objects.get(number="HA-NEW").township == township_a


def test_create_household_refuses_a_township_as_village(api_a, township_a):
    response = api_a.post(reverse("household-list"), household_data(township_a), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["village"]


def test_create_household_refuses_a_number_in_use_in_chinese(api_a, village_a, household_a):
    response = api_a.post(
        reverse("household-list"), household_data(village_a, number="HA-1"), format="json"
    )
    assert response.status_code == 400
    # Existence-neutral, as on the form (issue 14, item 5).
    assert response.json() == {"number": [str(HOUSEHOLD_NUMBER_NOT_REGISTRABLE)]}


def test_create_household_refuses_a_bad_phone_in_chinese(api_a, village_a):
    response = api_a.post(
        reverse("household-list"), household_data(village_a, phone="12ab"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"phone": ["“12ab”不是电话号码。"]}


def test_update_household_keeps_the_phone_when_left_out(api_a, household_a):
    url = reverse("household-detail", kwargs={"pk": household_a.pk})
    response = api_a.patch(url, {"head_name": "张新"}, format="json")
    assert response.status_code == 200, response.content
    household_a.refresh_from_db()
    assert (household_a.head_name, household_a.phone) == ("张新", "13800001111")


def test_update_household_poverty_status_is_recorded_as_a_staff_edit(api_a, household_a, user_a):
    url = reverse("household-detail", kwargs={"pk": household_a.pk})
    api_a.patch(url, {"poverty_status": "out"}, format="json")
    change = StatusChange.objects.get(household=household_a)
    assert (change.field, change.old_value, change.new_value) == (
        "poverty_status",
        "not_out",
        "out",
    )
    assert (change.source, change.actor) == (ChangeSource.STAFF, user_a)


def test_household_status_change_records_date_and_reason(api_a, household_a, user_a):
    url = reverse("household-status", kwargs={"pk": household_a.pk})
    response = api_a.post(
        url,
        {"poverty_status": "out", "changed_on": "2024-12-01", "reason": "收入达标"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["poverty_status"] == "out"
    change = StatusChange.objects.get(household=household_a)
    assert (change.changed_on, change.reason, change.source) == (
        datetime.date(2024, 12, 1),
        "收入达标",
        ChangeSource.STAFF,
    )


def test_household_status_change_refuses_a_future_date_in_chinese(api_a, household_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api_a.post(
        reverse("household-status", kwargs={"pk": household_a.pk}),
        {"poverty_status": "out", "changed_on": tomorrow.isoformat(), "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"changed_on": ["日期不能晚于今天。"]}


def test_county_user_cannot_create_households(county_user, village_a):
    response = api(county_user).post(
        reverse("household-list"), household_data(village_a), format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "只有乡镇工作人员和村医可以修改建档立卡信息。"


def test_county_user_cannot_change_a_status(county_user, household_a):
    response = api(county_user).post(
        reverse("household-status", kwargs={"pk": household_a.pk}),
        {"poverty_status": "out", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403


# ------------------------------------------------------------------ writing persons


def person_data(household, **changes):
    return {
        "household": household.pk,
        "name": "赵丁",
        "id_number": NEW_ID,
        "relation": "son",
        **changes,
    }


def test_create_person_derives_sex_and_birth_date_from_the_id(api_a, household_a, user_a):
    response = api_a.post(reverse("person-list"), person_data(household_a), format="json")
    assert response.status_code == 201, response.content
    person = Person.objects.get(id_number=NEW_ID)
    assert (person.sex, person.birth_date, person.created_by) == (
        "M",
        datetime.date(1980, 5, 17),
        user_a,
    )
    assert response.json()["id_number"] == mask_id_number(NEW_ID)


def test_create_person_refuses_a_bad_check_digit_in_chinese(api_a, household_a):
    wrong = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
    response = api_a.post(
        reverse("person-list"), person_data(household_a, id_number=wrong), format="json"
    )
    assert response.status_code == 400
    (message,) = response.json()["id_number"]
    assert message.startswith("身份证号校验位错误")


def test_create_person_refuses_an_id_number_in_use_in_chinese(api_a, household_a, person_a):
    response = api_a.post(
        reverse("person-list"),
        person_data(household_a, id_number=person_a.id_number),
        format="json",
    )
    assert response.status_code == 400
    # The same words whether the number is held in this township or another (issue 14, item 5).
    assert response.json() == {"id_number": [str(ID_NOT_REGISTRABLE)]}


def test_create_person_refuses_another_townships_household(api_a, person_b):
    response = api_a.post(reverse("person-list"), person_data(person_b.household), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["household"]


def test_create_person_needs_an_id_number(api_a, household_a):
    data = person_data(household_a)
    del data["id_number"]
    response = api_a.post(reverse("person-list"), data, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["id_number"]


def test_village_doctor_adds_a_person_in_own_village(village_doctor_a, household_a):
    response = api(village_doctor_a).post(
        reverse("person-list"), person_data(household_a), format="json"
    )
    assert response.status_code == 201, response.content


def test_update_person_keeps_the_id_number_when_left_out(api_a, person_a):
    stored = person_a.id_number
    response = api_a.patch(
        reverse("person-detail", kwargs={"pk": person_a.pk}),
        {"name": "张甲改", "phone": "139 0000 3333"},
        format="json",
    )
    assert response.status_code == 200, response.content
    person_a.refresh_from_db()
    assert (person_a.name, person_a.id_number, person_a.phone) == ("张甲改", stored, "13900003333")


def test_update_person_refuses_a_bad_phone_in_chinese(api_a, person_a):
    response = api_a.patch(
        reverse("person-detail", kwargs={"pk": person_a.pk}), {"phone": "12ab"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"phone": ["“12ab”不是电话号码。"]}


def test_update_person_cannot_set_the_status_directly(api_a, person_a):
    api_a.patch(
        reverse("person-detail", kwargs={"pk": person_a.pk}), {"status": "died"}, format="json"
    )
    person_a.refresh_from_db()
    assert person_a.status == "normal"


def test_person_status_change_is_recorded_with_date_and_reason(api_a, person_a, user_a):
    response = api_a.post(
        reverse("person-status", kwargs={"pk": person_a.pk}),
        {"status": "died", "changed_on": "2024-03-02", "reason": "病故"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "died"
    change = StatusChange.objects.get(person=person_a)
    assert (change.old_value, change.new_value, change.changed_on, change.reason) == (
        "normal",
        "died",
        datetime.date(2024, 3, 2),
        "病故",
    )
    assert (change.source, change.actor) == (ChangeSource.STAFF, user_a)


def test_person_status_change_refuses_a_future_date_in_chinese(api_a, person_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api_a.post(
        reverse("person-status", kwargs={"pk": person_a.pk}),
        {"status": "died", "changed_on": tomorrow.isoformat(), "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"changed_on": ["日期不能晚于今天。"]}


def test_person_status_change_needs_a_reason(api_a, person_a):
    response = api_a.post(
        reverse("person-status", kwargs={"pk": person_a.pk}),
        {"status": "died", "reason": "  "},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert not StatusChange.objects.exists()


# ------------------------------------------------------------------ reveal


def test_reveal_gives_the_full_id_and_is_audited(api_a, person_a, user_a):
    response = api_a.post(reverse("person-reveal", kwargs={"pk": person_a.pk}))
    assert response.json() == {"id_number": person_a.id_number, "phone": "13900002222"}
    assert RevealLog.objects.filter(person=person_a, user=user_a).count() == 1


def test_reveal_is_refused_to_a_role_that_may_not_reveal(county, person_a):
    city = UserFactory(username="city_1", role=User.Role.CITY_BUREAU, place=county)
    response = api(city).post(reverse("person-reveal", kwargs={"pk": person_a.pk}))
    assert response.status_code == 403
    assert not RevealLog.objects.exists()


def test_household_reveal_gives_the_phone_and_is_audited(api_a, household_a, user_a):
    response = api_a.post(reverse("household-reveal", kwargs={"pk": household_a.pk}))
    assert response.json() == {"phone": "13800001111"}
    assert RevealLog.objects.filter(household=household_a, person=None).count() == 1


# ------------------------------------------------------------------ schema


def test_schema_documents_the_registry_paths(api_a):
    paths = api_a.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert {
        "/api/households/households/",
        "/api/households/households/{id}/",
        "/api/households/households/{id}/status/",
        "/api/households/persons/",
        "/api/households/persons/{id}/",
        "/api/households/persons/{id}/status/",
        "/api/households/persons/search-by-id/",
    } <= set(paths)


def test_schema_documents_refusals_of_writes(api_a):
    paths = api_a.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    answers = paths["/api/households/persons/{id}/status/"]["post"]["responses"]
    assert {"200", "400", "403", "404"} <= set(answers)
