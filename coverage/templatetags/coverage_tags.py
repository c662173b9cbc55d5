"""Showing indicator values: counts with thousands separators, rates as percentages."""

import functools
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.html import format_html

from coverage import indicators as ind

register = template.Library()


@register.filter
def indicator_value(value, code: str) -> str:
    """41.6% for a rate, 4,878 for a count, 1,234.50 for money; an em dash for no value."""
    if value is None or value == "":
        return "—"
    indicator = ind.REGISTRY[code]
    if indicator.kind == ind.RATE:
        return f"{Decimal(value) * 100:.1f}%"
    if indicator.kind == ind.SUM:
        return f"{Decimal(value):,.2f}"
    return f"{int(value):,}"


@functools.lru_cache(maxsize=4096)
def _drilldown_path(code: str, place_id: int) -> str:
    # A dashboard shows a few hundred figures: resolve each URL once per process.
    return reverse("coverage:drilldown", kwargs={"code": code, "pk": place_id})


@register.simple_tag
def drilldown_url(code: str, place_id: int, year: int, as_of) -> str:
    return f"{_drilldown_path(code, place_id)}?year={year}&as_of={as_of.isoformat()}"


@register.simple_tag
def figure(code: str, value, place_id: int, year: int, as_of) -> str:
    """A figure linked to the list of what it counts."""
    text = indicator_value(value, code)
    if value is None or not ind.is_available(code):
        return text
    return format_html(
        '<a href="{}" class="coverage-figure" data-code="{}" data-place="{}">{}</a>',
        drilldown_url(code, place_id, year, as_of),
        code,
        place_id,
        text,
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
