"""Display of the treatment figures: fractions as percentages, yuan with two decimals."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from treatment.selectors import household_treatment as select_household_treatment

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.41613 → "41.6%"; nothing to divide by → "—"."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


@register.simple_tag
def household_treatment(members, year=None):
    """Cases and stays of a household's members (the page's list of them; the page already
    checked access to the household), of ``year`` when given."""
    return select_household_treatment(members, year=int(year) if year else None)
