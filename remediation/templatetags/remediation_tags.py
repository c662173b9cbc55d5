from django import template

from remediation.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    if request is None:
        return 0
    return unread_count(request.user)


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
