from healthpov.places.models import Institution
from healthpov.places.scoping import places_visible_to


def test_township_user_sees_own_subtree_only(user_a, village_a, village_b, township_a):
    visible = set(places_visible_to(user_a))
    assert township_a in visible
    assert village_a in visible
    assert village_b not in visible


def test_county_user_sees_every_township(county_user, village_a, village_b):
    visible = set(places_visible_to(county_user))
    assert {village_a, village_b} <= visible


def test_inspector_without_group_sees_nothing(inspector, centre_a):
    assert list(Institution.objects.visible_to(inspector)) == []


def test_institutions_scoped_by_place(user_a, centre_a, centre_b):
    assert list(Institution.objects.visible_to(user_a)) == [centre_a]


def test_village_doctor_limited_to_village(village_doctor_a, village_a, township_a):
    visible = set(places_visible_to(village_doctor_a))
    assert visible == {village_a}


def test_path_visible_to_follows_places_visible_to(
    user_a, county_user, admin_user, county, township_a, township_b, village_a
):
    from healthpov.places.scoping import path_visible_to

    for user in (user_a, county_user, admin_user):
        visible = set(places_visible_to(user))
        for place in (county, township_a, township_b, village_a):
            assert path_visible_to(user, place.path) == (place in visible), (user, place)


def test_visible_to_by_the_users_place_ids_keeps_the_path_scopes_rows(
    user_a, county_user, admin_user, village_doctor_a, village_a, village_b
):
    """``visible_to(user, places=…)`` scopes by the ids of the places the page has read; the
    rows are those of the path scope, for every kind of user."""
    from households.models import Household
    from tests.households.factories import HouseholdFactory

    for village in (village_a, village_b):
        HouseholdFactory.create_batch(2, village=village)
    for user in (user_a, county_user, admin_user, village_doctor_a):
        places = list(places_visible_to(user))
        by_path = set(Household.objects.visible_to(user))
        assert set(Household.objects.visible_to(user, places=places)) == by_path, user
        assert by_path, user


def test_scope_ids_refuses_a_place_outside_the_users_scope(user_a, village_a, village_b):
    """A wrong list of places can narrow a scope, never widen it."""
    import pytest

    from healthpov.places.scoping import scope_ids

    assert scope_ids(user_a, [village_a]) == (village_a.pk,)
    with pytest.raises(ValueError):
        scope_ids(user_a, [village_a, village_b])


def test_scope_ids_keeps_the_path_scope_for_administrators_and_long_lists(
    admin_user, county_user, village_a, settings
):
    from healthpov.places import scoping

    assert scoping.scope_ids(admin_user, [village_a]) is None
    assert scoping.scope_ids(county_user, None) is None
    many = [village_a] * (scoping.MAX_SCOPE_IDS + 1)
    assert scoping.scope_ids(county_user, many) is None
