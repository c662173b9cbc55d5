"""Choice labels without Django's per-call cost.

Django's ``get_FOO_display()`` builds ``dict(make_hashable(field.flatchoices))`` on every call,
and hashing a lazily translated label translates it: a list page with a few such columns made
a gettext call per label per row, a large share of its CPU time (docs/architecture.md
"Performance choices"). :class:`ChoiceLabels` keeps one ``{value: label}`` dict per field and
language.

Put it first in the bases of every model with a ``choices`` field: Django binds
``get_FOO_display`` to the class's ``_get_FIELD_display`` when the class is built, so it cannot
be patched in afterwards (``tests/foundation/test_choices.py`` checks every model has it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.models import Field
from django.utils.translation import get_language


@lru_cache(maxsize=2048)
def choice_labels(field: Field, language: str | None) -> dict[Any, str]:
    """``field``'s choices as {value: label}, the labels translated into ``language`` (which
    must be the active language: it is only the cache key)."""
    return {value: str(label) for value, label in field.flatchoices}


class ChoiceLabels:
    """Mixin for models: ``get_FOO_display()`` from a cached dict (same results as Django's)."""

    def _get_FIELD_display(self, field: Field) -> Any:
        value = getattr(self, field.attname)
        try:
            return choice_labels(field, get_language()).get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return super()._get_FIELD_display(field)
