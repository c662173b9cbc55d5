"""Every ledger finds the ID-number column under each header offices use for it."""

import openpyxl
import pytest

from households.imports import ID_NUMBER_HEADERS, ImportContext, ImportRun, ledger_kinds
from tests.households.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

KINDS = sorted(ledger_kinds())


def _key_headers(ledger):
    return next(column.headers for column in ledger.columns if column.field == ledger.key)


def _workbook(path, header, row):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["泰宁县台账"])
    sheet.append(header)
    sheet.append(row)
    book.save(path)
    return path


def test_every_ledger_declares_the_one_list_of_id_headers():
    kinds = ledger_kinds()
    assert {kind: _key_headers(ledger) for kind, ledger in kinds.items()} == dict.fromkeys(
        kinds, ID_NUMBER_HEADERS
    )


@pytest.mark.parametrize("header", ID_NUMBER_HEADERS)
@pytest.mark.parametrize("kind", KINDS)
def test_ledger_reads_the_id_column_under_each_header(tmp_path, village_a, kind, header):
    person = PersonFactory(household=HouseholdFactory(village=village_a))
    ledger = ledger_kinds()[kind]
    others = [column.label for column in ledger.columns if column.field != "id_number"]
    path = _workbook(tmp_path / "l.xlsx", [header, *others], [person.id_number])

    result = ImportRun(ledger, path, ImportContext(user=None, options={"year": 2018})).check()

    assert not result.file_error
    assert result.rows_total == 1
    assert [e for e in result.errors if e["column"] == header] == []
