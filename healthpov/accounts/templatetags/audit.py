"""``{% history_of record as entries %}``: the record's change history for the current user."""

from django import template

from healthpov.accounts.audit import history_for

register = template.Library()


@register.simple_tag(takes_context=True)
def history_of(context: template.Context, obj, limit: int = 50):
    return history_for(obj, context["request"].user, limit=limit)
