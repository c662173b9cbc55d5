"""Reads of the coverage app: computing the indicator table, drill-down lists, snapshots."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Case, F, QuerySet, When

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

    Roster persons are counted in one pass with every person flag LEFT JOINed once (see
    :func:`_person_components`); the other sources group their rows by village with
    conditional aggregation (``COUNT(*) FILTER (WHERE ...)``).
    """
    result: dict[int, dict[str, object]] = defaultdict(dict)
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in available_indicators():
        if indicator.kind in (COUNT, SUM):
            by_source[indicator.source].append(indicator)
    for source_name, members in by_source.items():
        if source_name == "persons":
            rows = _person_components(period, members, root)
        else:
            rows = _grouped_components(period, ind.SOURCES[source_name], members, root)
        for values in rows:
            village = values.pop("_village")
            result[village].update(values)
    return result


def _grouped_components(
    period: Period, source: ind.Source, members: list[Indicator], root
) -> Iterable[dict]:
    rows = source.rows(period)
    if root is not None:
        rows = rows.filter(**{f"{source.village_lookup}__path__startswith": root.path})
    aggregates = {i.code: ind.aggregate_expression(i, period) for i in members}
    return (
        rows.order_by()
        .annotate(_village=F(source.village_lookup))
        .values("_village")
        .annotate(**aggregates)
    )


def _person_components(period: Period, members: list[Indicator], root) -> list[dict]:
    sql, params = person_counts_sql(period, members, root)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names_out = [col[0] for col in cursor.description]
        return [
            {
                key: (int(value) if key != "_village" else value)
                for key, value in zip(names_out, row, strict=True)
            }
            for row in cursor.fetchall()
        ]


def person_counts_sql(period: Period, members: list[Indicator], root) -> tuple[str, list]:
    """Every person count of every village in one statement.

    Each flag gets a bit. The person ids of every flag are stacked (``UNION ALL``, each
    flag's ids distinct) and summed per person into one bit mask, which is joined once onto
    the roster; each figure is then a sum over bit tests of that mask. The cost grows with
    the rows the flags hold, not with the number of figures or of flags.
    """
    roster = ind.roster_persons(period)
    if root is not None:
        roster = roster.filter(household__village__path__startswith=root.path)
    formulas = {i.code: i.condition(period) for i in members}
    names: list[str] = []
    for formula in formulas.values():
        names += [n for n in ind.flags_of(formula) if n not in names]
    on_row = [n for n in names if n in ind.COLUMN_FLAGS]
    of_household = [n for n in names if n in ind.HOUSEHOLD_FLAGS]
    joined = [n for n in names if n not in ind.COLUMN_FLAGS and n not in ind.HOUSEHOLD_FLAGS]
    # Flags on the person's row are columns of the roster query; the others are bits of a
    # mask per person (or per household, for the household's flags).
    leaf = {name: f"(r._c{n} = 1)" for n, name in enumerate(on_row)}
    leaf.update({name: f"((r._m & {1 << n}) <> 0)" for n, name in enumerate(joined)})
    leaf.update({name: f"((r._hm & {1 << n}) <> 0)" for n, name in enumerate(of_household)})
    roster_sql, params = (
        roster.order_by()
        .annotate(
            _pid=F("pk"),
            _hid=F("household_id"),
            _vid=F("household__village_id"),
            **{
                f"_c{n}": Case(When(ind.COLUMN_FLAGS[name](period), then=1), default=0)
                for n, name in enumerate(on_row)
            },
        )
        .values("_pid", "_hid", "_vid", *[f"_c{n}" for n in range(len(on_row))])
    ).query.sql_with_params()
    params = list(params)
    person_masks, person_params = _mask_sql(period, ind.FLAGS, joined, "pid")
    household_masks, household_params = _mask_sql(period, ind.HOUSEHOLD_FLAGS, of_household, "hid")
    params += person_params + household_params
    quote = connection.ops.quote_name
    columns = [
        f"SUM(CASE WHEN {_formula_sql(formula, leaf)} THEN 1 ELSE 0 END) AS {quote(code)}"
        for code, formula in formulas.items()
    ]
    # Only generated identifiers and Django-compiled SQL are spliced in; values are bound.
    base = (
        f"SELECT q.*, COALESCE(k.mask, 0) AS _m, COALESCE(h.mask, 0) AS _hm FROM ({roster_sql}) q "  # noqa: S608
        f"LEFT JOIN ({person_masks}) k ON k.pid = q._pid "
        f"LEFT JOIN ({household_masks}) h ON h.hid = q._hid"
    )
    sql = f"SELECT r._vid AS _village, {', '.join(columns)} FROM ({base}) r GROUP BY r._vid"  # noqa: S608
    return sql, params


def _mask_sql(period: Period, flags: dict, names: list[str], key: str) -> tuple[str, list]:
    """``SELECT key, mask``: each flag's distinct ids stacked with its bit, summed per id."""
    if not names:
        return f"SELECT CAST(NULL AS BIGINT) AS {key}, 0 AS mask WHERE 1 = 0", []
    stacked, params = [], []
    for n, name in enumerate(names):
        flag_sql, flag_params = flags[name](period).query.sql_with_params()
        stacked.append(f"SELECT s{n}.{key} AS {key}, {1 << n} AS b FROM ({flag_sql}) s{n}")  # noqa: S608
        params += flag_params
    sql = (
        f"SELECT m.{key} AS {key}, CAST(SUM(m.b) AS BIGINT) AS mask FROM ("  # noqa: S608
        + " UNION ALL ".join(stacked)
        + f") m GROUP BY m.{key}"
    )
    return sql, params


def _formula_sql(q, leaf: dict[str, str]) -> str:
    parts = []
    for child in q.children:
        if isinstance(child, tuple):
            parts.append(leaf[child[0][len(ind.FLAG_PREFIX) :]])
        else:
            parts.append(_formula_sql(child, leaf))
    sql = "(" + f" {q.connector} ".join(parts) + ")" if parts else "(1 = 1)"
    return f"(NOT {sql})" if q.negated else sql


def _tuned_for_aggregates():
    """Give the hashed sub-plans room in memory on PostgreSQL (only inside this transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            # A parallel plan rebuilds the per-person masks in every worker (measured: three
            # times the work for the same answer); one process does it once.
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


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
    *, year: int, place: Place, on_or_before: datetime.date | None = None
) -> datetime.date | None:
    qs = Snapshot.objects.filter(year=year, place=place)
    if on_or_before is not None:
        qs = qs.filter(date__lte=on_or_before)
    return qs.order_by("-date").values_list("date", flat=True).first()


def snapshot_years(place: Place) -> list[int]:
    return list(
        Snapshot.objects.filter(place=place)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


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
