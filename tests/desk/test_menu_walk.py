"""Every menu entry of every role opens, and so does every link one click further.

Each role signs in on a county with one record of every kind in township A
(tests/foundation/phone_pages.py ``build_county``), opens its home page, follows every link of
the main menu and of the home page (today's work), then every link on those pages: each must
answer 200, or a redirect to a page that answers 200 (never 4xx or 5xx). A link shown to a
user is a promise that the user may follow it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coverage.services import recompute_coverage
from healthpov.accounts.models import User
from tests.factories import UserFactory
from tests.foundation.phone_pages import build_county

# Links that are not pages to walk: signing out ends the walk, the admin has its own tests
# (tests/foundation/test_admin.py, test_words.py), files are served by the ground response.
SKIPPED_PREFIXES = ("/admin/", "/accounts/logout/", "/static/", "/media/")


class Links(HTMLParser):
    """The ``href`` of every ``<a>`` of a page, and which of them are in the main menu."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.menu: list[str] = []
        self._menu_depth = 0

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if self._menu_depth:
            self._menu_depth += tag not in {"br", "hr", "img", "input", "meta", "link"}
        elif attrs.get("id") == "main-nav":
            self._menu_depth = 1
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
            if self._menu_depth:
                self.menu.append(attrs["href"])

    def handle_endtag(self, tag) -> None:
        if self._menu_depth:
            self._menu_depth -= 1


def links_of(response, base: str) -> Links:
    links = Links()
    if response.get("Content-Type", "").startswith("text/html"):
        links.feed(response.content.decode())
    links.hrefs = [url for href in links.hrefs if (url := _walkable(href, base))]
    links.menu = [url for href in links.menu if (url := _walkable(href, base))]
    return links


def _walkable(href: str, base: str) -> str | None:
    """The path and query of a link inside the site, or None for one not to walk."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(f"http://testserver{base}", href))
    if parts.netloc != "testserver" or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def roles(cast) -> dict[str, User]:
    return {
        "township": cast.user_a,
        "village doctor": cast.village_doctor_a,
        "county": cast.county_user,
        "city": UserFactory(username="city_1", role=User.Role.CITY_BUREAU, place=cast.county),
        "inspector": cast.inspector,
    }


def open_page(client: Client, url: str):
    """The response at the end of the redirects ``url`` answers with, and its URL."""
    response = client.get(url)
    for _ in range(3):
        if response.status_code not in (301, 302):
            break
        url = response.url
        response = client.get(url)
    return response, url


@pytest.fixture
def county_of_every_record(cast):
    """The records, and this year's figures so the dashboards link to their drill-downs."""
    county = build_county(cast)
    today = timezone.localdate()
    recompute_coverage(year=today.year, as_of=today)
    return county


@pytest.mark.parametrize("role", ["township", "village doctor", "county", "city", "inspector"])
def test_every_link_from_the_menu_of_a_role_opens(role, cast, county_of_every_record):
    user = roles(cast)[role]
    client = Client()
    client.force_login(user)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    first = links_of(home, reverse("home"))
    assert first.menu, "the home page has no menu"

    failures: dict[str, tuple[int, str]] = {}
    seen = {reverse("home")}

    def walk(urls: list[str]) -> list[str]:
        """Opens each URL not opened yet; returns the links of the pages it opened."""
        found: list[str] = []
        for url in dict.fromkeys(urls):
            if url in seen:
                continue
            seen.add(url)
            response, final = open_page(client, url)
            if response.status_code == 200:
                found += links_of(response, final).hrefs
            else:
                failures[url] = (response.status_code, final)
        return found

    # The menu and today's work, then every link on the pages they open.
    walk(walk(first.hrefs))
    assert len(seen) > len(first.menu)
    assert not failures, f"{role}: links that do not open: {failures}"
