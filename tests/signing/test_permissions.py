"""The signing cases run in tests/foundation/test_permission_matrix.py; this checks the
export's workbook directly as well."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from tests.signing.permission_cases import MARKER, export_b


def _sheet_text(response) -> str:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)


def test_export_keeps_other_townships_out(cast, client):
    url = reverse("signing:worklist_export", kwargs=export_b(cast).kwargs)
    client.force_login(cast.user_a)
    assert MARKER not in _sheet_text(client.get(url, {"village": cast.village_b.pk}))
    client.force_login(cast.county_user)
    assert MARKER in _sheet_text(client.get(url))
