"""A county nobody has seen, from files alone: the bar of the coverage issue.

A fresh database (migrations only: no demo, no places, no catalogue seeded by hand) receives a
roster through ``import_roster --create-places --county`` and every ledger through
``import_ledger``; then ``recompute_coverage`` and ``coverage_table`` run. Every figure is
checked against what the source files say, counted here from the plan that wrote them (not
from the database), for the county and for each township.
"""

from __future__ import annotations

import datetime
import importlib
import io
import json
from collections import Counter
from contextlib import redirect_stderr
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from households.idnumber import make_resident_id
from signing.models import Disease
from tests.factories import CountyFactory, TownshipFactory, VillageFactory

pytestmark = pytest.mark.django_db

YEAR = 2019
AS_OF = "2019-12-31"
COUNTY = "明溪县"
PLACES = [("城关乡", "城关村"), ("城关乡", "翠竹村"), ("夏阳乡", "夏阳村")]
REASONS = ["长期外出或无法联系", "死亡", "外迁", "下落不明", "外嫁", "拒签", None]
REASON_CODES = ["away", "died", "moved", "missing", "married", "refused", "no_reason"]
CHRONIC = ["高血压", "2型糖尿病"]
QUARTER_DAYS = ["02-15", "05-15", "08-15", "11-15"]


@dataclass
class Person:
    n: int
    township: str
    village: str
    household: str
    relation: str
    id_number: str
    birth: datetime.date
    poverty: str
    cause: str
    signed: bool = False
    electronic: bool = False
    reason: str | None = None
    chronic: str | None = None
    followed_quarters: tuple[int, ...] = ()
    checked: bool = False
    special: str | None = None  # booklet state: handled / applied / expired
    facts: dict = field(default_factory=dict)


def plan() -> list[Person]:
    persons = []
    n = 0
    for h in range(24):
        township, village = PLACES[h % 3]
        for m in range(1 + h % 4):
            birth = datetime.date(1930 + (h * 11 + m * 17) % 85, 1 + (h + m) % 12, 1 + h)
            person = Person(
                n=n,
                township=township,
                village=village,
                household=f"MX{h:03d}",
                relation=["户主", "配偶", "之子", "之女"][m],
                id_number=make_resident_id("350421", birth, 2 * n + 1),
                birth=birth,
                poverty="未脱贫" if h % 5 == 0 else "已脱贫",
                cause="因病" if h % 2 == 0 else "因残",
            )
            if n % 6 == 5:
                person.reason = REASONS[(n // 6) % len(REASONS)]
            else:
                person.signed = True
                person.electronic = n % 3 == 0
                if n % 4 == 0:
                    person.chronic = CHRONIC[(n // 4) % 2]
                    person.followed_quarters = (1, 2, 3, 4) if n % 8 == 0 else (1, 2, 4)
            person.checked = n % 2 == 0
            if n % 5 == 1:
                person.special = ["handled", "applied", "expired"][(n // 5) % 3]
            persons.append(person)
            n += 1
    return persons


MAJOR = [  # (person index, status, treated on)
    (2, "已救治", "2019-04-01"),
    (9, "已救治", "2019-05-01"),
    (14, "拒绝", None),
    (21, "死亡", "2019-03-10"),  # treated, died later: counts as treated
    (30, "死亡", None),
    (33, "救治中", "2019-06-01"),
]
# (person index, in county, one stop, deposit, total, policy, basic, critical, assist, personal)
STAYS = [
    (2, True, True, False, "10000", "9000", "6000", "1500", "900", "1600"),
    (9, True, False, False, "4000.50", "3800", "2800", "0", "600", "600.50"),
    (21, False, True, True, "25000", "20000", "12000", "4000", "2000", "7000"),
]


def sheet(path: Path, title: str, header: list[str], rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([title])
    ws.append([f"填报单位：{COUNTY}卫生健康局"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def write_files(tmp: Path, persons: list[Person]) -> list[tuple[str, Path]]:
    files = [
        (
            "roster",
            sheet(
                tmp / "roster.xlsx",
                f"{COUNTY}{YEAR}年建档立卡贫困人口花名册",
                ["乡镇", "行政村", "户编号", "姓名", "与户主关系", "身份证号码", "出生日期",
                 "脱贫状态", "主要致贫原因", "健康状况", "人员状态", "参保状态", "识别年度"],
                [
                    [p.township, p.village, p.household, f"明{p.n}", p.relation, p.id_number,
                     p.birth, p.poverty, p.cause, "健康", "正常", "是", 2016]
                    for p in persons
                ],
            ),
        )
    ]  # fmt: skip
    signed = [p for p in persons if p.signed]
    ledgers = {
        "contracts": (
            ["身份证号", "年度", "签约日期", "签约方式", "服务包", "签约团队", "签约医生"],
            [[p.id_number, YEAR, "2019-03-01", "电子" if p.electronic else "纸质", "基础包",
              f"{p.township}家庭医生团队", "王医生"] for p in signed],
        ),
        "unsigned": (
            ["身份证号", "年度", "未签约原因", "登记日期", "联系情况"],
            [[p.id_number, YEAR, p.reason, "2019-03-05", "电话联系未果"]
             for p in persons if p.reason],
        ),
        "chronic": (
            ["身份证号", "病种", "确诊日期", "管理医生"],
            [[p.id_number, p.chronic, "2015-05-01", "王医生"] for p in persons if p.chronic],
        ),
        "fulfilment": (
            ["身份证号", "服务日期", "服务项目", "服务人员", "备注"],
            [[p.id_number, f"{YEAR}-{QUARTER_DAYS[q - 1]}", "随访", "王医生", None]
             for p in persons for q in p.followed_quarters]
            + [[p.id_number, "2019-03-02", "宣传册", "李护士", None]
               for p in persons if p.signed and p.relation == "户主"],
        ),
        "health_checks": (
            ["身份证号", "体检日期", "体检机构", "结果摘要", "是否反馈"],
            [[p.id_number, "2019-04-20", f"{p.township}卫生院", "未见异常", "是"]
             for p in persons if p.checked],
        ),
        "special_diseases": (
            ["身份证号", "病种", "诊断日期", "办理状态", "病种簿编号", "办理日期", "有效期至"],
            [[p.id_number, "高血压", "2018-07-01",
              "已申请" if p.special == "applied" else "已办理",
              None if p.special == "applied" else f"MXB{p.n:04d}",
              None if p.special == "applied" else "2018-08-01",
              {"handled": "2021-07-31", "applied": None, "expired": "2019-06-30"}[p.special]]
             for p in persons if p.special],
        ),
        "major_illness": (
            ["身份证号", "病种", "排查日期", "救治状态", "定点医院", "救治日期", "拒绝原因",
             "告知情况"],
            [[persons[i].id_number, "终末期肾病", "2019-02-01", status, f"{COUNTY}总医院",
              treated, "本人拒绝" if status == "拒绝" else None,
              "已告知政策" if status == "拒绝" else None]
             for i, status, treated in MAJOR],
        ),
        "stays": (
            ["身份证号", "医院", "是否县域内", "入院日期", "出院日期", "总费用", "政策范围内费用",
             "基本医保", "大病保险", "医疗救助", "补充保险", "个人自付", "是否收取押金",
             "是否一站式结算"],
            [[persons[i].id_number, f"{COUNTY}总医院", "是" if inside else "否", "2019-05-10",
              "2019-05-20", total, policy, basic, critical, assist, "0", personal,
              "是" if deposit else "否", "是" if stop else "否"]
             for i, inside, stop, deposit, total, policy, basic, critical, assist, personal
             in STAYS],
        ),
    }  # fmt: skip
    for kind, (header, rows) in ledgers.items():
        files.append((kind, sheet(tmp / f"{kind}.xlsx", f"{COUNTY}{kind}台账", header, rows)))
    return files


def expected(persons: list[Person]) -> dict[str, int | float | None]:
    def rate(numerator, denominator):
        return round(float(numerator) / float(denominator), 4) if denominator else None

    roster = len(persons)
    signed = [p for p in persons if p.signed]
    e_signed = [p for p in signed if p.electronic]
    chronic = [p for p in persons if p.chronic]
    special = [p for p in persons if p.special]
    reasons = Counter(REASON_CODES[REASONS.index(p.reason)] for p in persons if not p.signed)
    index = {p.n: p for p in persons}
    major = [(index[i], status, treated) for i, status, treated in MAJOR if i in index]
    stays = [stay for stay in STAYS if stay[0] in index]
    treated = sum(1 for _p, s, t in major if s == "已救治" or (s == "死亡" and t))
    total = sum(Decimal(s[4]) for s in stays)
    policy = sum(Decimal(s[5]) for s in stays)
    paid = sum(Decimal(s[6]) + Decimal(s[7]) + Decimal(s[8]) for s in stays)
    personal = sum(Decimal(s[9]) for s in stays)
    households = {p.household for p in persons}
    values: dict[str, int | float | None] = {
        "roster_persons": roster,
        "roster_households": len(households),
        "not_out_persons": sum(1 for p in persons if p.poverty == "未脱贫"),
        "not_out_households": len({p.household for p in persons if p.poverty == "未脱贫"}),
        "illness_caused_persons": sum(1 for p in persons if p.cause == "因病"),
        "signed": len(signed),
        "signing_rate": rate(len(signed), roster),
        "e_signed": len(e_signed),
        "e_signing_rate": rate(len(e_signed), roster),
        "e_signed_elderly": sum(1 for p in e_signed if p.birth.year <= YEAR - 65),
        "e_signed_hypertension": sum(1 for p in e_signed if p.chronic == "高血压"),
        "e_signed_diabetes": sum(1 for p in e_signed if p.chronic == "2型糖尿病"),
        "chronic_patients": len(chronic),
        "followup_compliance": rate(
            sum(1 for p in chronic if p.followed_quarters == (1, 2, 3, 4)), len(chronic)
        ),
        "health_checked": sum(1 for p in persons if p.checked),
        "health_check_rate": rate(sum(1 for p in persons if p.checked), roster),
        "special_disease_persons": len(special),
        "booklets_handled": sum(1 for p in special if p.special == "handled"),
        "booklets_pending": sum(1 for p in special if p.special != "handled"),
        "booklet_rate": rate(sum(1 for p in special if p.special == "handled"), len(special)),
        "major_screened": len(major),
        "major_treated": treated,
        "major_refused": sum(1 for _p, s, _t in major if s == "拒绝"),
        "major_died": sum(1 for _p, s, _t in major if s == "死亡"),
        "major_treatment_rate": rate(treated, len(major)),
        "brochures": sum(1 for p in persons if p.signed and p.relation == "户主"),
        "personal_share": rate(personal, total),
        "reimbursement_ratio": rate(paid, policy),
        "in_county_rate": rate(sum(1 for s in stays if s[1]), len(stays)),
        "one_stop_rate": rate(sum(1 for s in stays if s[2]), len(stays)),
        "no_deposit_rate": rate(sum(1 for s in stays if not s[3]), len(stays)),
    }
    for code in REASON_CODES:
        values[f"unsigned_{code}"] = reasons.get(code, 0)
    return values


def manage(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stderr(err):
        try:
            call_command(*args, stdout=out, stderr=err)
        except SystemExit as exc:
            raise AssertionError(f"{args[0]} exited {exc.code}:\n{err.getvalue()}") from None
    return out.getvalue()


@pytest.fixture
def fresh_installation():
    """What ``migrate`` leaves in an empty database. A transactional test run earlier flushes
    every table, data migrations' rows included, so the base-year catalogue is put back the way
    its migration puts it."""
    from django.apps import apps

    migration = importlib.import_module("signing.migrations.0003_base_year_catalogue")
    migration.add_base_catalogue(apps, None)
    assert Disease.objects.filter(year=migration.BASE_YEAR).count() == len(migration.CATALOGUE)


@pytest.mark.usefixtures("fresh_installation")
@pytest.mark.parametrize("beside_another_county", [False, True], ids=["alone", "beside-demo"])
def test_unseen_county_from_files_alone_gives_the_source_figures(tmp_path, beside_another_county):
    if beside_another_county:
        # An installation that already holds a county whose township and village share names
        # with the new one's: the new county gets places of its own.
        other = CountyFactory(name="泰宁县")
        VillageFactory(name="城关村", parent=TownshipFactory(name="城关乡", parent=other))
    persons = plan()
    files = write_files(tmp_path, persons)
    roster_kind, roster_path = files[0]
    assert roster_kind == "roster"

    out = manage(
        "import_roster", str(roster_path), "--year", str(YEAR), "--create-places",
        "--county", COUNTY,
    )  # fmt: skip
    assert f"persons new {len(persons)}" in out and "places new 5" in out
    for kind, path in files[1:]:
        manage("import_ledger", kind, str(path))
    manage("recompute_coverage", "--year", str(YEAR), "--as-of", AS_OF)
    table = json.loads(
        manage("coverage_table", "--year", str(YEAR), "--as-of", AS_OF, "--format", "json")
    )

    rows = {
        (row["level"], row["place"]): row
        for row in table
        if (row["level"] == "county" and row["place"] == COUNTY)
        or (
            row["place"] in {name for pair in PLACES for name in pair}
            and not (beside_another_county and row.get("roster_persons") == 0)
        )
    }
    assert set(rows) == {
        ("county", COUNTY),
        *{("township", t) for t, _v in PLACES},
        *{("village", v) for _t, v in PLACES},
    }
    if beside_another_county:
        other_row = next(r for r in table if r["level"] == "county" and r["place"] == "泰宁县")
        assert other_row["roster_persons"] == 0
    scopes = {("county", COUNTY): persons}
    for township, village in PLACES:
        scopes[("township", township)] = [p for p in persons if p.township == township]
        scopes[("village", village)] = [p for p in persons if p.village == village]
    county_only = {  # cases and stays are few: compare them for the county
        "major_screened", "major_treated", "major_refused", "major_died",
        "major_treatment_rate", "personal_share", "reimbursement_ratio", "in_county_rate",
        "one_stop_rate", "no_deposit_rate",
    }  # fmt: skip
    mismatches = []
    for scope, members in scopes.items():
        for code, value in expected(members).items():
            if scope[0] != "county" and code in county_only:
                continue
            if rows[scope].get(code) != value:
                mismatches.append(f"{scope[1]} {code}: table {rows[scope].get(code)} != {value}")
    assert not mismatches, "\n".join(mismatches)
