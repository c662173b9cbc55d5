"""Reads of the coverage app: computing the indicator table, drill-down lists, snapshots."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import F, QuerySet

from coverage import indicators as ind
from coverage.indicators import COUNT, RATE, SUM, Indicator, Period
from coverage.models import IndicatorTarget, Snapshot
from healthpov.places.models import Place

RATE_PLACES = Decimal("0.000001")
LEVELS_SHOWN = ("province", "city", "county", "township", "village")


@dataclass
class PlaceRow:
    place_id: int
    name: str
    level: str
    path: str
    parent_id: int | None
    values: dict[str, Decimal | int | None] = field(default_factory=dict)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


@dataclass
class Table:
    period: Period
    rows: list[PlaceRow]

    def by_place(self) -> dict[int, PlaceRow]:
        return {row.place_id: row for row in self.rows}

    def row_for(self, place: Place) -> PlaceRow:
        return self.by_place()[place.pk]

    def children_of(self, place: Place) -> list[PlaceRow]:
        return [row for row in self.rows if row.parent_id == place.pk]


def available_indicators() -> list[Indicator]:
    return [i for i in ind.INDICATORS if i.available()]


def village_components(
    period: Period, *, root: Place | None = None
) -> dict[int, dict[str, object]]:
    """Counts and sums per village: one aggregate query per source table.

    Each query groups the source's rows by village with conditional aggregation
    (``COUNT(*) FILTER (WHERE ...)``); conditions on other tables are ``IN (subquery)``
    predicates, which PostgreSQL evaluates as hashed sub-plans (one pass over each table).
    """
    result: dict[int, dict[str, object]] = defaultdict(dict)
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in available_indicators():
        if indicator.kind in (COUNT, SUM):
            by_source[indicator.source].append(indicator)
    for source_name, members in by_source.items():
        source = ind.SOURCES[source_name]
        rows = source.rows(period)
        if root is not None:
            rows = rows.filter(**{f"{source.village_lookup}__path__startswith": root.path})
        aggregates = {i.code: ind.aggregate_expression(i, period) for i in members}
        grouped = (
            rows.order_by()
            .annotate(_village=F(source.village_lookup))
            .values("_village")
            .annotate(**aggregates)
        )
        for values in grouped:
            village = values.pop("_village")
            result[village].update(values)
    return result


def _tuned_for_aggregates():
    """Give the hashed sub-plans room in memory on PostgreSQL (only inside this transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")


def compute_table(period: Period, *, root: Place | None = None) -> Table:
    """Every indicator for every place (under ``root``): villages aggregated in SQL, places
    above them summed in Python over the few hundred place rows, rates derived last."""
    from django.db import transaction

    with transaction.atomic():
        _tuned_for_aggregates()
        components = village_components(period, root=root)
    places = Place.objects.filter(level__in=LEVELS_SHOWN).order_by("path")
    if root is not None:
        places = places.filter(path__startswith=root.path)
    rows = [
        PlaceRow(p["id"], p["name"], p["level"], p["path"], p["parent_id"])
        for p in places.values("id", "name", "level", "path", "parent_id")
    ]
    # Paths compare as text ("/10/" before "/4/"); order by the numbers, i.e. creation order.
    rows.sort(key=lambda row: [int(part) for part in row.path.strip("/").split("/")])
    by_id = {row.place_id: row for row in rows}
    summed = [i for i in available_indicators() if i.kind in (COUNT, SUM)]
    for row in rows:
        for indicator in summed:
            row.values[indicator.code] = 0 if indicator.kind == COUNT else Decimal(0)
    # Every village's figures are added to the village and each of its ancestors in scope.
    for village_id, values in components.items():
        village = by_id.get(village_id)
        if village is None:
            continue
        ancestor_ids = [int(part) for part in village.path.strip("/").split("/")]
        for ancestor_id in ancestor_ids:
            target = by_id.get(ancestor_id)
            if target is None:
                continue
            for code, value in values.items():
                target.values[code] += value or 0
    for row in rows:
        for indicator in ind.INDICATORS:
            if indicator.kind == RATE:
                row.values[indicator.code] = (
                    rate(row.values.get(indicator.numerator), row.values.get(indicator.denominator))
                    if indicator.available()
                    else None
                )
            elif indicator.code not in row.values:
                row.values[indicator.code] = None  # its source app is not installed yet
    return Table(period=period, rows=rows)


def rate(numerator, denominator) -> Decimal | None:
    """numerator ÷ denominator as a fraction; None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------
# Drill-down lists.
# ---------------------------------------------------------------------------------------


def indicator_rows(*, indicator: Indicator, place: Place, period: Period, user) -> QuerySet:
    """The rows one figure counts for ``place``, limited to what ``user`` may see."""
    counted = ind.REGISTRY[indicator.list_code]
    source = ind.SOURCES[counted.source]
    qs = (
        indicator.rows(period)
        .filter(**{f"{source.village_lookup}__path__startswith": place.path})
        .visible_to(user)
    )
    return _with_display_relations(qs, source.unit)


def _with_display_relations(qs: QuerySet, unit: str) -> QuerySet:
    if unit == ind.PERSON:
        return qs.select_related("household", "household__village", "household__township").order_by(
            "household__number", "pk"
        )
    if unit == ind.HOUSEHOLD:
        return qs.select_related("village", "township").order_by("number", "pk")
    related = ["person", "person__household", "person__household__village"]
    if unit == ind.CASE:
        related += ["disease", "hospital"]
    elif unit == ind.STAY:
        related += ["hospital"]
    return qs.select_related(*related).order_by("person__household__number", "pk")


# ---------------------------------------------------------------------------------------
# Snapshots and targets.
# ---------------------------------------------------------------------------------------


def latest_snapshot_date(
    *, year: int, on_or_before: datetime.date | None = None
) -> datetime.date | None:
    qs = Snapshot.objects.filter(year=year)
    if on_or_before is not None:
        qs = qs.filter(date__lte=on_or_before)
    return qs.order_by("-date").values_list("date", flat=True).first()


def snapshot_years() -> list[int]:
    return list(Snapshot.objects.order_by("-year").values_list("year", flat=True).distinct())


def snapshot_values(
    *, year: int, date: datetime.date, places: Iterable[Place]
) -> dict[int, dict[str, Decimal | None]]:
    """{place id: {code: value}} of one snapshot date."""
    place_ids = [p.pk for p in places]
    values: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
    for place_id, code, value in Snapshot.objects.filter(
        year=year, date=date, place_id__in=place_ids
    ).values_list("place_id", "code", "value"):
        values[place_id][code] = value
    return values


def snapshot_trend(
    *, year: int, place: Place, codes: list[str]
) -> dict[str, list[tuple[datetime.date, Decimal | None]]]:
    """Each code's value at every snapshot date of the year, oldest first."""
    trend: dict[str, list] = {code: [] for code in codes}
    for date, code, value in (
        Snapshot.objects.filter(year=year, place=place, code__in=codes)
        .order_by("date")
        .values_list("date", "code", "value")
    ):
        trend[code].append((date, value))
    return trend


def targets_for_year(year: int) -> dict[str, tuple[Decimal, str]]:
    """{code: (target, "min" | "max")}: another app's policy where it owns the figure,
    otherwise the administrator's indicator targets."""
    targets = {t.code: (t.target, t.direction) for t in IndicatorTarget.objects.filter(year=year)}
    for indicator in ind.INDICATORS:
        if indicator.policy_target is not None and indicator.code not in targets:
            found = indicator.policy_target(year)
            if found is not None:
                targets[indicator.code] = found
    return targets


def target_met(value, target: tuple[Decimal, str] | None) -> bool | None:
    if value is None or target is None:
        return None
    goal, direction = target
    return value <= goal if direction == "max" else value >= goal
