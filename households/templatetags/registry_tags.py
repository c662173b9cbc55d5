"""Template filters of the registry: masked personal data, place names of history entries."""

from django import template

from healthpov.accounts.masking import mask_id_number, mask_phone
from healthpov.places.models import Place
from households.models import Household, PersonStatus, PovertyStatus, StatusChange

register = template.Library()


@register.filter(name="mask_id")
def mask_id_filter(value: str | None) -> str:
    return mask_id_number(value)


@register.filter(name="mask_phone")
def mask_phone_filter(value: str | None) -> str:
    return mask_phone(value)


@register.filter
def change_value(change, which: str) -> str:
    """The old or new value of a status change, in words."""
    value = change.old_value if which == "old" else change.new_value
    if not value:
        return "—"
    field = change.field
    if field == StatusChange.Field.PERSON_STATUS:
        return str(dict(PersonStatus.choices).get(value, value))
    if field == StatusChange.Field.POVERTY_STATUS:
        return str(dict(PovertyStatus.choices).get(value, value))
    if field == StatusChange.Field.VILLAGE and value.isdigit():
        place = Place.objects.filter(pk=int(value)).first()
        return place.name if place else value
    if field == StatusChange.Field.HOUSEHOLD and value.isdigit():
        household = Household.objects.filter(pk=int(value)).first()
        return household.number if household else value
    return value


@register.filter
def count_label(key: str) -> str:
    """Labels of the import preview counts."""
    from django.utils.translation import gettext as _

    labels = {
        "persons_new": _("new persons"),
        "persons_changed": _("changed persons"),
        "persons_unchanged": _("unchanged persons"),
        "persons_left": _("persons who left the roster"),
        "households_new": _("new households"),
        "households_changed": _("changed households"),
        "places_new": _("new places"),
        "rows_valid": _("valid rows"),
        "rows": _("rows"),
        "created": _("created"),
        "updated": _("updated"),
        "unchanged": _("unchanged"),
    }
    return labels.get(key, key)
