"""A change of the registry recomputes its county and the places above it, nothing else.

The tree: 福建省 → 三明市 → 泰宁县 (townships 杉城镇, 朱口镇, 梅口乡) and 建宁县 (溪源乡,
里心镇). The
figures of the recomputed places must be those of a full recompute; the other county's
snapshot rows must not be written again.
"""

import pytest
from django.utils import timezone

from coverage.models import RecomputeRun, Snapshot
from coverage.selectors import compute_table
from coverage.services import (
    _run_claim,
    recompute_after_registry_change,
    recompute_coverage,
    recompute_coverage_around,
    recompute_run_execute,
)
from healthpov.period import ReportingPeriod
from healthpov.places.models import Place
from households import services as households
from households.imports import ImportContext
from tests.coverage.factories import YEAR, build_world, household, person
from tests.factories import PlaceFactory, TownshipFactory, VillageFactory
from tests.households.workbooks import roster_row, write_roster

PERIOD = ReportingPeriod.for_year(YEAR)  # what a registry change recomputes: 31 December


@pytest.fixture
def tree(db):
    province = PlaceFactory(name="福建省", level=Place.Level.PROVINCE)
    city = PlaceFactory(name="三明市", level=Place.Level.CITY, parent=province)
    county = PlaceFactory(name="泰宁县", level=Place.Level.COUNTY, parent=city)
    village_a = VillageFactory(name="南会村", parent=TownshipFactory(name="杉城镇", parent=county))
    village_b = VillageFactory(name="朱口村", parent=TownshipFactory(name="朱口镇", parent=county))
    other = PlaceFactory(name="建宁县", level=Place.Level.COUNTY, parent=city)
    xiyuan = TownshipFactory(name="溪源乡", parent=other)
    other_village = VillageFactory(name="溪源村", parent=xiyuan)
    # Empty townships, one in each county: the files below put persons there, none leave.
    VillageFactory(name="梅口村", parent=TownshipFactory(name="梅口乡", parent=county))
    VillageFactory(name="里心村", parent=TownshipFactory(name="里心镇", parent=other))
    build_world(village_a, village_b)
    person(household(other_village))
    person(household(other_village))
    return province, city, county, other


def stamps(place: Place) -> dict:
    """(place id, code) → computed_at of the snapshot rows of ``place``'s subtree."""
    return {
        (place_id, code): computed_at
        for place_id, code, computed_at in Snapshot.objects.filter(
            year=YEAR, date=PERIOD.as_of, place__path__startswith=place.path
        ).values_list("place_id", "code", "computed_at")
    }


def stored_figures() -> dict:
    return {
        (place_id, code): value
        for place_id, code, value in Snapshot.objects.filter(
            year=YEAR, date=PERIOD.as_of
        ).values_list("place_id", "code", "value")
    }


def full_figures() -> dict:
    """What a full recompute would store now, without storing it."""
    return {
        (row.place_id, code): value
        for row in compute_table(PERIOD).rows
        for code, value in row.values.items()
    }


def new_row(n, **over):
    return roster_row(n, **{"township": "梅口乡", "village": "梅口村", **over})


def import_file(tmp_path, rows):
    context = ImportContext(user=None, options={"year": YEAR})
    result = households.import_file(
        kind="roster", path=write_roster(tmp_path / "r.xlsx", rows), context=context, actor=None
    )
    assert result.ok, result.error_lines()


def test_an_import_in_one_county_leaves_the_other_countys_snapshots_unwritten(
    tree, tmp_path, django_capture_on_commit_callbacks
):
    _province, _city, _county, other = tree
    recompute_coverage(year=YEAR, as_of=PERIOD.as_of)
    before = stamps(other)

    with django_capture_on_commit_callbacks(execute=True):
        import_file(tmp_path, [new_row(n) for n in range(6)])

    assert RecomputeRun.objects.get().status == RecomputeRun.Status.DONE
    assert before and stamps(other) == before


def test_an_import_makes_its_county_and_the_places_above_exact(
    tree, tmp_path, django_capture_on_commit_callbacks
):
    province, city, county, _other = tree
    recompute_coverage(year=YEAR, as_of=PERIOD.as_of)
    before = stored_figures()
    mark = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        import_file(tmp_path, [new_row(n) for n in range(6)])

    stored = stored_figures()
    for place in (county, city, province):
        key = (place.pk, "roster_persons")
        assert stored[key] == before[key] + 6
    assert stored == full_figures()
    rewritten = Snapshot.objects.filter(year=YEAR, date=PERIOD.as_of, computed_at__gt=mark)
    assert set(rewritten.values_list("place_id", flat=True)) == {
        *Place.objects.filter(path__startswith=county.path).values_list("pk", flat=True),
        city.pk,
        province.pk,
    }


def test_a_person_moving_in_from_another_county_is_taken_off_its_figures(
    tree, tmp_path, django_capture_on_commit_callbacks
):
    _province, _city, _county, other = tree
    moving = new_row(0, township="里心镇", village="里心村", household="X0000")
    with django_capture_on_commit_callbacks(execute=True):
        import_file(tmp_path, [moving])
    before = stored_figures()[(other.pk, "roster_persons")]

    with django_capture_on_commit_callbacks(execute=True):
        import_file(tmp_path, [new_row(0)])

    run = RecomputeRun.objects.order_by("pk").last()
    assert Place.objects.get(name="里心镇").pk in run.places
    assert stored_figures()[(other.pk, "roster_persons")] == before - 1
    assert stored_figures() == full_figures()


def test_the_places_above_are_summed_with_their_rates_derived_again(tree):
    province, city, county, _other = tree
    recompute_coverage(year=YEAR, as_of=PERIOD.as_of)
    Snapshot.objects.filter(place__in=[city, province]).delete()
    Snapshot.objects.filter(place=county).update(value=0)

    recompute_coverage_around(year=YEAR, as_of=PERIOD.as_of, places=[county.pk])

    assert stored_figures() == full_figures()
    assert Snapshot.objects.filter(place=city, code="signing_rate").exists()


def test_a_county_without_the_days_snapshot_has_the_place_above_computed_whole(tree):
    _province, _city, county, other = tree
    # Only 泰宁县 has a snapshot of the day: 建宁县's is needed for the city's sum.
    recompute_coverage(year=YEAR, as_of=PERIOD.as_of, roots=[county])

    recompute_coverage_around(year=YEAR, as_of=PERIOD.as_of, places=[county.pk])

    assert stamps(other)
    assert stored_figures() == full_figures()


def test_queued_runs_of_a_burst_of_changes_are_recomputed_by_the_first_job(
    tree, django_capture_on_commit_callbacks
):
    _province, _city, _county, other = tree
    recompute_coverage(year=YEAR, as_of=PERIOD.as_of)
    township_a = Place.objects.get(name="杉城镇")
    township_b = Place.objects.get(name="溪源乡")
    with django_capture_on_commit_callbacks(execute=False):  # the jobs are not sent yet
        (first,) = recompute_after_registry_change(years=[YEAR], places=[township_a.pk])
        (second,) = recompute_after_registry_change(years=[YEAR], places=[township_b.pk])

    recompute_run_execute(run_id=first.pk)
    after_first = stamps(other)
    recompute_run_execute(run_id=second.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == RecomputeRun.Status.DONE
    assert first.places == sorted([township_a.pk, township_b.pk])
    assert stamps(other) == after_first  # the second job found its run done
    assert first.snapshots_written == Snapshot.objects.filter(date=PERIOD.as_of).count()


def test_a_change_of_unknown_places_recomputes_every_place(
    tree, django_capture_on_commit_callbacks
):
    _province, _city, _county, other = tree
    recompute_coverage(year=YEAR, as_of=PERIOD.as_of)
    before = stamps(other)

    with django_capture_on_commit_callbacks(execute=True):
        recompute_after_registry_change(years=[YEAR], places=None)

    after = stamps(other)
    assert all(after[key] > stamp for key, stamp in before.items())


def test_a_run_whose_worker_died_after_the_claim_recomputes_every_place_it_took(
    tree, django_capture_on_commit_callbacks
):
    _province, _city, _county, other = tree
    recompute_coverage(year=YEAR, as_of=PERIOD.as_of)
    before = stamps(other)
    township_a = Place.objects.get(name="杉城镇")
    township_b = Place.objects.get(name="溪源乡")
    with django_capture_on_commit_callbacks(execute=False):
        (first,) = recompute_after_registry_change(years=[YEAR], places=[township_a.pk])
        recompute_after_registry_change(years=[YEAR], places=[township_b.pk])
    _run_claim(first.pk)  # the worker dies here: the run is left running

    recompute_run_execute(run_id=first.pk)  # the job, handed out again

    first.refresh_from_db()
    assert first.status == RecomputeRun.Status.DONE
    after = stamps(other)
    assert all(after[key] > stamp for key, stamp in before.items())
    assert stored_figures() == full_figures()
