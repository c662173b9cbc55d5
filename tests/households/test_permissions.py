import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.households.permission_cases import CASES, MARKER, export_b
from tests.inspections.permission_runner import build_cast, check_case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_permission_case(case, request, client, db):
    check_case(case, build_cast(request), client)


def _sheet_text(response) -> str:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)


def test_export_keeps_other_townships_out(request, client, db):
    cast = build_cast(request)
    export_b(cast)
    url = reverse("households:export")
    client.force_login(cast.user_a)
    assert MARKER not in _sheet_text(client.get(url, {"village": cast.village_b.pk}))
    client.force_login(cast.county_user)
    assert MARKER in _sheet_text(client.get(url))
