"""No export of the project carries a formula: every text column is seeded with = + - @ TAB
CR LF, == and full-width ＝ ＋ － ＠ values, then every URL of the permission matrix is opened as
a county user and each answer that is a spreadsheet (.xlsx) or CSV is read cell by cell.

Exports are found by what they answer (content type or file signature), so a new export is
checked as soon as its app lists the URL in ``tests/<app>/permission_cases.py``.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from healthpov.exports import neutralise
from tests.permissions import all_cases

PAYLOADS = [
    "=1+2",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\n=1",
    "==1",
    '=HYPERLINK("x")',
    "＝1+2",  # full-width look-alikes: some spreadsheet programs read them as = + - @
    "＋1",
    "－1",
    "＠SUM(A1)",
    "﹦1",
    " =1",  # a formula behind leading spaces
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠", "﹦", "﹢", "﹣", "﹫")


def starts_like_a_formula(value: str) -> bool:
    return value.lstrip(" \u3000").startswith(TRIGGERS)


POISONED_APPS = {
    "households",
    "signing",
    "treatment",
    "coverage",
    "inspections",
    "remediation",
    "places",
}
SKIPPED_FIELDS = {("places", "Place", "path"), ("places", "Place", "code")}
CASES = [case for case in all_cases() if "get" in case.methods]


def poison_text_columns() -> int:
    """Rewrites every free-text column of every row with a formula-looking value."""
    changed = 0
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in POISONED_APPS or meta.proxy or not meta.managed:
            continue
        if model.__name__.startswith("Historical"):
            continue
        fields = [
            f
            for f in meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and not f.primary_key
            and (meta.app_label, model.__name__, f.name) not in SKIPPED_FIELDS
        ]
        if not fields:
            continue
        unique = {f.name for f in fields if f.unique} | {
            name
            for together in [*meta.unique_together, *meta.total_unique_constraints]
            for name in getattr(together, "fields", together)
        }
        for index, pk in enumerate(model._base_manager.values_list("pk", flat=True)):
            values = {}
            for position, field in enumerate(fields):
                payload = PAYLOADS[(index + position) % len(PAYLOADS)]
                value = f"{payload}{pk}" if field.name in unique else f"{payload}x"
                values[field.name] = value[: field.max_length] if field.max_length else value
            model._base_manager.filter(pk=pk).update(**values)
            changed += 1
    return changed


def kind_of(response) -> str:
    content_type = response.get("Content-Type", "").lower()
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:4] == b"PK\x03\x04" and (
        "sheet" in content_type or "excel" in content_type or "octet" in content_type
    ):
        return "xlsx"
    if "csv" in content_type:
        return "csv"
    return ""


def formula_problems(url: str, body: bytes, kind: str) -> list[str]:
    problems = []
    if kind == "xlsx":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            raw = b"".join(
                archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")
            )
        if b"<f>" in raw or b"<f " in raw:
            problems.append(f"{url}: a <f> formula element in the sheet XML")
        workbook = load_workbook(io.BytesIO(body))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        problems.append(
                            f"{url}: {sheet.title}!{cell.coordinate} is a formula {cell.value!r}"
                        )
                    elif isinstance(cell.value, str) and starts_like_a_formula(cell.value):
                        problems.append(
                            f"{url}: {sheet.title}!{cell.coordinate} starts with {cell.value[:6]!r}"
                        )
    else:
        text = body.decode("utf-8-sig", errors="replace")
        for r, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            for c, value in enumerate(row, start=1):
                if starts_like_a_formula(value):
                    problems.append(f"{url}: row {r} column {c} starts with {value[:6]!r}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_no_export_carries_a_formula(case, cast):
    """A case that does not answer with a spreadsheet or CSV passes with nothing to check."""
    target = case.make(cast)
    poison_text_columns()
    client = Client()
    client.force_login(cast.county_user)
    url = reverse(case.url_name, kwargs=target.kwargs)
    response = client.get(url, target.query)
    kind = kind_of(response) if response.status_code == 200 else ""
    if kind:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        problems = formula_problems(url, body, kind)
        assert not problems, "\n".join(problems[:30])


def test_the_matrix_lists_exports():
    """The walk above is only worth something if the permission cases include exports."""
    names = [case.url_name for case in CASES]
    assert sum("xlsx" in name or "export" in name for name in names) >= 3, names


def test_the_check_finds_a_formula_and_an_unneutralised_text():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["=1+2", "@SUM(A1)", "'=safe", "plain"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    problems = formula_problems("/x.xlsx", buffer.getvalue(), "xlsx")
    assert len(problems) == 3  # the <f> element, A1 as a formula, B1 starting with @
    assert formula_problems("/x.csv", b"a,=1+2\r\n", "csv") == [
        "/x.csv: row 1 column 2 starts with '=1+2'"
    ]


def test_the_check_finds_full_width_look_alikes():
    assert formula_problems("/x.csv", "a,＝1+2,＠x, =1\r\n".encode(), "csv") == [
        "/x.csv: row 1 column 2 starts with '＝1+2'",
        "/x.csv: row 1 column 3 starts with '＠x'",
        "/x.csv: row 1 column 4 starts with ' =1'",
    ]


@pytest.mark.parametrize(
    "value",
    [
        "=1",
        "+1",
        "-1",
        "@A1",
        "\t1",
        "\r1",
        "\n1",
        "＝1",
        "＋1",
        "－1",
        "＠A1",
        "﹦1",
        " =1",
        "\u3000＝1",
    ],
)
def test_neutralise_turns_every_formula_trigger_into_text(value):
    assert neutralise(value) == "'" + value


def test_neutralise_leaves_plain_text_and_numbers_alone():
    assert neutralise("张三") == "张三"
    assert neutralise(-1) == -1
