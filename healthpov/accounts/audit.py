"""Who changed a record, when, and what: read from django-simple-history for record pages.

``history_for(obj, user)`` turns a record's history rows into entries a page can show, newest
first: the person (or "System" for imports and jobs without a user), the time, the action, the
change reason, and each changed field as ``label: old → new`` with choice labels, related
objects' names, dates and yes/no in the user's language. Personal fields (``id_number``,
``phone``, plus a model's ``history_masked_fields``) are masked: full values are shown only
when the caller passes ``reveal=True`` (an audited reveal view) for a user who
``may_reveal_personal_data``. Render with ``templates/snippets/history.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import get_app_model_primary_key_name, get_m2m_reverse_field_name

from healthpov.accounts.masking import mask_id_number, mask_phone
from healthpov.accounts.models import User
from healthpov.statements import cached_rows

PERSONAL_FIELDS: dict[str, Callable[[str | None], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
}
ACTIONS = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    action: str
    history_type: str  # "+", "~" or "-"
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _masks_for(model: type[models.Model]) -> dict[str, Callable[[Any], str]]:
    extra = getattr(model, "history_masked_fields", {})
    return {**PERSONAL_FIELDS, **extra}


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return _("System")
    return user.last_name or user.get_full_name() or user.username


class _Formatter:
    """Formats raw diff values; names of related objects are fetched once per model."""

    def __init__(self, model: type[models.Model], masks: dict[str, Callable], reveal: bool):
        self.model = model
        self.masks = {} if reveal else masks
        self.names: dict[type[models.Model], dict[Any, str]] = {}

    def preload(self, pairs: Iterable[tuple[models.Field, Any]]) -> None:
        wanted: dict[type[models.Model], set[Any]] = {}
        for model_field, value in pairs:
            values = value if isinstance(value, list | set | tuple) else [value]
            for one in values:
                if one is not None:
                    wanted.setdefault(model_field.related_model, set()).add(one)
        for related, pks in wanted.items():
            found = related._base_manager.in_bulk(pks)
            self.names[related] = {pk: str(obj) for pk, obj in found.items()}

    def related_name(self, related: type[models.Model], pk: Any) -> str:
        if pk is None:
            return ""
        return self.names.get(related, {}).get(pk) or _("(deleted #%(pk)s)") % {"pk": pk}

    def __call__(self, model_field: models.Field, value: Any) -> str:
        if model_field.name in self.masks:
            return self.masks[model_field.name](value)
        if model_field.many_to_many:
            return "、".join(self.related_name(model_field.related_model, pk) for pk in value)
        if model_field.is_relation:
            return self.related_name(model_field.related_model, value)
        if value is None or value == "":
            return ""
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, datetime | date):
            return formats.localize(value)
        return str(value)


def _m2m_targets(model_field: models.Field, rows: list[dict]) -> list[Any]:
    key = get_m2m_reverse_field_name(model_field)
    return sorted(row[key] for row in rows)


def _history_records(obj: models.Model, count: int) -> list[models.Model]:
    """The newest ``count`` historical records of ``obj``; for a numbered record the statement
    is built once per process, model and count (docs/architecture.md "Performance choices")."""
    model = type(obj)

    def build(pk: int) -> models.QuerySet:
        return (
            model.history.filter(**{get_app_model_primary_key_name(model): pk})
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:count]
        )

    if not isinstance(obj.pk, int):
        return list(build(obj.pk))
    name = f"history of {model._meta.label} ({count})"
    return cached_rows(name, model.history.model, build, pk=obj.pk)


def history_for(
    obj: models.Model, user: User, *, reveal: bool = False, limit: int = DEFAULT_LIMIT
) -> list[HistoryEntry]:
    """The latest ``limit`` changes of ``obj``, newest first, safe to show to ``user``.

    The caller has already checked that ``user`` may see ``obj`` (``get_visible_or_404``).
    """
    model = type(obj)
    reveal = reveal and user.may_reveal_personal_data
    records = _history_records(obj, limit + 1)
    deltas = {newer.pk: newer.diff_against(older) for newer, older in pairwise(records)}
    raw: list[tuple[Any, models.Field, Any, Any]] = []
    for record in records[:limit]:
        delta = deltas.get(record.pk)
        for change in delta.changes if delta else []:
            model_field = model._meta.get_field(change.field)
            old, new = change.old, change.new
            if model_field.many_to_many:
                old, new = _m2m_targets(model_field, old), _m2m_targets(model_field, new)
            raw.append((record, model_field, old, new))

    fmt = _Formatter(model, _masks_for(model), reveal)
    fmt.preload(
        (model_field, value)
        for _record, model_field, old, new in raw
        if model_field.is_relation
        for value in (old, new)
    )
    changes_by_record: dict[Any, list[FieldChange]] = {}
    for record, model_field, old, new in raw:
        changes_by_record.setdefault(record.pk, []).append(
            FieldChange(
                field=model_field.name,
                label=str(model_field.verbose_name),
                old=fmt(model_field, old),
                new=fmt(model_field, new),
            )
        )
    return [
        HistoryEntry(
            when=record.history_date,
            who=_who(record),
            action=str(ACTIONS.get(record.history_type, record.history_type)),
            history_type=record.history_type,
            reason=record.history_change_reason or "",
            changes=changes_by_record.get(record.pk, []),
        )
        for record in records[:limit]
        # A save that changed no shown field (a recomputed path, a touched timestamp) is noise.
        if record.history_type != "~" or changes_by_record.get(record.pk)
    ]
