"""The roster export: the roster file's columns, full values for users allowed to reveal them
(audited), and a revealed export that imports again with nothing changed."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from healthpov.accounts.models import ExportReveal
from households import services
from households.imports import ImportContext
from households.ledgers import RosterLedger
from households.models import (
    Cause,
    Health,
    HouseholdType,
    Person,
    PersonStatus,
    PovertyStatus,
    Relation,
    StatusChange,
)
from tests.factories import UserFactory
from tests.households.factories import HouseholdFactory, PersonFactory

PERSON_COLUMNS = (
    "id_number",
    "name",
    "sex",
    "birth_date",
    "household_id",
    "relation",
    "phone",
    "insured",
    "health",
    "status",
    "household__township_id",
    "household__village_id",
    "household__head_name",
    "household__phone",
    "household__registration_year",
    "household__household_type",
    "household__poverty_status",
    "household__main_cause",
)


def _household(village, number, *, phone, **fields):
    return HouseholdFactory(village=village, number=number, phone=phone, **fields)


@pytest.fixture
def roster(village_a):
    """Two households whose members cover the spellings the roster file uses."""
    first = _household(
        village_a,
        "H-001",
        phone="13812345678",
        head_name="张大",
        registration_year=2016,
        household_type=HouseholdType.LOW_INCOME,
        poverty_status=PovertyStatus.OUT,
        main_cause=Cause.ILLNESS,
    )
    second = _household(
        village_a,
        "H-002",
        phone="13900001111",
        head_name="李二",
        registration_year=2015,
        household_type=HouseholdType.DESTITUTE,
        poverty_status=PovertyStatus.NOT_OUT,
        main_cause=Cause.DISABILITY,
    )
    return [
        PersonFactory(household=first, name="张大", phone="13812345678", insured=True),
        PersonFactory(
            household=first,
            name="王妻",
            relation=Relation.SPOUSE,
            health=Health.CHRONIC,
            insured=False,
        ),
        PersonFactory(
            household=first,
            name="张小",
            relation=Relation.SON,
            health=Health.DISABLED,
            status=PersonStatus.AWAY,
        ),
        PersonFactory(household=second, name="李二", phone="13900001111", insured=True),
        PersonFactory(
            household=second,
            name="李母",
            relation=Relation.MOTHER,
            health=Health.MAJOR,
            status=PersonStatus.DIED,
        ),
    ]


def _rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    return [
        dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


def _stored() -> list[tuple]:
    return list(Person.objects.order_by("id_number").values_list(*PERSON_COLUMNS))


def test_the_export_headers_are_the_roster_files(client_a, roster):
    sheet = openpyxl.load_workbook(io.BytesIO(client_a.get(reverse("households:export")).content))
    assert [cell.value for cell in sheet.active[1]] == [c.label for c in RosterLedger.columns]


def test_the_export_names_township_and_village(client_a, roster):
    rows = _rows(client_a.get(reverse("households:export")))
    assert {(row["乡镇"], row["行政村"]) for row in rows} == {("杉城镇", "南会村")}


def test_the_export_is_masked_without_the_reveal_option(client_a, roster):
    rows = _rows(client_a.get(reverse("households:export")))
    assert all("*" in row["身份证号"] for row in rows)
    assert "138****5678" in {row["联系电话"] for row in rows}
    assert not ExportReveal.objects.exists()


@pytest.mark.leak_scan_off(reason="asserts that the audited reveal export carries full values")
def test_the_reveal_option_exports_full_values_and_is_audited(client_a, user_a, roster):
    response = client_a.post(reverse("households:export"), {"reveal": "1"})
    rows = _rows(response)
    assert {row["身份证号"] for row in rows} == {p.id_number for p in roster}
    assert "13812345678" in {row["联系电话"] for row in rows}
    log = ExportReveal.objects.get()
    assert (log.user, log.export, log.rows) == (user_a, "households:export", len(roster))


def test_the_reveal_option_is_refused_to_a_user_who_may_not_reveal(client, county, roster):
    client.force_login(UserFactory(role="city_bureau", place=county))
    response = client.post(reverse("households:export"), {"reveal": "1"})
    assert response.status_code == 403
    assert not ExportReveal.objects.exists()


def test_the_reveal_option_is_never_read_from_the_url(client_a, roster):
    rows = _rows(client_a.get(reverse("households:export"), {"reveal": "1"}))
    assert all("*" in row["身份证号"] for row in rows)
    assert not ExportReveal.objects.exists()


@pytest.mark.leak_scan_off(reason="the revealed export is the file under test")
def test_a_revealed_export_imports_again_with_nothing_changed(client_a, user_a, roster, tmp_path):
    before = _stored()
    response = client_a.post(reverse("households:export"), {"reveal": "1"})
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(response.content)
    context = ImportContext(user=user_a, options={"year": timezone.localdate().year})
    with translation.override("zh-hans"):
        result = services.import_file(kind="roster", path=path, context=context, actor=user_a)
    assert result.ok, result.error_lines()
    assert result.counts["persons_unchanged"] == len(roster)
    assert result.counts["persons_new"] == result.counts["persons_changed"] == 0
    assert result.counts["households_new"] == result.counts["households_changed"] == 0
    assert _stored() == before
    assert not StatusChange.objects.exists()
