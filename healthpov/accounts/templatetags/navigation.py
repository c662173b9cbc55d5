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
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.context import Context
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

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
    match = getattr(context.get("request"), "resolver_match", None)
    user = MenuUser.of(context["user"])
    request = MenuRequest(MenuMatch(getattr(match, "url_name", None)))
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = (user, request, urlconf, get_script_prefix(), get_language())
    menu = _menus.get(key)
    if menu is None:
        rendered = get_template(MENU_TEMPLATE).template.render(
            Context({"user": user, "request": request, "navs": _nav_templates()})
        )
        menu = _distinct.setdefault(rendered, rendered)
        if len(_menus) < _MOST:
            _menus[key] = menu
    return menu
