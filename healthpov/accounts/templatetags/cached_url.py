"""``{% url %}`` that resolves a URL without arguments once per process.

Installed as a template builtin (settings ``TEMPLATES[...]["OPTIONS"]["builtins"]``), so it
replaces Django's tag in every template without a ``{% load %}``. Every page's menu, bell and
forms name about forty URLs without arguments, and resolving each one on every request was a
noticeable share of a page's work (docs/architecture.md "Performance choices"). A URL whose
arguments are whole numbers (record ids) and quoted literals is resolved once per shape with
stand-in numbers, then the ids are written in: a household page names a dozen such URLs per
member. Other arguments go through Django's tag as before. Only URL strings are kept (with
stand-ins, never an id), keyed by everything ``reverse`` depends on (URLconf, script prefix,
language, current app), never a page.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

_resolved: dict[tuple, str] = {}
_MOST = 2000  # URL names and their shapes are finite; a bound keeps a mistake harmless


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


# Stand-ins for id arguments: twelve digits each, so none is part of another or of a path.
_FIRST_STAND_IN = 900_000_000_000
_NUMBER = object()


def _shape(args: list[FilterExpression], values: list[object]) -> tuple | None:
    """Each argument as the key sees it: ``_NUMBER`` for an id, the text of a quoted literal;
    None when an argument is neither (Django's tag resolves that URL)."""
    shape: list[object] = []
    for arg, value in zip(args, values, strict=True):
        if type(value) is int and value >= 0:
            shape.append(_NUMBER)
        elif not arg.is_var and not arg.filters and isinstance(value, str):
            shape.append(value)
        else:
            return None
    return tuple(shape)


def _with_ids(pattern: str, values: list[object]) -> str:
    numbers = (value for value in values if type(value) is int)
    for position, value in enumerate(numbers):
        pattern = pattern.replace(str(_FIRST_STAND_IN + position), str(value))
    return pattern


def _pattern(view_name: str, shape: tuple, current_app: str | None) -> str:
    """The URL with a stand-in for each id, in the order of the ids."""
    numbers = iter(range(_FIRST_STAND_IN, _FIRST_STAND_IN + len(shape)))
    args = [next(numbers) if part is _NUMBER else part for part in shape]
    return reverse(view_name, args=args, current_app=current_app)


class CachedURLNode(URLNode):
    def render(self, context: Context) -> str:
        if self.kwargs:
            return super().render(context)
        values = [arg.resolve(context) for arg in self.args]
        shape = _shape(self.args, values)
        if shape is None:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = _current_app(request)
        urlconf, prefix = urlconf_and_prefix(request)
        key = (view_name, shape, current_app, urlconf, prefix, get_language())
        pattern = _resolved.get(key)
        if pattern is None:
            try:
                pattern = _pattern(view_name, shape, current_app)
                # A converter that writes an id otherwise than as its digits is not cached.
                if self.args and _with_ids(pattern, values) != reverse(
                    view_name, args=values, current_app=current_app
                ):
                    return super().render(context)
            except NoReverseMatch:
                return super().render(context)  # raises, or sets the "as" variable to ""
            if len(_resolved) < _MOST:
                _resolved[key] = pattern
        url = _with_ids(pattern, values) if self.args else pattern
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> URLNode:
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
