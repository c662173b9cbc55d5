"""Login protection: 5 wrong passwords lock a user name for 15 minutes; 30-minute idle sessions.

Township offices share one public IP address, so the lock is per user name, never per IP.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from healthpov.accounts.middleware import LAST_ACTIVITY_KEY

RIGHT = "pw-for-tests-1"  # tests/factories.py
LOCKED_TEXT = "15"  # the locked page names the lock time, in any language


def log_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def fail_five_times(client, username: str) -> None:
    for _ in range(5):
        response = log_in(client, username, "wrong-password")
        assert response.status_code in {200, 429}


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_four_failures_do_not_lock(client, user_a):
    for _ in range(4):
        log_in(client, "staff_a", "wrong-password")

    response = log_in(client, "staff_a", RIGHT)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_five_failures_lock_even_the_right_password(client, user_a):
    fail_five_times(client, "staff_a")

    response = log_in(client, "staff_a", RIGHT)

    assert response.status_code == 429
    assert "registration/locked.html" in [t.name for t in response.templates]
    assert LOCKED_TEXT in response.content.decode()
    assert not is_signed_in(client)


@pytest.mark.parametrize(("minutes_ago", "locked"), [(14, True), (16, False)])
def test_lock_lasts_fifteen_minutes(client, user_a, minutes_ago, locked):
    fail_five_times(client, "staff_a")
    AccessAttempt.objects.filter(username="staff_a").update(
        attempt_time=timezone.now() - timedelta(minutes=minutes_ago)
    )

    response = log_in(client, "staff_a", RIGHT)

    assert response.status_code == (429 if locked else 302)
    assert is_signed_in(client) is not locked


def test_other_user_name_from_the_same_ip_is_not_locked(client, user_a, user_b):
    fail_five_times(client, "staff_a")

    response = log_in(client, "staff_b", RIGHT)  # same client, same REMOTE_ADDR

    assert response.status_code == 302
    assert is_signed_in(client)


def test_idle_timeout_is_thirty_minutes_and_the_session_is_not_saved_on_every_request():
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


def _stored_session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _pretend_last_activity(client, seconds_ago: int) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] -= seconds_ago
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )


def test_a_request_after_a_minute_moves_the_expiry_thirty_minutes_ahead(client, user_a):
    log_in(client, "staff_a", RIGHT)
    _pretend_last_activity(client, 25 * 60)  # 5 minutes of the session are left

    assert client.get(reverse("home")).status_code == 200

    left = _stored_session(client).expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_requests_within_the_same_minute_do_not_save_the_session(client, user_a):
    log_in(client, "staff_a", RIGHT)
    _pretend_last_activity(client, 0)

    assert client.get(reverse("home")).status_code == 200

    left = _stored_session(client).expire_date - timezone.now()
    assert left <= timedelta(minutes=5)


def test_thirty_minutes_without_a_request_sign_out(client, user_a):
    log_in(client, "staff_a", RIGHT)
    _pretend_last_activity(client, 30 * 60)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not is_signed_in(client)


def test_idle_session_is_signed_out(client, user_a):
    log_in(client, "staff_a", RIGHT)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
