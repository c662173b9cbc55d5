import datetime

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from households import services as household_services
from households.imports import ImportContext, ledger_kinds
from signing.catalogue import ensure_default_catalogue
from signing.models import (
    Booklet,
    BookletStatus,
    ChronicRegistration,
    Contract,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SignMethod,
    UnsignedRecord,
)
from tests.signing.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    HouseholdFactory,
    PersonFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2018, 6, 4)


def workbook(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["泰宁县建档立卡贫困人口签约台账"])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def run(kind, path, user=None):
    context = ImportContext(user=user, options={}, today=TODAY)
    with translation.override("zh-hans"):
        return household_services.import_file(kind=kind, path=path, context=context, actor=user)


@pytest.fixture
def person(village_a):
    return PersonFactory(household=HouseholdFactory(village=village_a))


def test_signing_ledgers_are_registered():
    kinds = set(ledger_kinds())
    assert {"contracts", "unsigned", "chronic", "fulfilment", "health_checks"} <= kinds
    assert "special_diseases" in kinds


def test_contracts_import_and_reimport_changes_nothing(tmp_path, person, centre_a):
    team = TeamFactory(institution=centre_a, name="杉城一队")
    header = ["身份证号", "年度", "签约日期", "签约方式", "服务包", "签约团队", "签约医生"]
    path = workbook(
        tmp_path / "c.xlsx",
        header,
        [[person.id_number, 2018, "2018.3.1", "电子", "基础包", "杉城一队", "陈医生"]],
    )
    result = run("contracts", path)
    assert result.ok, result.error_lines()
    contract = Contract.objects.get()
    assert (contract.method, contract.team, contract.doctor_name) == (
        SignMethod.ELECTRONIC,
        team,
        "陈医生",
    )
    again = run("contracts", path)
    assert again.counts["unchanged"] == 1
    assert Contract.objects.count() == 1


def test_unknown_team_is_kept_as_text(tmp_path, person):
    header = ["身份证号", "年度", "签约日期", "签约方式", "签约团队"]
    path = workbook(
        tmp_path / "c.xlsx", header, [[person.id_number, 2018, "2018-03-01", "纸质", "无名队"]]
    )
    assert run("contracts", path).ok
    assert Contract.objects.get().team_display == "无名队"


def test_contract_id_not_on_roster_is_a_row_error(tmp_path, village_b, user_a):
    stranger = PersonFactory(household=HouseholdFactory(village=village_b))
    path = workbook(
        tmp_path / "c.xlsx",
        ["身份证号", "年度", "签约日期"],
        [[stranger.id_number, 2018, "2018-03-01"]],
    )
    result = run("contracts", path, user=user_a)
    assert not result.ok
    assert result.errors[0]["row"] == 4
    assert not Contract.objects.exists()


def test_contract_in_future_is_refused_whole(tmp_path, person, village_a):
    other = PersonFactory(household=HouseholdFactory(village=village_a))
    path = workbook(
        tmp_path / "c.xlsx",
        ["身份证号", "年度", "签约日期"],
        [[person.id_number, 2018, "2018-03-01"], [other.id_number, 2018, "2018-07-01"]],
    )
    result = run("contracts", path)
    assert result.error_count == 1
    assert "日期" in result.error_lines()[0]
    assert not Contract.objects.exists()


def test_unsigned_import_and_signed_person_is_error(tmp_path, person, village_a):
    signed = PersonFactory(household=HouseholdFactory(village=village_a))
    ContractFactory(person=signed, year=2018)
    header = ["身份证号", "年度", "未签约原因", "登记日期", "联系情况"]
    path = workbook(
        tmp_path / "u.xlsx", header, [[person.id_number, 2018, "外嫁", "2018-4-1", "电话"]]
    )
    assert run("unsigned", path).ok
    assert UnsignedRecord.objects.get().reason == "married"
    bad = workbook(tmp_path / "b.xlsx", header, [[signed.id_number, 2018, "拒签", "2018-4-1", "x"]])
    assert not run("unsigned", bad).ok


def test_chronic_disease_outside_catalogue_names_the_catalogue(tmp_path, person):
    ensure_default_catalogue(2018)
    header = ["身份证号", "病种", "确诊日期", "管理医生"]
    path = workbook(tmp_path / "k.xlsx", header, [[person.id_number, "高血脂", "2018-01-05", "李"]])
    result = run("chronic", path)
    assert not result.ok
    assert "高血压" in result.error_lines()[0]
    good = workbook(tmp_path / "g.xlsx", header, [[person.id_number, "高血压", "2018-01-05", "李"]])
    assert run("chronic", good).ok
    assert ChronicRegistration.objects.get().disease.year == 2018


def test_fulfilment_follow_up_needs_patient(tmp_path, person, village_a):
    patient = PersonFactory(household=HouseholdFactory(village=village_a))
    ChronicRegistrationFactory(person=patient, diagnosed_on=datetime.date(2017, 1, 1))
    header = ["身份证号", "服务日期", "服务项目", "服务人员", "备注"]
    bad = workbook(tmp_path / "f.xlsx", header, [[person.id_number, "2018-05-01", "随访", "", ""]])
    assert not run("fulfilment", bad).ok
    good = workbook(
        tmp_path / "g.xlsx",
        header,
        [
            [patient.id_number, "2018-05-01", "随访", "王", ""],
            [person.id_number, "2018-05-01", "宣传册", "王", ""],
        ],
    )
    assert run("fulfilment", good).ok
    assert FulfilmentRecord.objects.filter(kind=FulfilmentKind.FOLLOW_UP).count() == 1
    assert run("fulfilment", good).counts["unchanged"] == 2


def test_health_checks_import_matches_institution(tmp_path, person, centre_a):
    header = ["身份证号", "体检日期", "体检机构", "结果摘要", "是否反馈"]
    path = workbook(
        tmp_path / "h.xlsx", header, [[person.id_number, "20180410", centre_a.name, "正常", "√"]]
    )
    assert run("health_checks", path).ok
    check = HealthCheck.objects.get()
    assert (check.institution, check.fed_back) == (centre_a, True)


def test_special_diseases_import_creates_booklets(tmp_path, person):
    ensure_default_catalogue(2018)
    header = ["身份证号", "病种", "诊断日期", "办理状态", "病种簿编号", "办理日期", "有效期至"]
    path = workbook(
        tmp_path / "s.xlsx",
        header,
        [[person.id_number, "冠心病", "2017-02-01", "已办理", "TN-1", "2018-01-10", "2020-01-09"]],
    )
    result = run("special_diseases", path)
    assert result.ok, result.error_lines()
    booklet = Booklet.objects.get()
    assert (booklet.status, booklet.number) == (BookletStatus.ISSUED, "TN-1")
    assert run("special_diseases", path).counts["booklets_updated"] == 0


def test_issued_booklet_without_number_is_a_row_error(tmp_path, person):
    ensure_default_catalogue(2018)
    header = ["身份证号", "病种", "诊断日期", "办理状态", "办理日期"]
    path = workbook(
        tmp_path / "s.xlsx",
        header,
        [[person.id_number, "冠心病", "2017-02-01", "已办理", "2018-01-10"]],
    )
    assert not run("special_diseases", path).ok
    assert not Booklet.objects.exists()


def test_import_ledger_command_dry_run_writes_nothing(tmp_path, person):
    path = workbook(
        tmp_path / "c.xlsx",
        ["身份证号", "年度", "签约日期"],
        [[person.id_number, 2018, "2018-03-01"]],
    )
    call_command("import_ledger", "contracts", str(path), "--dry-run")
    assert not Contract.objects.exists()
