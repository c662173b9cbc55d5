"""Template filters of the registry: values of history entries, labels of import counts."""

import functools

from django import template
from django.template.defaultfilters import yesno
from django.urls import get_script_prefix, reverse

from healthpov.accounts.masking import mask_phone
from healthpov.places.models import Place
from households.models import (
    Cause,
    Health,
    Household,
    HouseholdType,
    PersonStatus,
    PovertyStatus,
    Relation,
    StatusChange,
)

register = template.Library()


@functools.lru_cache(maxsize=16)
def _case_file_url_parts(script_prefix: str) -> tuple[str, str]:
    """The case file's URL around its number; ``reverse`` resolves under the script prefix of
    the request, which is why the parts are kept per prefix."""
    marker = 987654321
    url = reverse("households:household_detail", args=[marker])
    before, after = url.split(str(marker))
    return before, after


@register.filter
def case_file_url(household_id: int) -> str:
    """``{% url 'households:household_detail' household_id %}`` for a list's every row at the
    cost of a string join: the roster and the work lists link 50 rows a page, and resolving the
    URL each time was a tenth of the page's work (docs/architecture.md "Performance choices")."""
    before, after = _case_file_url_parts(get_script_prefix())
    return f"{before}{int(household_id)}{after}"


CHOICES = {
    StatusChange.Field.PERSON_STATUS: PersonStatus.choices,
    StatusChange.Field.POVERTY_STATUS: PovertyStatus.choices,
    StatusChange.Field.RELATION: Relation.choices,
    StatusChange.Field.HEALTH: Health.choices,
    StatusChange.Field.HOUSEHOLD_TYPE: HouseholdType.choices,
    StatusChange.Field.MAIN_CAUSE: Cause.choices,
}


@register.filter
def change_value(change, which: str) -> str:
    """The old or new value of a status change, in words (phones masked)."""
    value = change.old_value if which == "old" else change.new_value
    if not value:
        return "—"
    field = change.field
    if field in CHOICES:
        return str(dict(CHOICES[field]).get(value, value))
    if field == StatusChange.Field.PHONE:
        return mask_phone(value)
    if field == StatusChange.Field.INSURED:
        return yesno(value == "True")
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
