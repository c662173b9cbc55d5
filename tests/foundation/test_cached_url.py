"""``{% url %}`` (healthpov.accounts.templatetags.cached_url, a template builtin) answers what
Django's tag answers: URLs without arguments kept per URLconf, script prefix and language;
URLs with ids and quoted literals kept per shape with the ids written in; other arguments
resolved each time; ``as`` and a missing name behave as before."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from households.templatetags.registry_tags import case_file_url


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_url_without_arguments_is_reverse_and_follows_the_script_prefix():
    assert render("{% url 'households:search' %}") == reverse("households:search")
    try:
        set_script_prefix("/county/")
        assert render("{% url 'households:search' %}") == "/county/households/"
    finally:
        clear_script_prefix()
    assert render("{% url 'households:search' %}") == reverse("households:search")


def test_url_with_arguments_and_as_and_missing_names():
    assert render("{% url 'households:household_detail' 7 %}") == "/households/7/"
    assert render("{% url 'households:household_detail' n %}", n=8) == "/households/8/"
    assert render("{% url 'households:search' as u %}[{{ u }}]") == "[/households/]"
    assert render("{% url 'no:such' as u %}[{{ u }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no:such' %}")


def test_url_with_ids_and_literals_is_reverse_for_every_id():
    source = (
        "{% url 'signing:household_form' pk 'contract' %}|"
        "{% url 'households:household_detail' pk %}"
    )
    for pk in (1, 9, 900_000_000_001, 123456):
        expected = (
            reverse("signing:household_form", args=[pk, "contract"])
            + "|"
            + reverse("households:household_detail", args=[pk])
        )
        assert render(source, pk=pk) == expected
    assert render("{% url 'signing:household_form' 3 'unsigned' %}") == reverse(
        "signing:household_form", args=[3, "unsigned"]
    )
    # A variable holding text goes through Django's tag (not kept).
    assert render("{% url 'signing:worklist' slug %}", slug="unsigned") == reverse(
        "signing:worklist", args=["unsigned"]
    )
    try:
        set_script_prefix("/county/")
        assert render("{% url 'households:household_detail' 5 %}") == "/county/households/5/"
    finally:
        clear_script_prefix()


def test_url_is_the_same_in_every_language():
    with translation.override("en"):
        english = render("{% url 'home' %}")
    with translation.override("zh-hans"):
        assert render("{% url 'home' %}") == english == reverse("home")


def test_case_file_url_is_reverse():
    for pk in (1, 42, 123456):
        assert case_file_url(pk) == reverse("households:household_detail", args=[pk])
    try:
        set_script_prefix("/county/")
        assert case_file_url(5) == "/county/households/5/"
    finally:
        clear_script_prefix()
