import tablib
from django.urls import reverse

from households.admin import PersonResource
from households.models import Person
from tests.households.factories import HouseholdFactory
from tests.households.workbooks import person_id


def _dataset(*rows):
    return tablib.Dataset(
        *rows,
        headers=["身份证号码", "姓名", "户编号", "与户主关系", "健康状况", "人员状态", "是否参保"],
    )


def test_admin_resource_imports_with_the_roster_normalisers(village_a):
    HouseholdFactory(village=village_a, number="H1")
    number = person_id(1)
    result = PersonResource().import_data(
        _dataset([f" {number.lower()} ", "张三", "H1", "户主", "长期慢性病", "正常", "√"])
    )
    assert not result.has_errors() and not result.has_validation_errors()
    person = Person.objects.get()
    assert (person.id_number, person.relation, person.health, person.insured) == (
        number,
        "head",
        "chronic",
        True,
    )
    assert person.birth_date.isoformat().replace("-", "") == number[6:14]


def test_admin_resource_refuses_a_bad_check_digit(village_a):
    HouseholdFactory(village=village_a, number="H1")
    number = person_id(1)
    wrong = number[:17] + ("0" if number[-1] != "0" else "1")
    result = PersonResource().import_data(
        _dataset([wrong, "张三", "H1", "户主", "", "", ""]), dry_run=True
    )
    # The ID is the lookup key, so import-export reports it as a row error (not a field error).
    assert result.has_errors()
    assert "校验位" in str(result.rows[0].errors[0].error)
    assert not Person.objects.exists()


def test_admin_resource_refuses_an_unknown_relation(village_a):
    HouseholdFactory(village=village_a, number="H1")
    result = PersonResource().import_data(
        _dataset([person_id(2), "张三", "H1", "邻居", "", "", ""]), dry_run=True
    )
    assert result.has_validation_errors()


def test_admin_person_list_masks_ids(client, admin_user, village_a):
    from tests.households.factories import PersonFactory

    person = PersonFactory(household=HouseholdFactory(village=village_a))
    client.force_login(admin_user)
    content = client.get(reverse("admin:households_person_changelist")).content.decode()
    assert person.id_number not in content
