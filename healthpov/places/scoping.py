"""The one access-scoping mechanism of the project.

Every model that holds data of a place declares ``scope_place_lookup``: the ORM path from the
model to a :class:`Place` foreign key (``"village"`` on a household, ``"household__village"``
on a person). Its manager is built from :class:`ScopedQuerySet`, so every page, API view,
export, import and report asks ``Model.objects.visible_to(user)`` and nothing else.

A user sees the subtrees of the places returned by ``user.visible_place_paths()``; ``None``
there means everything (administrators). Objects outside the scope are "not found" (404), so a
guessed URL tells nothing about whether a record exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import messages
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from healthpov.accounts.models import User
    from healthpov.places.models import Place

M = TypeVar("M", bound=models.Model)


def scope_q(user: User, place_lookup: str) -> Q:
    """A Q object limiting rows to the places ``user`` may see, via ``place_lookup``."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    paths = user.visible_place_paths()
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{place_lookup}__path__startswith": path})
    return q


#: Above this many places a scope stays a test of paths: a long list of ids costs more to send
#: and plan than the join, and SQLite limits a statement's parameters.
MAX_SCOPE_IDS = 500


def scope_ids(user: User, places: Sequence[Place] | None) -> tuple[int, ...] | None:
    """The ids of ``places`` when they may stand for ``user``'s scope, else ``None``.

    ``places`` is every place the user sees (:func:`places_visible_to`), read by a page that
    needs them anyway (a village filter). Each must lie in the user's subtrees (checked from
    the paths, no query), so a wrong list can only narrow the rows, never widen them.
    Administrators, who see everything, and users of more than ``MAX_SCOPE_IDS`` places keep
    the path scope."""
    if places is None or not user.is_authenticated or not user.is_active:
        return None
    if user.visible_place_paths() is None or len(places) > MAX_SCOPE_IDS:
        return None
    for place in places:
        if not path_visible_to(user, place.path):
            raise ValueError(f"place {place.pk} is outside the user's scope")
    return tuple(place.pk for place in places)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: User, places: Sequence[Place] | None = None) -> ScopedQuerySet:
        """The rows ``user`` may see. ``places``: every place the user sees, when the caller
        has read them; the rows are then those whose place's id is among them
        (:func:`scope_ids`), the same rows as the paths' without a join to the places or a
        path pattern (docs/architecture.md "Performance choices")."""
        lookup = getattr(self.model, "scope_place_lookup", None)
        if lookup is None:
            raise TypeError(f"{self.model.__name__} does not declare scope_place_lookup")
        ids = scope_ids(user, places)
        if ids is not None:
            return self.in_places(list(ids))
        return self.filter(scope_q(user, lookup))

    def in_places(self, ids: list[int]) -> ScopedQuerySet:
        """The rows of the places ``ids``: the scope :meth:`visible_to` gives a user from the
        ids of every place they see (:func:`scope_ids`), for a statement built once with the
        ids as values (``healthpov.statements.cached_rows``)."""
        return self.filter(**{f"{self.model.scope_place_lookup}__in": ids})


def places_visible_to(user: User) -> models.QuerySet:
    """Places ``user`` may see: their subtrees (a Place is scoped by its own path)."""
    from healthpov.places.models import Place

    if not user.is_authenticated or not user.is_active:
        return Place.objects.none()
    paths = user.visible_place_paths()
    if paths is None:
        return Place.objects.all()
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return Place.objects.filter(q)


def path_visible_to(user: User, path: str) -> bool:
    """Whether the place at ``path`` is in ``user``'s subtrees (no query once the user's
    places are known): the same rule as :func:`places_visible_to`, for a path at hand."""
    if not user.is_authenticated or not user.is_active:
        return False
    paths = user.visible_place_paths()
    if paths is None:
        return True
    return any(path.startswith(prefix) for prefix in paths)


def get_visible_or_404(queryset: models.QuerySet[M] | type[M], user: User, **lookup) -> M:
    """The one access helper for single objects: outside the user's scope is a 404."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    if queryset.model.__name__ == "Place" and queryset.model._meta.app_label == "places":
        queryset = queryset & places_visible_to(user)
    else:
        queryset = queryset.visible_to(user)
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def choosable_by(user: User, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """The part of ``queryset`` that ``user`` may pick for a foreign key (forms and API alike).

    Places and scoped models: what the user may see. Models that hold no data of a place
    (diseases, service packages: the county's reference lists) are left as they are.
    """
    model = queryset.model
    if model.__name__ == "Place" and model._meta.app_label == "places":
        return queryset & places_visible_to(user)
    if getattr(model, "scope_place_lookup", None) is None:
        return queryset
    return queryset.visible_to(user)


def hospitals_choosable_by(user: User) -> models.QuerySet:
    """Institutions ``user`` may name as the hospital of a stay, case or health check.

    The institutions of the user's own places, plus every county general hospital and
    designated hospital of the install: those serve patients from every township (and from
    other counties on referral), so naming one tells nothing about another township. A health
    centre or clinic of another township is not offered; a stay there is written as text.
    """
    from healthpov.places.models import Institution

    county_level = Q(
        kind__in=[Institution.Kind.COUNTY_HOSPITAL, Institution.Kind.DESIGNATED_HOSPITAL]
    )
    if not user.is_authenticated or not user.is_active:
        return Institution.objects.none()
    return Institution.objects.filter(county_level | scope_q(user, "place"))


# -- ids asked for in a query string -----------------------------------------------------------

_ID = re.compile(r"[0-9]{1,18}")  # below 2**63: every primary key is a BigAutoField
_MAX_SHOWN = 40


def parse_id(raw: Any) -> int | None:
    """A record id from a query string, or None when it is not one (never raises).

    Only ASCII digits, at most 18 of them: ``int()`` also takes "²", "٣" or a 30-digit
    number, which the database then refuses.
    """
    value = str(raw).strip() if raw is not None else ""
    if not _ID.fullmatch(value):
        return None
    return int(value) or None


def id_param(query: Mapping[str, Any] | None, key: str) -> tuple[int | None, str]:
    """The id asked for by ``?key=``, and a message when a value was given but ignored.

    A value repeated with different values is ignored too (an id names one record).
    """
    if not query:
        return None, ""
    if hasattr(query, "getlist"):
        values = [str(v).strip() for v in query.getlist(key)]
    else:
        raw = query.get(key)
        raw = raw if isinstance(raw, list | tuple) else [raw]
        values = [str(v).strip() for v in raw if v is not None]
    values = [v for v in values if v]
    if not values:
        return None, ""
    if len(set(values)) == 1 and (found := parse_id(values[0])) is not None:
        return found, ""
    shown = values[0] if len(values[0]) <= _MAX_SHOWN else values[0][:_MAX_SHOWN] + "…"
    return None, _("The value “%(value)s” of “%(name)s” was ignored: it is not a valid number.") % {
        "value": shown.replace("\x00", ""),
        "name": key,
    }


def id_for_page(request, key: str, query: Mapping[str, Any] | None = None) -> int | None:
    """The id of ``?key=`` on a page; an ignored value is shown to the user as a warning."""
    found, error = id_param(request.GET if query is None else query, key)
    if error:
        messages.warning(request, error, fail_silently=True)
    return found
