"""The main menu (``{% main_menu %}``, healthpov/accounts/templatetags/navigation.py) is kept
per role, page name and language: what it shows is what the apps' snippets show the real user
on that page, and nothing of the person is in it."""

from __future__ import annotations

import pytest
from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from healthpov.accounts.models import User
from healthpov.accounts.templatetags.navigation import MENU_TEMPLATE, _nav_templates
from tests.factories import UserFactory

ROLES = ["user_a", "village_doctor_a", "county_user", "inspector", "admin_user"]
PAGES = ["home", "field", "coverage:dashboard", "households:search"]


def page_request(user: User, url_name: str):
    request = RequestFactory().get(reverse(url_name))
    request.user = user
    request.resolver_match = resolve(request.path)
    return request


def kept_menu(request) -> str:
    return engines["django"].from_string("{% load navigation %}{% main_menu %}").render({}, request)


def snippets_for_the_real_user(request) -> str:
    """The menu as the layout rendered it before it was kept: the snippets, in the page's own
    context (the real user and request)."""
    return get_template(MENU_TEMPLATE).render({"navs": _nav_templates()}, request)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("url_name", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_the_kept_menu_is_what_the_snippets_show_the_real_user(cast, role, url_name, language):
    request = page_request(getattr(cast, role), url_name)
    with translation.override(language):
        kept = kept_menu(request)
        assert kept == snippets_for_the_real_user(request)
        assert kept == kept_menu(request)


def test_the_page_shown_is_the_active_entry(cast):
    home = kept_menu(page_request(cast.user_a, "home"))
    field = kept_menu(page_request(cast.user_a, "field"))

    assert 'aria-current="page"' in home
    assert 'aria-current="page"' not in field
    assert 'nav-link active" href="/field/"' in field


def test_users_of_one_role_share_a_menu_that_names_neither(cast):
    other = UserFactory(
        username="staff_zhou",
        last_name="周晓梅",
        role=User.Role.TOWNSHIP_STAFF,
        place=cast.township_b,
    )
    cast.user_a.last_name = "林建国"

    mine = kept_menu(page_request(cast.user_a, "home"))
    theirs = kept_menu(page_request(other, "home"))

    assert mine == theirs
    for personal in ("staff_a", "林建国", "staff_zhou", "周晓梅", "杉城镇", "朱口镇"):
        assert personal not in mine


def test_roles_see_their_own_entries(cast):
    township = kept_menu(page_request(cast.user_a, "home"))
    inspector = kept_menu(page_request(cast.inspector, "home"))
    admin = kept_menu(page_request(cast.admin_user, "home"))

    assert 'data-testid="nav-field"' in township
    assert 'data-testid="nav-registry"' not in inspector
    assert 'data-testid="nav-admin"' in admin
    assert 'data-testid="nav-admin"' not in township
