"""``{% static %}`` (healthpov.accounts.templatetags.cached_static, loaded by ``{% load static
%}``) answers what Django's tag answers, and follows a change of the storage's settings."""

from __future__ import annotations

from django.template import engines
from django.templatetags.static import static
from django.test import override_settings


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load static %}" + source).render(context)


def test_static_is_djangos_static():
    assert render("{% static 'css/app.css' %}") == static("css/app.css")
    assert render("{% static 'css/app.css' %}") == static("css/app.css")
    assert render("{% static path %}", path="js/app.js") == static("js/app.js")
    assert render("{% static 'css/app.css' as u %}[{{ u }}]") == f"[{static('css/app.css')}]"


def test_static_follows_a_new_static_url():
    render("{% static 'css/app.css' %}")
    with override_settings(STATIC_URL="/assets/"):
        assert render("{% static 'css/app.css' %}") == "/assets/css/app.css"
    assert render("{% static 'css/app.css' %}") == static("css/app.css")


def test_the_other_tags_of_the_library_are_djangos():
    assert render("{% get_static_prefix %}") == "/static/"
    assert render("{% get_media_prefix %}") == "/media/"
