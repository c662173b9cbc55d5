from django import template

from remediation.selectors import items_of_finding as select_items_of_finding

register = template.Library()


@register.simple_tag
def items_of_finding(finding, user):
    """The remediation items of a finding that ``user`` may see."""
    return select_items_of_finding(finding=finding, user=user)


@register.filter
def cell(value):
    """A list cell: dates as YYYY-MM-DD, booleans as 是/否 (or their translation), None as blank."""
    from datetime import date

    from django.utils.translation import gettext

    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return value
