"""A roster import in a database of several counties (a city's or a province's) compares the
file with its own county's roster: the other counties' persons neither leave nor count in the
5% share; a person of another county named in the file moves in with their roster entry."""

from __future__ import annotations

import pytest

from households import services
from households.imports import ImportContext
from households.models import Person, RosterEntry
from tests.factories import CountyFactory, TownshipFactory, VillageFactory
from tests.households.workbooks import roster_row, write_roster

YEAR = 2018
OTHER = {"township": "万安镇", "village": "万安村"}


@pytest.fixture
def two_counties(village_a):
    other_county = CountyFactory(name="将乐县", parent=village_a.parent.parent.parent)
    other_village = VillageFactory(
        name="万安村", parent=TownshipFactory(name="万安镇", parent=other_county)
    )
    return village_a, other_village


def _import(path, *, confirm_leavers=None):
    context = ImportContext(user=None, options={"year": YEAR, "confirm_leavers": confirm_leavers})
    result = services.import_file(kind="roster", path=path, context=context, actor=None)
    return result


def _other(n: int, **over) -> dict:
    return roster_row(n, household=f"W{n // 3:04d}", **{**OTHER, **over})


def test_leavers_and_their_share_count_in_the_files_county_only(tmp_path, two_counties):
    assert _import(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(30)])).ok
    assert _import(write_roster(tmp_path / "b.xlsx", [_other(n) for n in range(100, 110)])).ok

    # Half of the other county's roster leaves: 5 of its 10, not 5 of the 40 of both counties.
    fewer = write_roster(tmp_path / "b2.xlsx", [_other(n) for n in range(100, 105)])
    refused = _import(fewer)
    assert not refused.ok
    leavers = refused.preview["leavers"]
    assert (leavers["count"], leavers["roster"], leavers["confirm"]) == (5, 10, True)

    applied = _import(fewer, confirm_leavers=5)
    assert applied.ok, applied.error_lines()
    assert applied.counts["persons_left"] == 5
    on_roster = RosterEntry.objects.filter(year=YEAR, left_on__isnull=True)
    assert on_roster.filter(person__household__village=two_counties[0]).count() == 30
    assert on_roster.filter(person__household__village=two_counties[1]).count() == 5


def test_a_person_of_another_county_moves_in_with_their_entry(tmp_path, two_counties):
    assert _import(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(30)])).ok
    assert _import(write_roster(tmp_path / "b.xlsx", [_other(n) for n in range(100, 110)])).ok
    entries = RosterEntry.objects.filter(year=YEAR).count()

    # Person 0 of the first county is named in the other county's file (a household there).
    moved = roster_row(0, household="W9999", **OTHER)
    result = _import(
        write_roster(tmp_path / "b2.xlsx", [*(_other(n) for n in range(100, 110)), moved])
    )

    assert result.ok, result.error_lines()
    assert result.counts["persons_left"] == 0  # nobody of the first county leaves
    assert RosterEntry.objects.filter(year=YEAR).count() == entries  # no second entry
    person = Person.objects.get(id_number=moved["身份证号码"])
    assert person.household.village == two_counties[1]
    assert RosterEntry.objects.get(person=person, year=YEAR).left_on is None
