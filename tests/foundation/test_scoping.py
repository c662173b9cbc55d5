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
