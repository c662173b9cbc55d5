"""What the home pages show: the caller's places with their registry counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from healthpov.accounts.models import User
from healthpov.places.models import Place
from healthpov.places.scoping import places_visible_to
from households.models import Household, Person
from inspections.models import InspectionGroup


@dataclass(frozen=True)
class PlaceCounts:
    place: Place
    villages: int
    households: int
    persons: int


def _counts_by(queryset: QuerySet, field: str) -> Counter:
    return Counter(
        {row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("pk")).order_by()}
    )


def village_counts(user: User) -> list[PlaceCounts]:
    """Every village the user sees, with its households and persons (three queries)."""
    villages = places_visible_to(user).filter(level=Place.Level.VILLAGE).order_by("path")
    households = _counts_by(Household.objects.visible_to(user), "village_id")
    persons = _counts_by(Person.objects.visible_to(user), "household__village_id")
    return [
        PlaceCounts(village, 1, households[village.pk], persons[village.pk]) for village in villages
    ]


def township_counts(user: User) -> list[PlaceCounts]:
    """Every township the user sees, with its villages, households and persons (four queries)."""
    visible = places_visible_to(user)
    townships = visible.filter(level=Place.Level.TOWNSHIP).select_related("parent")
    villages = _counts_by(visible.filter(level=Place.Level.VILLAGE), "parent_id")
    households = _counts_by(Household.objects.visible_to(user), "village__parent_id")
    persons = _counts_by(Person.objects.visible_to(user), "household__village__parent_id")
    return [
        PlaceCounts(t, villages[t.pk], households[t.pk], persons[t.pk])
        for t in townships.order_by("path")
    ]


def totals(rows: list[PlaceCounts]) -> PlaceCounts | None:
    if not rows:
        return None
    return PlaceCounts(
        place=rows[0].place,
        villages=sum(row.villages for row in rows),
        households=sum(row.households for row in rows),
        persons=sum(row.persons for row in rows),
    )


def inspection_assignments(user: User) -> QuerySet[InspectionGroup]:
    """The inspection groups the user belongs to, newest campaign first."""
    return (
        user.inspection_groups.select_related("campaign")
        .prefetch_related("places", "institutions")
        .order_by("-campaign__starts_on", "name")
    )
