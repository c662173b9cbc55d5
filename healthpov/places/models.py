"""Places form one tree (province → city → county → township → village); institutions sit in it.

Each place stores its materialised path (``/1/7/42/``), so "everything under this place" is
one indexed ``path LIKE '/1/7/%'`` filter. That filter is the basis of all access scoping
(see :mod:`healthpov.places.scoping`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from healthpov.choices import ChoiceLabels
from healthpov.places.scoping import ScopedQuerySet


class Place(ChoiceLabels, models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")

    LEVEL_ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(_("division code"), max_length=20, blank=True)
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_unique_name_in_parent"),
        ]
        indexes = [models.Index(fields=["level", "path"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The path needs the primary key, so a new place is written twice; places are few.
        super().save(*args, **kwargs)
        expected = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if self.path != expected:
            self.path = expected
            super().save(update_fields=["path"])

    @property
    def ancestor_ids(self) -> list[int]:
        """The ids on the path above this place, from the root down."""
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    @property
    def label(self) -> str:
        """The place as people tell it apart: 杉城镇·龙湖村 for a village, the name otherwise.

        Two villages may share a name in different townships, so every picker, filter and list
        shows this label. Label many places with :func:`label_places` (one query for all).
        """
        if getattr(self, "_label", None) is None:
            label_places([self])
        return self._label

    def is_within(self, other: Place) -> bool:
        return self.path.startswith(other.path)

    def ancestor_at(self, level: str) -> Place | None:
        """The ancestor (or self) at ``level``, e.g. the township of a village."""
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return Place.objects.filter(pk__in=ids, level=level).first()


# The levels named in a label: below the county, where names repeat.
LABELLED_LEVELS = [Place.Level.TOWNSHIP, Place.Level.VILLAGE]
LABEL_SEPARATOR = "·"


def label_places(places: Iterable[Place]) -> list[Place]:
    """Evaluate ``places`` and give each its :attr:`Place.label`, reading ancestors in one query.

    Ancestors already at hand (in ``places`` or loaded with ``select_related("parent")``) are
    not read again, so a village list that selects its parents needs no query at all.
    """
    places = list(places)
    levels: dict[int, str] = {}
    names: dict[int, str] = {}
    for place in places:
        node: Place | None = place
        while node is not None and node.pk not in levels:
            levels[node.pk], names[node.pk] = node.level, node.name
            node = node.parent if Place.parent.is_cached(node) else None

    def needed(place: Place) -> list[int]:
        """Ancestor ids from the township down; the walk up stops at the county."""
        ids = []
        for pk in reversed(place.ancestor_ids):
            if pk in levels and levels[pk] not in LABELLED_LEVELS:
                break
            ids.append(pk)
            if levels.get(pk) == LABELLED_LEVELS[0]:
                break
        return ids[::-1]

    missing = {pk for place in places for pk in needed(place)} - levels.keys()
    if missing:  # an empty ``pk__in`` reads nothing but still costs building the query
        rows = Place.objects.filter(pk__in=missing).values_list("pk", "level", "name")
        for pk, level, name in rows:
            levels[pk], names[pk] = level, name
    for place in places:
        parts = [names[pk] for pk in needed(place) if levels.get(pk) in LABELLED_LEVELS]
        place._label = LABEL_SEPARATOR.join([*parts, place.name])
    return places


class Institution(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        COUNTY_HOSPITAL = "county_hospital", _("County general hospital")
        HEALTH_CENTRE = "health_centre", _("Township health centre")
        VILLAGE_CLINIC = "village_clinic", _("Village clinic")
        COMMUNITY_CENTRE = "community_centre", _("Community health centre")
        DESIGNATED_HOSPITAL = "designated_hospital", _("Designated hospital")
        BUREAU = "bureau", _("Health bureau")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="institutions"
    )
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "place"

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["place__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "name"], name="institution_unique_name_in_place"
            ),
        ]

    def __str__(self) -> str:
        return self.name
