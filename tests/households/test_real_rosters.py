"""Rosters shaped like the ones poverty offices really export, through ``import_roster``.

The national system's export has a merged title, a "填报单位" line, a two-level header (groups
merged over the columns), extra columns nobody imports (县, 人编号, 民族), numeric household
numbers and phones, Excel dates, a second "说明" sheet, a totals row and a sign-off line under
the data. The same content is also written as a legacy ``.xls`` (BIFF8, with xlwt).
"""

from __future__ import annotations

import datetime
import io
from contextlib import redirect_stderr
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from households.idnumber import make_resident_id
from households.models import Household, Person, RosterEntry, StatusChange

HEADER = [
    "序号", "县", "乡（镇）", "行政村", "户编号", "人编号", "姓名", "性别", "证件号码",
    "与户主关系", "民族", "出生日期", "健康状况", "人口状态", "贫困户属性", "是否脱贫",
    "致贫原因", "手机号码", "参保状态", "建档年度",
]  # fmt: skip
GROUPS = [("序号", 0, 0), ("户基本信息", 1, 4), ("家庭成员信息", 5, 13), ("户属性", 14, 16)]
HOUSEHOLDS = 12


def roster_rows() -> list[list]:
    rows = []
    places = [("杉城镇", "南会村"), ("朱口镇", "朱口村")]
    for h in range(HOUSEHOLDS):
        township, village = places[h % 2]
        number = 35042910100000 + h  # a number cell, as exports hold it
        for m in range(1 + h % 4):
            birth = datetime.date(1940 + (h * 7 + m * 13) % 70, 1 + (h + m) % 12, 1 + h + m)
            id_number = make_resident_id("350429", birth, (h * 10 + m) * 2 + 1)
            rows.append(
                [
                    len(rows) + 1, "泰宁县", township, village, number, number * 100 + m,
                    f"测试{h}之{m}", "男" if int(id_number[16]) % 2 else "女",
                    f" {id_number.lower()} ",  # stray spaces, lower-case x
                    ["户主", "配偶", "之子", "之女"][m], "汉族", birth,
                    ["健康", "长期慢性病", "患有大病", "残疾"][(h + m) % 4], "正常",
                    ["一般贫困户", "低保贫困户", "特困供养贫困户"][h % 3], ["是", "否"][h % 2],
                    "因病", 13900000000 + h if m == 0 else None, "是", 2016,
                ]
            )  # fmt: skip
    return rows


def footer(rows: list[list]) -> list[list]:
    return [
        [],
        ["合计", None, None, None, None, None, f"{len(rows)}人"],
        ["制表人：张三", None, None, None, None, None, "审核人：李四"],
    ]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(["泰宁县2018年建档立卡贫困人口花名册（回头看）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(["填报单位：泰宁县扶贫开发领导小组办公室", *[None] * 7, "导出时间：2018年5月1日"])
    groups = [None] * len(HEADER)
    for label, first, _last in GROUPS:
        groups[first] = label
    sheet.append(groups)
    for _label, first, last in GROUPS:
        if last > first:
            sheet.merge_cells(start_row=3, start_column=first + 1, end_row=3, end_column=last + 1)
    sheet.append(HEADER)
    for row in rows[: len(rows) // 2]:
        sheet.append(row)
    sheet.append([])  # a blank row in the middle
    for row in rows[len(rows) // 2 :]:
        sheet.append(row)
    for row in footer(rows):
        sheet.append(row)
    for cell in sheet["L"][4:]:
        cell.number_format = "yyyy-mm-dd"
    workbook.create_sheet("说明")["A1"] = "本表由全国扶贫开发信息系统导出"
    workbook.create_sheet("Sheet3")
    workbook.save(path)
    return path


def write_xls(path: Path, rows: list[list]) -> Path:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (test extra) writes the legacy .xls files")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, "泰宁县2018年建档立卡贫困人口花名册（回头看）")
    sheet.write(1, 0, "填报单位：泰宁县扶贫开发领导小组办公室")
    for label, first, last in GROUPS:
        sheet.write_merge(2, 2, first, last, label)
    for column, label in enumerate(HEADER):
        sheet.write(3, column, label)
    lines = [*rows, *footer(rows)]
    for offset, values in enumerate(lines):
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write(4 + offset, column, value, dates)
            else:
                sheet.write(4 + offset, column, value)
    book.add_sheet("说明").write(0, 0, "本表由全国扶贫开发信息系统导出")
    book.save(str(path))
    return path


def import_roster(path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stderr(err):
        try:
            call_command(
                "import_roster", str(path), "--year", "2018", *args, stdout=out, stderr=err
            )
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(params=["xlsx", "xls"])
def writer(request):
    return {"xlsx": write_xlsx, "xls": write_xls}[request.param], request.param


def test_real_looking_roster_imports_then_reimports_unchanged(
    tmp_path, village_a, village_b, writer
):
    write, suffix = writer
    rows = roster_rows()
    path = write(tmp_path / f"花名册.{suffix}", rows)

    code, out, err = import_roster(path)

    assert (code, err) == (0, "")
    assert f"imported: {len(rows)} rows; persons new {len(rows)}," in out
    assert f"households new {HOUSEHOLDS}," in out
    assert Person.objects.count() == len(rows)
    assert RosterEntry.objects.filter(year=2018).count() == len(rows)
    household = Household.objects.get(number="35042910100003")
    assert household.members.count() == 4
    assert household.phone == "13900000003"
    head = household.members.get(relation="head")
    assert head.id_number == head.id_number.upper() and " " not in head.id_number
    assert head.birth_date == datetime.date(1961, 4, 4)

    changes = StatusChange.objects.count()
    code, out, _err = import_roster(path)
    assert code == 0
    assert f"persons new 0, changed 0, unchanged {len(rows)}, left 0" in out
    assert StatusChange.objects.count() == changes


def test_real_looking_roster_with_broken_rows_is_refused_whole(
    tmp_path, village_a, village_b, writer
):
    write, suffix = writer
    rows = roster_rows()
    rows[3][8] = rows[3][8][:-2] + ("0" if rows[3][8][-2] != "0" else "1") + " "  # check digit
    rows[7][9] = "干儿子"  # unknown relation
    rows[9][8] = rows[2][8]  # duplicate ID
    path = write(tmp_path / f"花名册.{suffix}", rows)

    code, _out, err = import_roster(path)

    assert code == 1

    # Excel rows: four rows above the data; in the .xlsx a blank row sits after the first half.
    def excel_row(index: int) -> int:
        return 5 + index + (1 if suffix == "xlsx" and index >= len(rows) // 2 else 0)

    assert f"第{excel_row(3)}行【证件号码】" in err
    assert f"第{excel_row(7)}行【与户主关系】" in err
    assert f"第{excel_row(9)}行【证件号码】" in err
    assert "合计" not in err and "制表" not in err
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0
