import pytest
from django.urls import reverse

from coverage import indicators as ind
from coverage.services import recompute_coverage
from tests.coverage.factories import AS_OF, YEAR, build_world


@pytest.fixture
def world(village_a, village_b):
    w = build_world(village_a, village_b)
    recompute_coverage(year=YEAR, as_of=AS_OF)
    return w


def test_indicator_list_names_every_code(client_a):
    data = client_a.get(reverse("coverage-indicator-list")).json()
    assert [item["code"] for item in data] == ind.CODES


def test_township_user_gets_snapshots_of_own_places_only(
    client_a, world, township_a, village_a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        data = client_a.get(
            reverse("coverage-snapshot-list"), {"code": "signed", "year": YEAR}
        ).json()
    assert {row["place"] for row in data["results"]} == {township_a.pk, village_a.pk}


def test_county_user_gets_every_place(client, county_user, world, county):
    client.force_login(county_user)
    data = client.get(
        reverse("coverage-snapshot-list"), {"code": "signed", "place": county.pk}
    ).json()
    assert data["results"][0]["value"] == 4


def test_place_figures_are_live_and_scoped(client_a, world, township_a, village_a):
    data = client_a.get(
        reverse("coverage-place-figures", kwargs={"pk": township_a.pk}),
        {"year": YEAR, "as_of": AS_OF.isoformat()},
    ).json()
    assert {row["place_id"] for row in data} == {township_a.pk, village_a.pk}
    assert data[0]["values"]["roster_persons"] == 6
