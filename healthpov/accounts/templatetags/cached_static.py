"""``{% load static %}`` whose ``{% static %}`` asks the storage for each file's URL once per
process.

Installed under the library name ``static`` (settings ``TEMPLATES[...]["OPTIONS"]["libraries"]``),
so every template's ``{% load static %}`` loads it; its other tags are Django's. Every page names
about a dozen static files, and the storage's ``url()`` (the manifest lookup, quoting, joining)
was a noticeable share of a page's work (docs/architecture.md "Performance choices"). The URL
depends only on the path and the storage, fixed for the life of the process; the kept URLs are
dropped when a test changes the storage's settings.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Parser, Token
from django.templatetags import static as django_static

register = template.Library()
register.tags.update(django_static.register.tags)

_urls: dict[str, str] = {}
_MOST = 2000  # the templates name a few dozen files; a bound keeps a mistake harmless


class CachedStaticNode(django_static.StaticNode):
    @classmethod
    def handle_simple(cls, path: str) -> str:
        url = _urls.get(path)
        if url is None:
            url = super().handle_simple(path)
            if len(_urls) < _MOST:
                _urls[path] = url
        return url


@register.tag("static")
def static(parser: Parser, token: Token) -> CachedStaticNode:
    return CachedStaticNode.handle_token(parser, token)


@receiver(setting_changed)
def _forget_urls(*, setting: str, **kwargs) -> None:
    if setting in {"STORAGES", "STATIC_URL", "STATIC_ROOT", "DEBUG", "INSTALLED_APPS"}:
        _urls.clear()
