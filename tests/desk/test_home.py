"""One home page per role: today's work lists with their sizes, and the caller's places.

Every tile's count must equal the length of the list it links to: the tests open each link.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coverage.models import IndicatorTarget, Snapshot
from desk import selectors
from inspections.models import Campaign, InspectionGroup
from remediation.models import ItemState
from tests.desk.work import TODAY, add_work
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.remediation.factories import ItemFactory


@pytest.fixture
def registry(village_a, village_b):
    """Two households with three persons in A's village, one with one person in B's."""
    first = HouseholdFactory(village=village_a)
    PersonFactory.create_batch(2, household=first)
    PersonFactory(household=HouseholdFactory(village=village_a))
    PersonFactory(household=HouseholdFactory(village=village_b))


def _tiles(response) -> dict[str, selectors.Tile]:
    return {tile.key: tile for tile in response.context["tiles"]}


def _listed(client, url: str) -> int:
    """How many rows the list at ``url`` holds: a signing work list's paginator count, or the
    remediation list's rows."""
    response = client.get(url)
    assert response.status_code == 200, url
    if "page" in response.context:
        return response.context["page"].paginator.count
    return len(response.context["rows"])


def _counts(response) -> dict[str, int]:
    return {key: tile.count for key, tile in _tiles(response).items()}


# --- village doctor ------------------------------------------------------------------------


def test_village_doctor_home_lists_own_villages_work(client, village_doctor_a, work):
    client.force_login(village_doctor_a)
    response = client.get(reverse("home"))
    assert _counts(response) == {
        "households_to_visit": 4,
        "followups_due_soon": 2,
        "followups_overdue": 1,
    }


def test_village_doctor_tiles_count_what_their_lists_show(client, village_doctor_a, work):
    client.force_login(village_doctor_a)
    tiles = _tiles(client.get(reverse("home")))
    for tile in tiles.values():
        assert _listed(client, tile.url) == tile.count, tile.key


def test_village_doctor_home_costs_few_queries(
    client, village_doctor_a, work, django_assert_max_num_queries
):
    client.force_login(village_doctor_a)
    # Session and user, three for the village counts, one COUNT per tile; the follow-up tiles
    # also read the year's policy and the key chronic diseases; the session's idle timestamp.
    with django_assert_max_num_queries(19):
        client.get(reverse("home"))


def test_households_to_visit_links_to_the_visits_work_list(client, village_doctor_a, work):
    client.force_login(village_doctor_a)
    tile = _tiles(client.get(reverse("home")))["households_to_visit"]
    assert tile.url == reverse("signing:worklist", args=["visits"])


# --- township ------------------------------------------------------------------------------


def test_township_home_lists_its_villages_work(client_a, work):
    response = client_a.get(reverse("home"))
    assert response.templates[0].name == "desk/home_township.html"
    assert _counts(response) == {
        "households_to_visit": 8,
        "followups_due_soon": 4,
        "followups_overdue": 2,
        "unsigned_without_reason": 2,
        "booklets_to_handle": 2,
        "health_checks_missing": 2,
        "remediation_due_soon": 1,
        "remediation_overdue": 1,
    }


def test_township_tiles_count_what_their_lists_show(client_a, work):
    tiles = _tiles(client_a.get(reverse("home")))
    for tile in tiles.values():
        assert _listed(client_a, tile.url) == tile.count, tile.key


def test_township_home_costs_few_queries(client_a, work, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        client_a.get(reverse("home"))


def test_township_home_shows_each_tile_as_a_link_with_its_count(client_a, work):
    html = client_a.get(reverse("home")).content.decode()
    assert 'data-testid="tile-followups_overdue" data-count="2"' in html
    assert "今日工作" in html


def test_township_home_counts_nothing_of_another_township(client, user_b, working_day, village_a):
    add_work(village_a, prefix="A")
    ItemFactory(township=village_a.parent, state=ItemState.IN_PROGRESS)
    client.force_login(user_b)
    assert set(_counts(client.get(reverse("home"))).values()) == {0}


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_township_home_counts_own_villages(client_a, registry, village_a):
    response = client_a.get(reverse("home"))
    assert response.templates[0].name == "desk/home_township.html"
    rows = response.context["rows"]
    assert [(r.place, r.households, r.persons) for r in rows] == [(village_a, 2, 3)]


def test_township_home_hides_other_township(client_a, registry, village_b):
    html = client_a.get(reverse("home")).content.decode()
    assert village_b.name not in html


def test_village_doctor_sees_own_village(client, village_doctor_a, registry, village_a):
    client.force_login(village_doctor_a)
    rows = client.get(reverse("home")).context["rows"]
    assert [r.place for r in rows] == [village_a]


def test_county_home_lists_townships_with_counts(
    client, county_user, registry, township_a, township_b
):
    client.force_login(county_user)
    response = client.get(reverse("home"))
    counts = {r.place: (r.villages, r.households, r.persons) for r in response.context["rows"]}
    assert counts == {township_a: (1, 2, 3), township_b: (1, 1, 1)}
    assert (response.context["total"].households, response.context["total"].persons) == (3, 4)


# --- county --------------------------------------------------------------------------------


def test_county_home_lists_items_awaiting_verification_and_overdue(client, county_user, work):
    client.force_login(county_user)
    assert _counts(client.get(reverse("home"))) == {
        "remediation_awaiting_verification": 3,
        "remediation_overdue": 2,
    }


def test_county_tiles_count_what_their_lists_show(client, county_user, work):
    client.force_login(county_user)
    tiles = _tiles(client.get(reverse("home")))
    for tile in tiles.values():
        assert _listed(client, tile.url) == tile.count, tile.key


def test_county_home_lists_overdue_items_by_township(
    client, county_user, work, township_a, township_b
):
    ItemFactory(
        township=township_b,
        deadline=TODAY,
        overdue_since=TODAY + datetime.timedelta(days=1),
    )
    client.force_login(county_user)
    rows = client.get(reverse("home")).context["overdue_by_township"]
    assert [(row.township, row.count) for row in rows] == [(township_b, 2), (township_a, 1)]
    for row in rows:
        assert _listed(client, row.url) == row.count


def test_county_home_does_not_count_closed_overdue_items(client, county_user, township_a):
    ItemFactory(
        township=township_a,
        state=ItemState.CLOSED,
        deadline=TODAY,
        overdue_since=TODAY + datetime.timedelta(days=1),
    )
    client.force_login(county_user)
    response = client.get(reverse("home"))
    assert response.context["overdue_by_township"] == []
    assert _counts(response)["remediation_overdue"] == 0


def _snapshot(place, code: str, value: str, date=TODAY) -> None:
    Snapshot.objects.create(
        date=date,
        year=date.year,
        place=place,
        code=code,
        value=Decimal(value),
        computed_at=timezone.now(),
    )


@pytest.fixture
def figures(working_day, county, township_a):
    """The county's latest snapshot misses the signing target and meets the check target; an
    older snapshot and a township's figures do not count."""
    _snapshot(county, "signing_rate", "0.5")
    _snapshot(county, "health_check_rate", "0.95")
    _snapshot(county, "e_signing_rate", "0.1", date=TODAY - datetime.timedelta(days=7))
    _snapshot(township_a, "e_signing_rate", "0.1")
    for code in ("signing_rate", "health_check_rate", "e_signing_rate"):
        IndicatorTarget.objects.create(year=2018, code=code, target=Decimal("0.9"))


def test_county_home_lists_indicators_below_target(client, county_user, figures, county):
    client.force_login(county_user)
    response = client.get(reverse("home"))
    assert response.context["snapshot_date"] == TODAY
    gaps = response.context["gaps"]
    assert [(gap.indicator.code, gap.value, gap.target) for gap in gaps] == [
        ("signing_rate", Decimal("0.5"), Decimal("0.9"))
    ]
    assert gaps[0].url == (
        reverse("coverage:drilldown", args=[county.pk, "signing_rate"])
        + f"?year=2018&as_of={TODAY.isoformat()}"
    )
    assert "50.0%" in response.content.decode()


def test_indicator_below_target_links_to_its_drilldown(client, county_user, figures):
    client.force_login(county_user)
    gap = client.get(reverse("home")).context["gaps"][0]
    response = client.get(gap.url)
    assert response.status_code == 200
    assert response.context["indicator"].code == "signing_rate"


def test_county_home_without_snapshots_says_so(client, county_user, working_day):
    client.force_login(county_user)
    response = client.get(reverse("home"))
    assert response.context["gaps"] == []
    assert response.context["snapshot_date"] is None


def test_county_home_costs_few_queries(
    client, county_user, work, figures, registry, django_assert_max_num_queries
):
    client.force_login(county_user)
    with django_assert_max_num_queries(19):
        client.get(reverse("home"))


def test_inspector_home_lists_groups_and_places(client, inspector, county, township_b, centre_b):
    campaign = Campaign.objects.create(
        name="2026年健康扶贫专项督查",
        kind=Campaign.Kind.SUPERVISION,
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 30),
        place=county,
    )
    group = InspectionGroup.objects.create(campaign=campaign, name="第一组")
    group.members.add(inspector)
    group.places.add(township_b)
    group.institutions.add(centre_b)
    client.force_login(inspector)
    html = client.get(reverse("home")).content.decode()
    assert "2026年健康扶贫专项督查" in html
    assert township_b.name in html
    assert centre_b.name in html


def test_inspector_without_group_is_told_so(client, inspector):
    client.force_login(inspector)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="no-assignments"' in html


def test_admin_home_links_to_admin(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("home")).content.decode()
    assert reverse("admin:accounts_user_changelist") in html


def test_city_user_sees_county_of_each_township(client, county, township_a):
    from healthpov.accounts.models import User
    from tests.factories import PlaceFactory, UserFactory

    city = PlaceFactory(name="三明市", level="city")
    county.parent = city
    county.save()
    township_a.save()  # paths follow the new parent
    other_county = PlaceFactory(name="将乐县", level="county", parent=city)
    PlaceFactory(name="古镛镇", level="township", parent=other_county)
    city_user = UserFactory(username="city_1", role=User.Role.CITY_BUREAU, place=city)
    client.force_login(city_user)
    response = client.get(reverse("home"))
    assert response.context["show_parent"] is True


def test_layout_shows_admin_link_only_to_staff(client_a, client, admin_user):
    assert 'data-testid="nav-admin"' not in client_a.get(reverse("home")).content.decode()
    client.force_login(admin_user)
    assert 'data-testid="nav-admin"' in client.get(reverse("home")).content.decode()


def test_selectors_totals_of_nothing_is_none():
    assert selectors.totals([]) is None
