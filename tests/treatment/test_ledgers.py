import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from households import services as household_services
from households.imports import ImportContext, ImportRun, get_ledger
from tests.treatment.factories import MajorDiseaseFactory, PersonFactory
from treatment.models import CaseStatus, InpatientStay, MajorIllnessCase

pytestmark = pytest.mark.django_db

CASE_HEADER = ["身份证号", "病种", "排查日期", "救治状态", "定点医院", "救治日期", "拒绝原因"]
STAY_HEADER = [
    "身份证号",
    "医院",
    "是否县域内",
    "入院日期",
    "出院日期",
    "总费用",
    "政策范围内费用",
    "基本医保",
    "大病保险",
    "医疗救助",
    "补充保险",
    "个人自付",
    "是否收取押金",
    "是否一站式结算",
]


def workbook(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["泰宁县建档立卡贫困人口台账"])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def run(kind, path, user=None):
    context = ImportContext(user=user, options={}, today=datetime.date(2018, 6, 4))
    with translation.override("zh-hans"):
        return household_services.import_file(kind=kind, path=path, context=context, actor=user)


def stay_row(person, **over):
    row = {
        "id": person.id_number,
        "hospital": "泰宁县总医院",
        "in": "是",
        "adm": "2018-03-01",
        "dis": "2018.3.9",
        "total": "8,000.00",
        "policy": 7500,
        "basic": 5000,
        "critical": 1500,
        "assist": 700,
        "supp": 400,
        "own": 400,
        "deposit": "否",
        "onestop": "√",
    }
    row.update(over)
    return list(row.values())


def test_major_illness_ledger_imports_and_reimport_changes_nothing(tmp_path, village_a):
    MajorDiseaseFactory()
    person = PersonFactory(household__village=village_a)
    refused = PersonFactory(household__village=village_a)
    path = workbook(
        tmp_path / "cases.xlsx",
        CASE_HEADER,
        [
            [
                person.id_number,
                "终末期肾病",
                "2018-01-05",
                "已救治",
                "三明市第一医院",
                "2018-02-01",
                "",
            ],
            [refused.id_number, "终末期肾病", "2018/1/6", "拒绝", "", "", "外出务工,拒绝回乡治疗"],
        ],
    )
    result = run("major_illness", path)
    assert result.applied, result.error_lines()
    assert result.counts["created"] == 2
    assert MajorIllnessCase.objects.get(person=refused).status == CaseStatus.REFUSED
    again = run("major_illness", path)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 2}


def test_disease_outside_catalogue_is_a_row_error_naming_the_catalogue(tmp_path, village_a):
    MajorDiseaseFactory()
    person = PersonFactory(household__village=village_a)
    path = workbook(
        tmp_path / "cases.xlsx",
        CASE_HEADER,
        [[person.id_number, "终末期肾炎", "2018-01-05", "已排查"]],
    )
    result = run("major_illness", path)
    assert not result.applied
    assert "终末期肾病" in " ".join(result.error_lines())
    assert not MajorIllnessCase.objects.exists()


def test_refusal_without_reason_is_a_row_error(tmp_path, village_a):
    MajorDiseaseFactory()
    person = PersonFactory(household__village=village_a)
    path = workbook(
        tmp_path / "c.xlsx", CASE_HEADER, [[person.id_number, "终末期肾病", "2018-01-05", "拒绝"]]
    )
    result = run("major_illness", path)
    assert "拒绝原因" in " ".join(result.error_lines())


def test_stays_ledger_imports_decimals_once(tmp_path, village_a):
    person = PersonFactory(household__village=village_a)
    path = workbook(tmp_path / "stays.xlsx", STAY_HEADER, [stay_row(person)])
    result = run("stays", path)
    assert result.applied, result.error_lines()
    assert InpatientStay.objects.get().total_cost == Decimal("8000.00")
    assert run("stays", path).counts == {"created": 0, "unchanged": 1}


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"own": "-400"}, "负数"),
        ({"own": "四百"}, "个人自付"),
        ({"dis": "2018-02-01"}, "出院日期"),
        ({"own": 300}, "100.00"),
    ],
)
def test_bad_stay_rows_are_refused_whole(tmp_path, village_a, over, expected):
    person = PersonFactory(household__village=village_a)
    path = workbook(tmp_path / "s.xlsx", STAY_HEADER, [stay_row(person, **over)])
    result = run("stays", path)
    assert not result.applied
    assert expected in " ".join(result.error_lines())
    assert not InpatientStay.objects.exists()


def test_stay_of_person_not_on_roster_is_a_row_error(tmp_path, village_a, village_b, user_a):
    stranger = PersonFactory(household__village=village_b)
    path = workbook(tmp_path / "s.xlsx", STAY_HEADER, [stay_row(stranger)])
    result = run("stays", path, user=user_a)
    assert not result.applied
    assert not InpatientStay.objects.exists()


def test_ledgers_are_registered():
    assert get_ledger("major_illness").kind == "major_illness"
    assert get_ledger("stays").kind == "stays"
    assert ImportRun is not None
