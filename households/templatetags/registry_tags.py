"""Template filters of the registry: values of history entries, labels of import counts, the
roster's rows."""

import functools
from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.template.defaultfilters import yesno
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from healthpov.accounts.masking import mask_id_number, mask_phone
from healthpov.choices import choice_labels
from healthpov.places.models import Place
from households.models import (
    Cause,
    Health,
    Household,
    HouseholdType,
    Person,
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


# One roster row, as ``templates/households/snippets/results.html`` wrote it per row: {0}-{8}
# are the column labels (the cells' ``data-label``), then the row's values.
_ROSTER_ROW = """
    <tr>
      <td class="cell-id" data-label="{0}"><a href="{9}">{10}</a></td>
      <td class="cell-name" data-label="{1}">{11}</td>
      <td data-label="{2}">{12}</td>
      <td class="font-monospace cell-id" data-label="{3}">{13}</td>
      <td class="font-monospace cell-id" data-label="{4}">{14}</td>
      <td data-label="{5}">{15}</td>
      <td data-label="{6}">{16}</td>
      <td data-label="{7}">{17}</td>
      <td data-label="{8}">{18}</td>
    </tr>
  """


@register.simple_tag
def roster_rows(rows: Iterable[dict[str, Any]], *labels: str) -> SafeString:
    """The rows of a roster page (``households.selectors.roster_rows``), every value escaped,
    ID numbers and phones masked. The roster shows 50 rows of nine cells; as one template loop
    they were most of the page's work (docs/architecture.md "Performance choices")."""
    language = get_language()
    relations = choice_labels(Person._meta.get_field("relation"), language)
    statuses = choice_labels(Person._meta.get_field("status"), language)
    poverty = choice_labels(Household._meta.get_field("poverty_status"), language)
    labels = tuple(conditional_escape(label) for label in labels)
    # html.escape is what django.utils.html.escape returns, without its lazy-string wrapper.
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            _ROSTER_ROW.format(
                *labels,
                case_file_url(row["household_id"]),
                escape(row["household__number"]),
                escape(row["name"]),
                escape(relations.get(row["relation"], row["relation"])),
                escape(mask_id_number(row["id_number"])),
                escape(mask_phone(row["phone"])),
                escape(row["household__township__name"]),
                escape(row["household__village__name"]),
                escape(
                    poverty.get(row["household__poverty_status"], row["household__poverty_status"])
                ),
                escape(statuses.get(row["status"], row["status"])),
            )
            for row in rows
        )
    )


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
