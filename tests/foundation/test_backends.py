"""The user of a signed-in session comes with the user's place (healthpov/accounts/backends.py),
and only while the account may sign in."""

from __future__ import annotations

from django.urls import reverse

from healthpov.accounts.backends import UserBackend
from tests.factories import UserFactory


def test_the_users_place_comes_with_the_user(user_a, township_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserBackend().get_user(user_a.pk)
        assert user.place.path == township_a.path


def test_a_user_without_a_place_is_loaded(db, django_assert_num_queries):
    user = UserFactory(username="no_place", place=None)

    with django_assert_num_queries(1):
        assert UserBackend().get_user(user.pk).place is None


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
