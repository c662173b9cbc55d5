"""Browser-test harness: Playwright (sync API) driving Debian's Chromium against ``live_server``.

Loaded from ``tests/conftest.py`` (``pytest_plugins``), so every ``tests/<app>/`` can write
browser tests. A browser test is marked ``@pytest.mark.browser`` and asks for ``page``,
``live_server`` and, usually, ``log_in``::

    @pytest.mark.browser
    def test_something(page, log_in, user_a):
        log_in(user_a)                      # through the real login form
        page.goto(live_url("home"))         # or page.goto(f"{live_server.url}/...")
        expect(page.get_by_test_id("home-township")).to_be_visible()

Every ``page`` collects console errors, uncaught exceptions and CSP violations; the test fails
at teardown if there were any. A test that provokes an error on purpose empties
``browser_errors`` itself. Under our CSP ``page.wait_for_function("...")`` is blocked: use
``expect(locator)``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TEST_PASSWORD = "pw-for-tests-1"  # the password tests.factories.UserFactory sets


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last (after any shuffling), each with a transactional database.

    Once Playwright has started, its sync API keeps an event loop in the main thread, and
    Django refuses ORM calls from there unless DJANGO_ALLOW_ASYNC_UNSAFE is set. Setting that
    for the whole run would also reach subprocesses (``check --deploy`` rejects it), so it is
    set when the first browser test starts, and only browser tests come after.
    """
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    for item in browser_items:
        # The live server runs in another thread: it only sees committed rows.
        if not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db(transaction=True))
    items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser_items


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is None:
        return
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if CHROMIUM.exists():
        return
    message = (
        f"{CHROMIUM} is missing; install it with `apt-get install -y chromium fonts-wqy-microhei`"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {message}", pytrace=False)
    pytest.skip(f"browser test skipped: {message}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's options (``--headed``, ``--slowmo``) plus Debian's Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def browser_errors() -> list[str]:
    """Console errors, page exceptions and CSP violations seen by ``page`` during the test."""
    return []


@pytest.fixture
def page(page, browser_errors: list[str]) -> Iterator[Any]:
    """pytest-playwright's page, failing the test when the browser reported any error."""

    def on_console(message: Any) -> None:
        if message.type in {"error", "assert"}:
            browser_errors.append(f"console {message.type}: {message.text} ({message.location})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: browser_errors.append(f"page error: {error}"))
    yield page
    assert not browser_errors, "the browser reported errors:\n" + "\n".join(browser_errors)


@pytest.fixture
def live_url(live_server) -> Callable[..., str]:
    """``live_url("home")`` → the live server's absolute URL of a named route."""
    from django.urls import reverse

    def build(name: str, *args: Any, **kwargs: Any) -> str:
        return f"{live_server.url}{reverse(name, args=args, kwargs=kwargs)}"

    return build


@pytest.fixture
def log_in(page, live_server) -> Callable[..., Any]:
    """Log a user in through the real login form (axes, CSRF and redirects included)."""
    from django.urls import reverse
    from playwright.sync_api import expect

    def log_in_as(user: Any, password: str = TEST_PASSWORD) -> Any:
        page.goto(f"{live_server.url}{reverse('login')}")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(password)
        page.locator("form[data-testid=login-form] button[type=submit]").click()
        expect(page.get_by_test_id("current-user")).to_be_attached()
        return page

    return log_in_as


@pytest.fixture
def log_out(page) -> Callable[[], None]:
    """Sign out through the user menu, as a user does, waiting for each step to show.

    On a phone the menu is first opened with the toggler; the user menu is clicked only once the
    menu has finished opening and the page has stopped loading (offline.js counts and sends on
    load, which can move the menu), and is clicked again if it did not open.
    """
    from playwright.sync_api import expect

    def sign_out() -> None:
        page.wait_for_load_state("networkidle")
        toggler = page.get_by_test_id("nav-toggle")
        if toggler.is_visible():
            toggler.click()
            expect(page.get_by_test_id("main-nav")).to_have_class(re.compile(r"\bshow\b"))
        user_menu = page.get_by_test_id("current-user")
        logout = page.get_by_test_id("logout")
        for _ in range(3):
            if user_menu.get_attribute("aria-expanded") != "true":
                user_menu.click()
            try:
                expect(logout).to_be_visible(timeout=5_000)
                break
            except AssertionError:
                continue
        logout.click()

    return sign_out
