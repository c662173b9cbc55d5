"""The kinds of record a phone may make offline, each the online page's own form.

A kind names a form of the household page (``signing.views.FORM_SPECS``): the phone is shown
that form's fields (:func:`describe_forms`) and the sync fills that same form with what the
phone sent and saves it with the page's own service call, so field names, choices (the
catalogue and packages in force in the year) and every rule are the online form's
(docs/field-sync.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.datastructures import MultiValueDict

from households.models import Person
from signing.models import VISIT_RANGES
from signing.views import FORM_SPECS, FormSpec

if TYPE_CHECKING:
    from healthpov.accounts.models import User

PERSON = "person"
HOUSEHOLD = "household"


@dataclass(frozen=True)
class FieldKind:
    """A kind of offline record: the online form it fills, and what it is about."""

    name: str
    form_name: str  # the key of signing.views.FORM_SPECS
    target: str  # PERSON: the record names "person"; HOUSEHOLD: it names "household"
    #: Fields of the online form the phone does not fill: the target fills them.
    hidden: tuple[str, ...] = ()
    #: Fields whose choices are the household's members (given per household in the package).
    member_fields: tuple[str, ...] = ()
    #: Known bounds of numeric fields: {name: (min, max)}.
    bounds: Mapping[str, tuple[int, int]] | None = None

    @property
    def spec(self) -> FormSpec:
        return FORM_SPECS[self.form_name]

    def build_form(
        self,
        *,
        data: Mapping[str, Any] | None,
        members: list[Person],
        user: User,
        year: int,
        target: Person | None = None,
    ) -> forms.Form:
        """The online form, bound to ``data`` (JSON values) when given; for a person target,
        ``target`` fills the form's person field."""
        kwargs = {"members": members, "user": user, "year": year}
        if data is None:
            return self.spec.form_class(**kwargs)
        bound = form_data(data, drop=self.hidden)
        if self.target == PERSON and target is not None:
            bound.setlist("person", [str(target.pk)])
        return self.spec.form_class(bound, **kwargs)


KINDS: dict[str, FieldKind] = {
    kind.name: kind
    for kind in (
        FieldKind(
            "followup",
            "followup",
            PERSON,
            hidden=("person",),
            bounds={name: (low, high) for name, (low, high, _unit) in VISIT_RANGES.items()},
        ),
        # A brochure is a fulfilment of kind "brochure", recorded once per household.
        FieldKind("fulfilment", "fulfilment", HOUSEHOLD, member_fields=("persons",)),
        FieldKind("health_check", "health_check", PERSON, hidden=("person",)),
        FieldKind("unsigned_reason", "unsigned", PERSON, hidden=("person",)),
    )
}


def form_data(data: Mapping[str, Any], *, drop: Iterable[str] = ()) -> MultiValueDict:
    """JSON values as a posted form would carry them: lists as several values, ``true`` /
    ``false`` as the checkbox sends them, numbers as text, null as blank."""
    result = MultiValueDict()
    dropped = set(drop)
    for name, value in data.items():
        if not isinstance(name, str) or name in dropped:
            continue
        values = value if isinstance(value, list) else [value]
        result.setlist(name, [_text(v) for v in values])
    return result


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return ""  # no form field takes a nested value: a blank the form then judges
    return str(value)


# --- what the phone is told about each form --------------------------------------------------


def _field_type(field: forms.Field) -> str:
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.DecimalField):
        return "decimal"
    if isinstance(field, forms.IntegerField):
        return "number"
    if isinstance(field, forms.BooleanField):
        return "checkbox"
    if isinstance(field, forms.MultipleChoiceField):
        return "multiselect"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return "select"
    if isinstance(field.widget, forms.Textarea):
        return "textarea"
    return "text"


def _choices(field: forms.Field) -> list[list[str]]:
    return [
        [str(value), str(label)]
        for value, label in field.choices
        if str(value) != ""  # the blank "---------": the phone offers its own empty choice
    ]


def describe_field(kind: FieldKind, name: str, field: forms.Field) -> dict[str, Any]:
    kind_of = _field_type(field)
    described: dict[str, Any] = {
        "name": name,
        "label": str(field.label),
        "type": kind_of,
        "required": bool(field.required),
        "choices": None,
        "help": str(field.help_text) if field.help_text else None,
    }
    if name in kind.member_fields:
        described["choices_from"] = "household_members"
    elif kind_of in ("select", "multiselect"):
        described["choices"] = _choices(field)
    bounds = (kind.bounds or {}).get(name)
    low = getattr(field, "min_value", None)
    high = getattr(field, "max_value", None)
    if bounds:
        low = bounds[0] if low is None else max(low, bounds[0])
        high = bounds[1] if high is None else min(high, bounds[1])
    if low is not None:
        described["min"] = low
    if high is not None:
        described["max"] = high
    if getattr(field, "max_length", None):
        described["max_length"] = field.max_length
    if step := field.widget.attrs.get("step"):
        described["step"] = step
    initial = field.initial
    if initial is not None and not callable(initial):
        described["initial"] = initial
    return described


def describe_forms(user: User, year: int) -> dict[str, dict[str, Any]]:
    """Each kind's title, target and fields, as the online form of ``year`` has them for
    ``user`` (choices such as institutions and packages depend on both)."""
    described = {}
    for kind in KINDS.values():
        form = kind.build_form(data=None, members=[], user=user, year=year)
        described[kind.name] = {
            "title": str(kind.spec.title),
            "target": kind.target,
            "fields": [
                describe_field(kind, name, field)
                for name, field in form.fields.items()
                if name not in kind.hidden
            ],
        }
    return described
