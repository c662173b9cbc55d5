"""Golden test: the demo county of 2018 (``seed_demo --year 2018``) has seed 000's figures in its
工作情况表 as of 2018-06-04."""

import io

import pytest
from django.db import connection
from openpyxl import load_workbook

from coverage import exports
from coverage.demo import DEMO_AS_OF, DEMO_YEAR
from coverage.models import Snapshot
from coverage.selectors import compute_table
from healthpov.period import ReportingPeriod

# Seed 000 (泰卫〔2018〕89号), the county as of 2018-06-04.
SEED_000 = {
    "roster_persons": 4972,
    "roster_households": 1601,
    "not_out_persons": 118,
    "not_out_households": 41,
    "signed": 4878,
    "unsigned": 94,
    "unsigned_away": 49,
    "unsigned_died": 33,
    "unsigned_moved": 2,
    "unsigned_missing": 6,
    "unsigned_married": 4,
    "unsigned_refused": 0,
    "unsigned_no_reason": 0,
    "e_signed": 2069,
    "e_signed_elderly": 541,
    "e_signed_hypertension": 287,
    "e_signed_diabetes": 47,
    "health_checked": 1755,
    "special_disease_persons": 925,
    "booklets_handled": 703,
    "booklets_pending": 222,
    "major_screened": 31,
    "major_treated": 29,
    "major_refused": 2,
    "brochures": 2246,
}
NOT_OUT_BY_TOWNSHIP = {
    "杉城镇": 23,
    "朱口镇": 12,
    "龙湖镇": 20,
    "上青乡": 4,
    "下渠乡": 27,
    "开善乡": 12,
    "梅口乡": 7,
    "大龙乡": 10,
    "龙安乡": 3,
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("seed_demo", "--year", "2018", stdout=io.StringIO())
        from healthpov.places.models import Place

        county = Place.objects.get(name="泰宁县", level="county")
        table = compute_table(ReportingPeriod(DEMO_YEAR, DEMO_AS_OF), root=county)
        workbook = exports.form_xlsx(exports.WORK_FORM, table, county)
        snapshots = {
            s.code: s.value
            for s in Snapshot.objects.filter(place=county, date=DEMO_AS_OF, year=DEMO_YEAR)
        }
        yield county, table, workbook, snapshots
        call_command("flush", interactive=False, verbosity=0)


def _form_rows(workbook: bytes) -> tuple[list, dict[str, list]]:
    """The leaf codes of the form's columns and each line's cells by place name."""
    sheet = load_workbook(io.BytesIO(workbook)).active
    rows = list(sheet.iter_rows(values_only=True))
    first_data = 2 + exports.WORK_FORM.depth
    lines = {row[1]: list(row) for row in rows[first_data:]}
    return [leaf.code for leaf in exports.WORK_FORM.leaves], lines


@pytest.mark.django_db
def test_work_form_total_line_equals_seed_000(demo):
    county, _table, workbook, _snapshots = demo
    codes, lines = _form_rows(workbook)
    total = lines[county.name]
    shown = {code: total[i] for i, code in enumerate(codes) if code in SEED_000}
    assert shown == SEED_000


@pytest.mark.django_db
def test_work_form_not_out_persons_by_township_equal_seed_000(demo):
    _county, _table, workbook, _snapshots = demo
    codes, lines = _form_rows(workbook)
    column = codes.index("not_out_persons")
    assert {name: lines[name][column] for name in NOT_OUT_BY_TOWNSHIP} == NOT_OUT_BY_TOWNSHIP


@pytest.mark.django_db
def test_work_form_lists_townships_in_seed_order(demo):
    _county, _table, workbook, _snapshots = demo
    _codes, lines = _form_rows(workbook)
    assert list(lines)[: len(NOT_OUT_BY_TOWNSHIP)] == list(NOT_OUT_BY_TOWNSHIP)


@pytest.mark.django_db
def test_demo_electronic_signing_rate_is_41_6_percent(demo):
    county, table, _workbook, _snapshots = demo
    assert round(float(table.row_for(county).values["e_signing_rate"]), 3) == 0.416


@pytest.mark.django_db
def test_demo_snapshot_of_the_seed_date_holds_the_same_figures(demo):
    _county, _table, _workbook, snapshots = demo
    assert {code: int(snapshots[code]) for code in SEED_000} == SEED_000


@pytest.mark.django_db
def test_the_demo_leaves_the_planner_statistics_of_its_tables(demo):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics; SQLite plans without")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()"
            " AND tablename IN ('households_person', 'signing_contract', 'signing_healthcheck')"
        )
        analysed = {row[0] for row in cursor.fetchall()}
    assert analysed == {"households_person", "signing_contract", "signing_healthcheck"}
