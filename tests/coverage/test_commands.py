import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from coverage import indicators as ind
from coverage.models import Snapshot
from tests.coverage.factories import build_world


@pytest.fixture
def world(village_a, village_b):
    return build_world(village_a, village_b)


def _table(*args) -> list[dict]:
    out = io.StringIO()
    call_command("coverage_table", *args, stdout=out)
    return json.loads(out.getvalue())


def test_recompute_command_writes_snapshots(world, county):
    call_command(
        "recompute_coverage", "--year", "2018", "--as-of", "2018-06-04", stdout=io.StringIO()
    )
    assert Snapshot.objects.get(place=county, code="roster_persons").value == 9


def test_recompute_twice_the_same_day_changes_nothing(world):
    args = ("recompute_coverage", "--year", "2018", "--as-of", "2018-06-04")
    call_command(*args, stdout=io.StringIO())
    before = Snapshot.objects.count()
    call_command(*args, stdout=io.StringIO())
    assert Snapshot.objects.count() == before


def test_table_json_has_every_code_for_every_place(world):
    rows = _table("--year", "2018", "--as-of", "2018-06-04")
    assert [(r["place"], r["level"]) for r in rows] == [
        ("泰宁县", "county"),
        ("杉城镇", "township"),
        ("南会村", "village"),
        ("朱口镇", "township"),
        ("朱口村", "village"),
    ]
    for row in rows:
        assert set(ind.CODES) <= set(row)


def test_table_json_counts_are_integers_and_rates_rounded(world):
    county = _table("--year", "2018", "--as-of", "2018-06-04")[0]
    assert county["signed"] == 4 and isinstance(county["signed"], int)
    assert county["signing_rate"] == 0.4444


def test_table_json_rate_without_denominator_is_null(world):
    rows = _table("--year", "2018", "--as-of", "2018-06-04")
    village_b = next(r for r in rows if r["place"] == "朱口村")
    assert village_b["followup_compliance"] is None


def test_table_csv(world):
    out = io.StringIO()
    call_command(
        "coverage_table", "--year", "2018", "--as-of", "2018-06-04", "--format", "csv", stdout=out
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert rows[0]["place"] == "泰宁县" and rows[0]["roster_persons"] == "9"


def test_table_xlsx(world, tmp_path):
    path = tmp_path / "t.xlsx"
    call_command(
        "coverage_table",
        "--year",
        "2018",
        "--as-of",
        "2018-06-04",
        "--format",
        "xlsx",
        "-o",
        str(path),
    )
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    county = [c.value for c in sheet[3]]
    assert county[header.index("roster_persons")] == 9


def test_recomputing_a_day_replaces_its_values_and_keeps_other_days_and_places(
    world, county, township_a, township_b
):
    """A recompute of a day writes every place's indicators once, with the new values; the
    snapshots of other days, and of the places outside the recomputed roots, stay."""
    import datetime

    from coverage.services import recompute_coverage

    day, other_day = datetime.date(2018, 6, 4), datetime.date(2018, 5, 1)
    recompute_coverage(year=2018, as_of=other_day)
    written = recompute_coverage(year=2018, as_of=day)
    assert written == Snapshot.objects.filter(date=day).count() > 0
    kept = {
        (s.place_id, s.code, s.value, s.computed_at)
        for s in Snapshot.objects.filter(date=day).exclude(place__path__startswith=township_a.path)
    }
    Snapshot.objects.filter(date=day, place=township_a, code="roster_persons").update(value=99)

    again = recompute_coverage(year=2018, as_of=day, roots=[township_a])

    rows = Snapshot.objects.filter(date=day, place=township_a)
    assert (
        again == Snapshot.objects.filter(date=day, place__path__startswith=township_a.path).count()
    )
    assert rows.get(code="roster_persons").value != 99
    assert rows.count() == len({s.code for s in rows})  # each indicator once
    assert {
        (s.place_id, s.code, s.value, s.computed_at)
        for s in Snapshot.objects.filter(date=day).exclude(place__path__startswith=township_a.path)
    } == kept
    assert Snapshot.objects.filter(date=other_day).count() == written
