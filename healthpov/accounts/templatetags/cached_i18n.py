"""``{% load i18n %}`` whose ``{% translate "literal" %}`` translates each literal once per
process and language.

Installed under the library name ``i18n`` (settings ``TEMPLATES[...]["OPTIONS"]["libraries"]``),
so every template's ``{% load i18n %}`` loads it; its other tags and filters are Django's. A page
translates dozens of literal labels, and Django's tag built and evaluated a lazy translation
for each on every request (docs/architecture.md "Performance choices"). A literal's rendering
depends only on the literal, its context, the language and autoescaping, which are the key;
a translated variable or a literal with filters is rendered by Django's tag as before. The kept
strings are dropped when a test changes the settings the catalogues come from.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Parser, Token, Variable
from django.template.context import Context
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

_translated: dict[tuple, str] = {}
_MOST = 20000  # the templates hold a few thousand literals; a bound keeps a mistake harmless


class CachedTranslateNode(django_i18n.TranslateNode):
    def __init__(self, filter_expression, noop, asvar=None, message_context=None) -> None:
        super().__init__(filter_expression, noop, asvar, message_context)
        self.literal = self._literal()

    def _literal(self) -> tuple[str, str | None, bool] | None:
        """The literal, its literal context and noop; None when either is not a plain
        literal."""
        expression = self.filter_expression
        if expression.filters or not isinstance(expression.var, Variable):
            return None
        if not isinstance(expression.var.literal, str):
            return None
        context = self.message_context
        if context is not None and (context.filters or context.is_var):
            return None
        return (expression.var.literal, None if context is None else context.var, self.noop)

    def render(self, context: Context) -> str:
        if self.literal is None:
            return super().render(context)
        key = (*self.literal, get_language(), context.autoescape)
        value = _translated.get(key)
        if value is None:
            value = super().render(context)
            if self.asvar:
                value = context[self.asvar]
            if len(_translated) < _MOST:
                _translated[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def translate(parser: Parser, token: Token) -> CachedTranslateNode:
    node = django_i18n.do_translate(parser, token)
    return CachedTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)


register.tag("translate", translate)
register.tag("trans", translate)


@receiver(setting_changed)
def _forget_translations(*, setting: str, **kwargs) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _translated.clear()
