"""The layout's menu: each installed app may contribute ``<app label>/snippets/nav.html``.

The layout names no app, so the ground stays below every app (pyproject.toml,
[tool.importlinter]); the entries follow the order of INSTALLED_APPS.

The menu is the same for every user of a role, so ``{% main_menu %}`` renders it once per
process for each role, page name, language and URLconf and keeps the string
(docs/architecture.md "Performance choices"). So that nothing personal can be kept, the
snippets never see the real user or request: ``user`` is a :class:`MenuUser` (the role and the
flags it gives) and ``request`` a :class:`MenuRequest` (the name of the page), and these are
the key. A snippet that needs more of the user must add it to :class:`MenuUser`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django import template
from django.apps import apps
from django.template import TemplateDoesNotExist
from django.template.context import Context
from django.template.loader import get_template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from healthpov.accounts.templatetags.cached_url import urlconf_and_prefix

register = template.Library()

MENU_TEMPLATE = "accounts/snippets/menu.html"


@functools.cache
def _nav_templates() -> tuple[str, ...]:
    """The nav snippets of the installed apps, in INSTALLED_APPS order."""
    names = []
    for config in apps.get_app_configs():
        name = f"{config.label}/snippets/nav.html"
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class MenuUser:
    """All the menu may know of the signed-in user: the role and what it allows."""

    is_authenticated: bool
    role: str
    is_superuser: bool
    is_staff: bool
    is_county_level: bool
    is_township_level: bool
    can_edit_registry: bool

    @classmethod
    def of(cls, user) -> MenuUser:
        if not user.is_authenticated:
            return cls(False, "", False, False, False, False, False)
        return cls(
            is_authenticated=True,
            role=user.role,
            is_superuser=user.is_superuser,
            is_staff=user.is_staff,
            is_county_level=user.is_county_level,
            is_township_level=user.is_township_level,
            can_edit_registry=user.can_edit_registry,
        )


@dataclass(frozen=True)
class MenuMatch:
    url_name: str | None


@dataclass(frozen=True)
class MenuRequest:
    """All the menu may know of the request: which page it asks for (its active entry)."""

    resolver_match: MenuMatch


# One string per distinct menu, however many keys share it: most page names give the same
# menu as any other page, so the keys are many and the strings few.
_menus: dict[tuple, SafeString] = {}
_distinct: dict[str, SafeString] = {}
_MOST = 5000  # keys: roles x page names x languages; a bound keeps a mistake harmless


@register.simple_tag(takes_context=True)
def main_menu(context: Context) -> SafeString:
    """The main menu's entries (``MENU_TEMPLATE``) for this page's user and page name."""
    page = context.get("request")
    user = MenuUser.of(context["user"])
    match = getattr(page, "resolver_match", None)
    request = MenuRequest(MenuMatch(getattr(match, "url_name", None)))
    key = (user, request, *urlconf_and_prefix(page), get_language())
    menu = _menus.get(key)
    if menu is None:
        # A plain context: no request, so the menu's URLs are resolved without a current
        # app, which is the same URL since every app is installed once.
        menu = get_template(MENU_TEMPLATE).template.render(
            Context({"user": user, "request": request, "navs": _nav_templates()})
        )
        if len(_menus) < _MOST:
            menu = _menus[key] = _distinct.setdefault(menu, menu)
    return menu
