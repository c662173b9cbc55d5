"""Every page of a township user and a village doctor, on a 390×844 phone and a 1366×900 screen.

On the phone no page scrolls sideways, no name or ID number wraps beyond two lines, and the
controls of a form are touch-sized; on the desktop no page scrolls sideways either. The pages
come from tests/foundation/phone_pages.py (every GET page of the permission matrix); a page
the role may not open (403/404) is skipped for that role and listed. Screenshots of the main
pages go to ``$TEST_ARTEFACTS`` (bin/test sets it; a temporary folder otherwise).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_conftest import TEST_PASSWORD
from tests.foundation.phone_pages import Page, build_county, pages

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
TOUCH_SIZE = 44  # px, the smallest height of a control a finger is meant to hit

# What one page looks like to the measure: run in the page, returns plain data.
MEASURE = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const describe = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} `
    + `"${(el.innerText || el.value || "").trim().slice(0, 40)}"`;
  // The deepest elements that reach past the right edge: the culprits of a sideways scroll.
  const wide = [...document.body.querySelectorAll("*")]
    .filter((el) => visible(el) && el.getBoundingClientRect().right > width + 1)
    .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1))
    .slice(0, 8).map(describe);
  // Lines a name or an ID number takes: the distinct tops of its text's line boxes.
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0)
      .map((r) => Math.round(r.top))).size;
  };
  const marked = [...document.querySelectorAll(".cell-name, .cell-id")].filter(visible);
  const wrapped = marked.filter((el) => lines(el) > 2)
    .map((el) => `${describe(el)}: ${lines(el)} lines`);
  const controls = [...document.querySelectorAll(
    "main form input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]),"
    + " main form select, main form textarea, main form button")].filter(visible);
  const small = controls.filter((el) => el.getBoundingClientRect().height < %(touch)d - 0.5)
    .map((el) => `${describe(el)}: ${el.getBoundingClientRect().height.toFixed(1)}px`);
  return {scrollWidth: root.scrollWidth, clientWidth: width, wide, marked: marked.length,
          wrapped, controls: controls.length, small};
}""".replace("%(touch)d", str(TOUCH_SIZE))


def artefacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("TEST_ARTEFACTS")
    path = Path(folder) / "phone" if folder else tmp_path_factory.mktemp("phone")
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_as(browser: Any, live_server: Any, user: Any, options: dict) -> tuple[Any, list[str]]:
    """A browser context logged in as ``user``, and the list its console errors go to."""
    context = browser.new_context(**options)
    errors: list[str] = []
    page = quiet(context.new_page())
    page.on(
        "console",
        lambda m: errors.append(f"{page.url}: {m.text}") if m.type in {"error", "assert"} else None,
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("form[data-testid=login-form] button[type=submit]").click()
    expect(page.get_by_test_id("current-user")).to_be_attached()
    goto(page, page.url)
    return page, errors


def quiet(tab: Any) -> Any:
    """``tab`` with a record of its requests in flight (``tab.in_flight``)."""
    in_flight: set[Any] = set()
    tab.on("request", lambda request: in_flight.add(request))
    tab.on("requestfinished", lambda request: in_flight.discard(request))
    tab.on("requestfailed", lambda request: in_flight.discard(request))
    tab.in_flight = in_flight
    return tab


def goto(tab: Any, url: str) -> Any:
    """Open ``url`` and wait until the requests the page made once loaded have ended.

    The notification bell asks for its count on every page: waiting keeps that request from
    running beside the next page's (SQLite in memory locks tables across the server's threads).
    """
    response = tab.goto(url)
    for _ in range(400):
        if not tab.in_flight:
            break
        tab.wait_for_timeout(25)
    assert not tab.in_flight, [request.url for request in tab.in_flight]
    return response


def url_of(live_server: Any, page: Page) -> str:
    url = f"{live_server.url}{reverse(page.url_name, kwargs=page.kwargs)}"
    return f"{url}?{page.query}" if page.query else url


def walk(
    tab: Any, live_server: Any, walked: list[Page], *, phone: bool, shots: Path | None, role: str
) -> list[str]:
    """Open every page in ``tab``; the problems found, one line each."""
    problems = []
    names_checked = 0
    for page in walked:
        response = goto(tab, url_of(live_server, page))
        assert response is not None and response.status < 500, (page.id, response)
        found = tab.evaluate(MEASURE)
        names_checked += found["marked"]
        if found["scrollWidth"] > found["clientWidth"]:
            problems.append(
                f"{page.id}: scrolls sideways ({found['scrollWidth']} > {found['clientWidth']})"
                f" because of {found['wide']}"
            )
        if phone and found["wrapped"]:
            problems.append(f"{page.id}: names/IDs wrap: {found['wrapped']}")
        if phone and found["small"]:
            problems.append(f"{page.id}: controls under {TOUCH_SIZE}px: {found['small'][:5]}")
        if shots is not None and page.screenshot:
            tab.screenshot(path=shots / f"{role}-{page.screenshot}.png", full_page=True)
    # The household page alone marks four names and four ID numbers: fewer means no check ran.
    assert names_checked >= 8, f"only {names_checked} names/IDs marked cell-name/cell-id"
    return problems


def reachable(tab: Any, live_server: Any, candidates: list[Page]) -> tuple[list[Page], list[str]]:
    """The pages the role may open, and the ones refused (403/404) to it."""
    allowed, refused = [], []
    for page in candidates:
        response = tab.request.get(url_of(live_server, page))  # the dashboard redirects
        assert response.status < 500, (page.id, response.status)
        assert reverse("login") not in response.url, (page.id, "logged out")
        if response.status in {403, 404}:
            refused.append(page.id)
            continue
        assert response.status == 200, (page.id, response.status)
        assert response.headers["content-type"].startswith("text/html"), page.id
        allowed.append(page)
    return allowed, refused


@pytest.mark.parametrize("role", ["user_a", "village_doctor_a"])
def test_every_page_fits_a_phone_and_a_desktop(role, browser, live_server, cast, tmp_path_factory):
    county = build_county(cast)
    candidates = pages(county, cast)
    user = getattr(cast, role)
    shots = artefacts_dir(tmp_path_factory)

    phone, phone_errors = open_as(browser, live_server, user, PHONE)
    walked, refused = reachable(phone, live_server, candidates)
    # A role that reaches only a handful of pages would make this test prove nothing.
    assert len(walked) >= 25, (role, [p.id for p in walked], refused)
    assert "households:household_detail" in {p.url_name for p in walked}
    problems = walk(phone, live_server, walked, phone=True, shots=shots, role=role)
    phone.context.close()

    desktop, desktop_errors = open_as(browser, live_server, user, DESKTOP)
    problems += [
        f"desktop {line}"
        for line in walk(desktop, live_server, walked, phone=False, shots=None, role=role)
    ]
    desktop.context.close()

    print(f"{role}: {len(walked)} pages checked, refused to the role: {refused}; shots in {shots}")
    assert not problems, "\n".join(problems)
    assert not phone_errors + desktop_errors, "\n".join(phone_errors + desktop_errors)
