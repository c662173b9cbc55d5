"""The user of a signed-in session comes with the user's place (healthpov/accounts/backends.py),
as the ORM would load them, and only while the account may sign in."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from healthpov.accounts.backends import UserBackend, user_with_place
from healthpov.accounts.models import User
from tests.factories import UserFactory


def fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_the_user_and_place_are_what_the_orm_loads(user_a, django_assert_num_queries):
    User.objects.filter(pk=user_a.pk).update(last_login=timezone.now(), phone="13800000000")
    expected = User.objects.select_related("place").get(pk=user_a.pk)

    with django_assert_num_queries(1):
        user = user_with_place(user_a.pk)
        place = user.place

    assert fields(user) == fields(expected)
    assert fields(place) == fields(expected.place)
    assert user._state.db == expected._state.db and not user._state.adding


def test_a_user_without_a_place_is_loaded(db, django_assert_num_queries):
    user = UserFactory(username="no_place", place=None)

    with django_assert_num_queries(1):
        assert user_with_place(user.pk).place is None


def test_an_inactive_or_unknown_user_is_not_loaded(user_a):
    user_a.is_active = False
    user_a.save(update_fields=["is_active"])

    assert UserBackend().get_user(user_a.pk) is None
    assert UserBackend().get_user(user_a.pk + 1000) is None


def test_a_deactivated_users_session_ends(client, user_a):
    client.force_login(user_a)
    user_a.is_active = False
    user_a.save(update_fields=["is_active"])

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
