"""``{% url %}`` that resolves a URL without arguments once per process.

Installed as a template builtin (settings ``TEMPLATES[...]["OPTIONS"]["builtins"]``), so it
replaces Django's tag in every template without a ``{% load %}``. Every page's menu, bell and
forms name about forty URLs without arguments, and resolving each one on every request was a
noticeable share of a page's work (docs/architecture.md "Performance choices"). A URL with
arguments is resolved by Django's tag as before. Only the URL string is kept, keyed by
everything ``reverse`` depends on (URLconf, script prefix, language, current app), never a page.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

_resolved: dict[tuple, str] = {}
_MOST = 2000  # URL names without arguments are finite; a bound keeps a mistake harmless


_UNSET = object()


def _current_app(request: HttpRequest | None) -> str | None:
    """Django's tag's choice: the request's current app, else its namespace."""
    current_app = getattr(request, "current_app", _UNSET)
    if current_app is _UNSET:
        current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return current_app


def urlconf_and_prefix(request: HttpRequest | None) -> tuple[str, str]:
    """The URLconf and script prefix, which the handler sets before the view and which stay
    the same for the rest of a request: looked up once per request (each is a context-local
    lookup)."""
    found = getattr(request, "_urlconf_and_prefix", None)
    if found is None:
        # override_settings(ROOT_URLCONF=...) too
        found = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
        if request is not None:
            request._urlconf_and_prefix = found
    return found


class CachedURLNode(URLNode):
    def render(self, context: Context) -> str:
        if self.args or self.kwargs:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = _current_app(request)
        urlconf, prefix = urlconf_and_prefix(request)
        key = (view_name, current_app, urlconf, prefix, get_language())
        url = _resolved.get(key)
        if url is None:
            try:
                url = reverse(view_name, current_app=current_app)
            except NoReverseMatch:
                return super().render(context)  # raises, or sets the "as" variable to ""
            if len(_resolved) < _MOST:
                _resolved[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> URLNode:
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
