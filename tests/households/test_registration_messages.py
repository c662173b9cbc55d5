"""A number that cannot be registered gets one message, wherever (and whether) it is stored.

The message says the number cannot be registered from this account and whom to ask; it never
says that the number is registered in another township.
"""

import pytest
from django.utils import translation

from households import services
from households.forms import HouseholdForm, PersonForm
from households.imports import ImportContext
from households.models import Person
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.households.workbooks import person_id, roster_row, write_roster

pytestmark = pytest.mark.usefixtures("village_a", "village_b")


def import_errors(path, user):
    context = ImportContext(user=user, options={"year": 2018})
    with translation.override("zh-hans"):
        return services.import_file(kind="roster", path=path, context=context, actor=user).errors


def person_form_error(user, household, id_number: str) -> str:
    form = PersonForm(
        {"name": "张三", "id_number": id_number, "relation": "head", "insured": "on"},
        instance=Person(household=household),
    )
    with translation.override("zh-hans"):
        return form.errors["id_number"][0]


def household_form_error(user, village, number: str) -> str:
    data = {
        "number": number,
        "village": village.pk,
        "head_name": "张三",
        "registration_year": "2016",
        "household_type": "general",
        "poverty_status": "not_out",
        "main_cause": "illness",
    }
    with translation.override("zh-hans"):
        return HouseholdForm(data, user=user).errors["number"][0]


def test_person_form_says_the_same_for_an_id_in_my_township_and_in_another(
    user_a, village_a, village_b
):
    mine = PersonFactory(household=HouseholdFactory(village=village_a), id_number=person_id(1))
    theirs = PersonFactory(household=HouseholdFactory(village=village_b), id_number=person_id(2))
    household = HouseholdFactory(village=village_a)

    assert person_form_error(user_a, household, mine.id_number) == person_form_error(
        user_a, household, theirs.id_number
    )


def test_household_form_says_the_same_for_a_number_in_my_township_and_in_another(
    user_a, village_a, village_b
):
    HouseholdFactory(village=village_a, number="A-1")
    HouseholdFactory(village=village_b, number="B-1")

    assert household_form_error(user_a, village_a, "A-1") == household_form_error(
        user_a, village_a, "B-1"
    )


def test_import_of_an_id_stored_elsewhere_gives_the_form_message(
    tmp_path, user_a, village_a, village_b
):
    theirs = PersonFactory(household=HouseholdFactory(village=village_b), id_number=person_id(0))
    errors = import_errors(write_roster(tmp_path / "r.xlsx", [roster_row(0)]), user_a)
    message = next(e["message"] for e in errors if e["column"] == "身份证号码")

    assert message == person_form_error(
        user_a, HouseholdFactory(village=village_a), theirs.id_number
    )
    assert "县卫健局" in message
    assert "乡镇" not in message


def test_import_of_a_household_number_stored_elsewhere_gives_the_form_message(
    tmp_path, user_a, village_a, village_b
):
    HouseholdFactory(village=village_b, number="B-1")
    errors = import_errors(
        write_roster(tmp_path / "r.xlsx", [roster_row(0, household="B-1")]), user_a
    )
    message = next(e["message"] for e in errors if e["column"] == "户编号")

    assert message == household_form_error(user_a, village_a, "B-1")
    assert "县卫健局" in message
    assert "乡镇" not in message
