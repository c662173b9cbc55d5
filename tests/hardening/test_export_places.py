"""Every export of persons or records names the township and village of each row: every URL
of the permission matrix is opened as a county user and each spreadsheet it answers is read.

Exports found by what they answer (tests/hardening/test_exports.py ``kind_of``), so a new
export is checked as soon as its app lists the URL in ``tests/<app>/permission_cases.py``.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext, pgettext
from openpyxl import load_workbook

from tests.hardening.test_exports import CASES, kind_of

# Spreadsheets that are not lists of rows: government forms and reports of figures per
# township, and the error report of an upload (the user's own file, marked up).
NOT_ROW_LISTS = {
    "coverage:form_xlsx",
    "households:import_report",
    "inspections:campaign_report_xlsx",
    "remediation:report_xlsx",
    "remediation:accountability_xlsx",
}
ROW_LIST_CASES = [case for case in CASES if case.url_name not in NOT_ROW_LISTS]


def _headers(body: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(body)).active
    return {str(cell.value) for row in sheet.iter_rows(max_row=3) for cell in row if cell.value}


def _names(*texts: str) -> set[str]:
    return {gettext(text) for text in texts} | {pgettext("place", text) for text in texts}


@pytest.mark.parametrize("case", ROW_LIST_CASES, ids=[case.id for case in ROW_LIST_CASES])
def test_every_export_names_township_and_village(case, cast):
    target = case.make(cast)
    client = Client()
    client.force_login(cast.county_user)
    response = client.get(reverse(case.url_name, kwargs=target.kwargs), target.query)
    if response.status_code != 200 or kind_of(response) != "xlsx":
        return  # not an export: nothing to check
    headers = _headers(response.content)
    assert headers & (_names("Township", "township") | {"乡镇"}), (case.url_name, headers)
    assert headers & (_names("Village", "village") | {"行政村"}), (case.url_name, headers)


def test_the_walk_reaches_the_exports_of_persons():
    names = {case.url_name for case in ROW_LIST_CASES}
    assert {
        "households:export",
        "signing:worklist_export",
        "coverage:drilldown_xlsx",
        "remediation:item_list_xlsx",
    } <= names
