"""Showing indicator values: counts with thousands separators, rates as percentages."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
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
        return intcomma(f"{Decimal(value):.2f}")
    return intcomma(int(value))


@register.simple_tag
def drilldown_url(code: str, place_id: int, year: int, as_of) -> str:
    url = reverse("coverage:drilldown", kwargs={"code": code, "pk": place_id})
    return f"{url}?year={year}&as_of={as_of.isoformat()}"


@register.simple_tag
def figure(code: str, value, place_id: int, year: int, as_of) -> str:
    """A figure linked to the list of what it counts."""
    text = indicator_value(value, code)
    if value is None or not ind.REGISTRY[code].available():
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


@register.filter
def masked_id(value: str) -> str:
    from healthpov.accounts.masking import mask_id_number

    return mask_id_number(value)
