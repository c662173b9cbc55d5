"""The layout's menu: each installed app may contribute ``<app label>/snippets/nav.html``.

The layout names no app, so the ground stays below every app (pyproject.toml,
[tool.importlinter]); the entries follow the order of INSTALLED_APPS.
"""

import functools

from django import template
from django.apps import apps
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

register = template.Library()


@functools.cache
def _nav_templates() -> tuple[str, ...]:
    names = []
    for config in apps.get_app_configs():
        name = f"{config.label}/snippets/nav.html"
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        names.append(name)
    return tuple(names)


@register.simple_tag
def app_nav_templates() -> tuple[str, ...]:
    """The nav snippets of the installed apps, in INSTALLED_APPS order."""
    return _nav_templates()
