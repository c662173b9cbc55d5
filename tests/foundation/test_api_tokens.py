"""API tokens expire, are revoked when the account changes, and anonymous calls get a 401."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from healthpov.accounts.models import User
from tests.browser_conftest import TEST_PASSWORD


def token_client(user) -> APIClient:
    key = APIClient().post(
        reverse("api-token"), {"username": user.username, "password": TEST_PASSWORD}
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key.json()['token']}")
    assert client.get(reverse("api-me")).status_code == 200
    return client


def test_anonymous_api_call_is_401_with_www_authenticate(db):
    response = APIClient().get(reverse("api-me"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert client.get(reverse("api-me")).status_code == 401


def test_ttl_setting_defaults_to_twelve_hours():
    assert settings.API_TOKEN_TTL_HOURS == 12


def test_token_older_than_its_ttl_is_refused(user_a):
    client = token_client(user_a)
    Token.objects.filter(user=user_a).update(
        created=timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1)
    )

    assert client.get(reverse("api-me")).status_code == 401


def test_token_endpoint_replaces_an_expired_token(user_a):
    token_client(user_a)
    Token.objects.filter(user=user_a).update(
        created=timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1)
    )
    old = Token.objects.get(user=user_a).key

    new_client = token_client(user_a)

    assert new_client.get(reverse("api-me")).status_code == 200
    assert Token.objects.get(user=user_a).key != old


def test_logout_revokes_the_token(client, user_a):
    api = token_client(user_a)
    client.force_login(user_a)

    client.post(reverse("logout"))

    assert api.get(reverse("api-me")).status_code == 401


def test_lockout_revokes_the_token(client, user_a):
    api = token_client(user_a)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user_a.username, "password": "wrong"})

    assert api.get(reverse("api-me")).status_code == 401


def test_deactivation_revokes_the_token_for_good(user_a):
    api = token_client(user_a)

    user_a.is_active = False
    user_a.save()
    user_a.is_active = True
    user_a.save()

    assert api.get(reverse("api-me")).status_code == 401


@pytest.mark.parametrize("change", ["role", "place"])
def test_change_of_role_or_place_revokes_the_token(user_a, township_b, change):
    api = token_client(user_a)

    if change == "role":
        user_a.role = User.Role.VILLAGE_DOCTOR
    else:
        user_a.place = township_b
    user_a.save()

    assert api.get(reverse("api-me")).status_code == 401


def test_other_changes_keep_the_token(user_a):
    api = token_client(user_a)

    user_a.phone = "0598-1234567"
    user_a.save()

    assert api.get(reverse("api-me")).status_code == 200
