"""healthpov/admission.py: one request of a web process runs the application at a time, the
others wait in line; a request that has run WEB_LONG_REQUEST_MS gives its place to the next."""

import os
import subprocess
import sys
import tempfile
import threading
import time
from wsgiref.util import setup_testing_defaults

import pytest

from healthpov.admission import AdmissionLimit, limited
from tests.foundation.envscan import ROOT


class Gate:
    """A WSGI application whose requests block until released, counting how many run at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.running = 0
        self.most = 0
        self.entered = threading.Semaphore(0)
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.entered.release()
        try:
            if environ.get("PATH_INFO") == "/fail":
                raise RuntimeError("the view failed")
            self.release.wait(5)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        finally:
            with self._lock:
                self.running -= 1


def call(app, path: str = "/") -> list:
    environ: dict = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = path
    return list(app(environ, lambda status, headers: None))


def in_thread(app, results: list, path: str = "/") -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(call(app, path)))
    thread.start()
    return thread


def test_a_second_request_waits_for_the_first_and_then_runs():
    gate = Gate()
    app = AdmissionLimit(gate, permits=1, long_after=5.0)
    results: list = []
    first = in_thread(app, results)
    assert gate.entered.acquire(timeout=5)
    second = in_thread(app, results)

    assert not gate.entered.acquire(timeout=0.3), "the second request ran beside the first"
    gate.release.set()
    first.join(5)
    second.join(5)

    assert results == [[b"ok"], [b"ok"]]
    assert gate.most == 1
    assert (app.admitted, app.displaced) == (2, 0)


def test_a_long_request_gives_its_place_to_the_next():
    gate = Gate()
    app = AdmissionLimit(gate, permits=1, long_after=0.2)
    results: list = []
    long = in_thread(app, results)
    assert gate.entered.acquire(timeout=5)

    started = time.monotonic()
    behind = in_thread(app, results)
    assert gate.entered.acquire(timeout=5), "the waiting request never ran"
    waited = time.monotonic() - started
    gate.release.set()
    long.join(5)
    behind.join(5)

    assert gate.most == 2
    assert 0.15 <= waited < 2
    assert (app.admitted, app.displaced) == (1, 1)


class Timed:
    """A WSGI application whose requests each take ``seconds``, recording their order."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.order: list[str] = []
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.order.append(environ["PATH_INFO"])
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
        start_response("200 OK", [])
        return [b"ok"]


def test_a_line_of_short_requests_runs_one_at_a_time_in_the_order_they_came():
    timed = Timed(0.08)
    app = AdmissionLimit(timed, permits=1, long_after=0.2)
    results: list = []
    threads = []
    for name in ["/a", "/b", "/c", "/d", "/e"]:
        threads.append(in_thread(app, results, name))
        time.sleep(0.02)  # each one comes after the one before
    for thread in threads:
        thread.join(5)

    # The last waited about 0.3 s, longer than long_after: waiting long displaces nobody,
    # only a request that has itself run long gives up its place.
    assert len(results) == 5
    assert timed.most == 1
    assert timed.order == ["/a", "/b", "/c", "/d", "/e"]
    assert (app.admitted, app.displaced) == (5, 0)


def test_two_places_let_two_requests_run_and_hold_the_third():
    gate = Gate()
    app = AdmissionLimit(gate, permits=2, long_after=5.0)
    results: list = []
    threads = [in_thread(app, results) for _ in range(2)]
    assert gate.entered.acquire(timeout=5) and gate.entered.acquire(timeout=5)
    threads.append(in_thread(app, results))

    assert not gate.entered.acquire(timeout=0.3)
    gate.release.set()
    for thread in threads:
        thread.join(5)

    assert len(results) == 3 and gate.most == 2


def test_a_failing_request_gives_its_place_back():
    gate = Gate()
    gate.release.set()
    app = AdmissionLimit(gate, permits=1, long_after=0.5)

    with pytest.raises(RuntimeError):
        call(app, "/fail")
    started = time.monotonic()
    assert call(app) == [b"ok"]

    assert time.monotonic() - started < 0.4, "the failed request kept its place"
    assert (app.admitted, app.displaced) == (2, 0)


def test_no_places_means_no_limit():
    gate = Gate()
    assert limited(gate, 0, 100) is gate
    assert isinstance(limited(gate, 1, 100), AdmissionLimit)
    assert limited(gate, 1, -5).long_after == 0


SERVE_LOGIN_PAGE = """
import io, os
from wsgiref.util import setup_testing_defaults
from healthpov.wsgi import application
environ = {}
setup_testing_defaults(environ)
environ.update(PATH_INFO="/accounts/login/", HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
environ["wsgi.input"] = io.BytesIO(b"")
statuses = []
body = b"".join(application(environ, lambda status, headers: statuses.append(status)))
limit = getattr(application, "permits", 0), getattr(application, "long_after", None)
print(type(application).__name__, *limit, statuses[0], "登录" in body.decode())
"""


def serve_login_page(**variables: str) -> list[str]:
    """healthpov.wsgi's application, as gunicorn imports it, asked for the login page."""
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("WEB_")},
        "DJANGO_SETTINGS_MODULE": "healthpov.settings.local",
        "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/none.sqlite3",
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": "",
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-c", SERVE_LOGIN_PAGE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_wsgi_application_is_limited_as_the_settings_say_and_serves_pages():
    assert serve_login_page(WEB_ACTIVE_REQUESTS="2", WEB_LONG_REQUEST_MS="350") == [
        "AdmissionLimit", "2", "0.35", "200", "OK", "True"
    ]  # fmt: skip


def test_the_wsgi_application_is_not_limited_by_default():
    assert serve_login_page() == ["WSGIHandler", "0", "None", "200", "OK", "True"]
