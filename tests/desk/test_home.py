"""One home page per role, with the caller's places and their registry counts."""

import datetime

import pytest
from django.urls import reverse

from desk import selectors
from inspections.models import Campaign, InspectionGroup
from tests.households.factories import HouseholdFactory, PersonFactory


@pytest.fixture
def registry(village_a, village_b):
    """Two households with three persons in A's village, one with one person in B's."""
    first = HouseholdFactory(village=village_a)
    PersonFactory.create_batch(2, household=first)
    PersonFactory(household=HouseholdFactory(village=village_a))
    PersonFactory(household=HouseholdFactory(village=village_b))


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


def test_county_home_costs_few_queries(
    client, county_user, registry, django_assert_max_num_queries
):
    client.force_login(county_user)
    with django_assert_max_num_queries(10):
        client.get(reverse("home"))


def test_township_home_costs_few_queries(client_a, registry, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        client_a.get(reverse("home"))


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
