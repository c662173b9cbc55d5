"""A recompute writes snapshots only for the places of the user who started it."""

import datetime

from django.urls import reverse

from coverage.models import RecomputeRun, Snapshot
from coverage.services import recompute_coverage
from tests.coverage.factories import YEAR, build_world
from tests.factories import CountyFactory, TownshipFactory, VillageFactory

AS_OF = datetime.date(2018, 7, 1)


def start_recompute(client, user, capture):
    client.force_login(user)
    with capture(execute=True):
        client.post(reverse("coverage:recompute"), {"year": YEAR, "as_of": AS_OF.isoformat()})
    return RecomputeRun.objects.get(as_of=AS_OF)


def test_a_county_users_recompute_leaves_other_counties_alone(
    client, county_user, county, village_a, village_b, django_capture_on_commit_callbacks
):
    build_world(village_a, village_b)
    other = CountyFactory(name="建宁县")
    other_township = TownshipFactory(name="溪源乡", parent=other)
    other_village = VillageFactory(name="溪源村", parent=other_township)

    run = start_recompute(client, county_user, django_capture_on_commit_callbacks)

    assert run.status == RecomputeRun.Status.DONE
    written = set(Snapshot.objects.filter(date=AS_OF).values_list("place_id", flat=True))
    assert county.pk in written
    assert not written & {other.pk, other_township.pk, other_village.pk}


def test_the_nightly_recompute_still_covers_every_place(county, village_a, village_b):
    other = CountyFactory(name="建宁县")
    recompute_coverage(year=YEAR, as_of=AS_OF)

    assert Snapshot.objects.filter(date=AS_OF, place=other).exists()
