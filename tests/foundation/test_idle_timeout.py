"""The idle timeout counts what the user does, not what an open page polls in the background.

Polling elements (the notification badge, import and recompute progress) send the
``X-Background-Poll`` header; such requests are still signed-out on time but never extend the
session.
"""

import time

from django.test import override_settings
from django.urls import reverse

RIGHT = "pw-for-tests-1"  # tests/factories.py
POLL = {"HTTP_X_BACKGROUND_POLL": "1", "HTTP_HX_REQUEST": "true"}
SHORT = 3  # seconds: long enough for a loaded test machine, short enough to wait for


def log_in(client) -> None:
    response = client.post(reverse("login"), {"username": "staff_a", "password": RIGHT})
    assert response.status_code == 302


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@override_settings(SESSION_IDLE_SECONDS=SHORT, SESSION_COOKIE_AGE=SHORT)
def test_an_open_page_that_only_polls_is_signed_out_on_time(client, user_a):
    log_in(client)
    started = time.monotonic()
    while time.monotonic() - started < SHORT + 0.5:
        client.get(reverse("notifications:notification_count"), **POLL)
        time.sleep(0.5)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@override_settings(SESSION_IDLE_SECONDS=SHORT, SESSION_COOKIE_AGE=SHORT)
def test_a_real_request_extends_the_session(client, user_a):
    # Each request comes 0.6 x the limit after the previous one began (the session's activity
    # is taken when a request starts): a request slowed by a loaded machine must not push the
    # next one past the limit (it did in CI, the suites of both databases running at once).
    begun = time.monotonic()
    log_in(client)
    for _ in range(3):
        time.sleep(max(0.0, begun + SHORT * 0.6 - time.monotonic()))
        begun = time.monotonic()
        assert client.get(reverse("home")).status_code == 200

    assert is_signed_in(client)


@override_settings(SESSION_IDLE_SECONDS=SHORT, SESSION_COOKIE_AGE=SHORT)
def test_a_poll_after_the_limit_is_told_to_go_to_the_login_page(client, user_a):
    log_in(client)
    time.sleep(SHORT + 0.5)

    response = client.get(reverse("notifications:notification_count"), **POLL)

    assert response["HX-Redirect"].startswith(reverse("login"))
    assert not is_signed_in(client)


def _session_writes(client, url: str, times: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        for _ in range(times):
            assert client.get(url).status_code == 200
    return sum(
        1
        for query in captured
        if "django_session" in query["sql"] and not query["sql"].lstrip().startswith("SELECT")
    )


def test_pages_do_not_write_the_session_on_every_request(client, user_a, monkeypatch):
    """The last activity is rewritten at most once a minute (the limit's resolution), so a
    user clicking through pages costs no session write per request."""
    # The clock is held from before the sign-in, whose request records the time: a real
    # second turning between the two made "59 s later" a minute later in whole seconds.
    now = [float(int(time.time()))]
    monkeypatch.setattr(time, "time", lambda: now[0])
    log_in(client)
    home = reverse("home")
    client.get(home)  # the first request after signing in may record the time

    assert _session_writes(client, home, 5) == 0
    now[0] += 59
    assert _session_writes(client, home, 2) == 0
    now[0] += 2  # a minute since it was recorded: recorded again, once
    assert _session_writes(client, home, 3) == 1
