"""``{% translate %}`` (healthpov.accounts.templatetags.cached_i18n, loaded by ``{% load i18n
%}``) renders what Django's tag renders: literals kept per language and autoescaping,
variables, filters, contexts, ``as`` and ``noop`` as before."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

SOURCES = [
    '{% translate "Home" %}',
    '{% translate "Log out" context "navigation" %}',
    '{% translate "Home" as label %}[{{ label }}]',
    '{% translate "name" context "person" as l_name %}[{{ l_name }}]',
    '{% translate "Home" noop %}',
    '{% translate "Home"|upper %}',
    "{% translate word %}",
    "{% translate word context ctx %}",
    '{% translate "100%% <b>" %}',
    '{% translate "Home" %}{% language "en" %}{% translate "Home" %}{% endlanguage %}',
]
CONTEXT = {"word": "Village", "ctx": "navigation"}


def ours(source: str, autoescape: bool = True) -> str:
    template = engines["django"].from_string("{% load i18n %}" + source)
    return template.template.render(Context(CONTEXT, autoescape=autoescape))


def djangos(source: str, autoescape: bool = True) -> str:
    engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
    template = engine.from_string("{% load i18n %}" + source)
    return template.render(Context(CONTEXT, autoescape=autoescape))


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("source", SOURCES)
def test_translate_is_djangos_translate(source, language, autoescape):
    with translation.override(language):
        expected = djangos(source, autoescape)
        assert ours(source, autoescape) == expected
        assert ours(source, autoescape) == expected  # kept


def test_a_literal_follows_the_language():
    with translation.override("zh-hans"):
        chinese = ours('{% translate "Home" %}')
    with translation.override("en"):
        english = ours('{% translate "Home" %}')

    assert (chinese, english) == ("首页", "Home")


def test_the_other_tags_and_filters_are_djangos():
    with translation.override("en"):
        assert ours("{% get_current_language as code %}{{ code }}") == "en"
        assert ours('{{ "zh-hans"|language_name_local }}') == "简体中文"
        assert ours("{% blocktranslate %}Home{% endblocktranslate %}") == "Home"
