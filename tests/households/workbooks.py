"""Roster workbooks for tests, built the way offices really send them (title rows above)."""

import datetime
from pathlib import Path

import openpyxl

from households.idnumber import make_resident_id

HEADER = [
    "序号",
    "乡(镇)",
    "行政村",
    "户编号",
    "姓名",
    "与户主关系",
    "身份证号码",
    "性别",
    "出生日期",
    "联系电话",
    "脱贫状态",
    "主要致贫原因",
    "健康状况",
    "人员状态",
    "是否参加城乡居民基本医疗保险",
    "识别年度",
]


def person_id(n: int, birth=datetime.date(1956, 3, 1)) -> str:
    return make_resident_id("350429", birth + datetime.timedelta(days=n), (2 * n + 1) % 1000)


def roster_row(
    n: int, *, township="杉城镇", village="南会村", household=None, relation=None, **over
):
    number = person_id(n)
    birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    row = {
        "序号": n + 1,
        "乡(镇)": township,
        "行政村": village,
        "户编号": household or f"H{n // 3:04d}",
        "姓名": f"居民{n}",
        "与户主关系": relation or ("户主" if n % 3 == 0 else "之子"),
        "身份证号码": number,
        "性别": "男" if int(number[16]) % 2 else "女",
        "出生日期": birth,
        "联系电话": "13800000000",
        "脱贫状态": "已脱贫",
        "主要致贫原因": "因病",
        "健康状况": "健康",
        "人员状态": "正常",
        "是否参加城乡居民基本医疗保险": "是",
        "识别年度": 2016,
    }
    row.update(over)
    return row


def write_roster(path: Path, rows: list[dict], *, header=HEADER, title=True) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append(["泰宁县建档立卡贫困人口花名册"])
        sheet.append(["填报单位：泰宁县扶贫办"])
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column) for column in header])
    workbook.save(path)
    return path
