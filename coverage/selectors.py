"""Reads of the coverage app: computing the indicator table, drill-down lists, snapshots."""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Max, Q, QuerySet, Subquery, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coverage import indicators as ind
from coverage.indicators import COUNT, RATE, SUM, Indicator
from coverage.models import IndicatorTarget, Snapshot
from healthpov.exports import personal_value
from healthpov.period import ReportingPeriod
from healthpov.places.models import Place
from households.models import Person
from signing import followups
from signing import selectors as signing
from signing.models import (
    BookletStatus,
    ChronicRegistration,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SpecialDiseaseDiagnosis,
)
from treatment.models import (
    BREACH_DEPOSIT,
    BREACH_NOT_ONE_STOP,
    BREACH_OVER_CAP,
    TreatmentPolicy,
)

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
    period: ReportingPeriod
    rows: list[PlaceRow]

    def by_place(self) -> dict[int, PlaceRow]:
        return {row.place_id: row for row in self.rows}

    def row_for(self, place: Place) -> PlaceRow:
        return self.by_place()[place.pk]

    def children_of(self, place: Place) -> list[PlaceRow]:
        return [row for row in self.rows if row.parent_id == place.pk]


def village_components(
    period: ReportingPeriod, *, root: Place | None = None, part: Part | None = None
) -> dict[int, dict[str, object]]:
    """Counts and sums per village (under ``root``; of ``part``'s households only), all of
    them from one statement (:func:`figures_sql`)."""
    statement = figures_sql(period, ind.INDICATORS, root, part)
    kinds = statement.kinds
    places = Decimal(1).scaleb(-ind.MONEY_PLACES)
    result: dict[int, dict[str, object]] = {}
    with connection.cursor() as cursor:
        try:
            for name, table_sql, table_params in statement.tables:
                cursor.execute(f"CREATE TEMP TABLE {name} AS {table_sql}", table_params)
                cursor.execute(f"CREATE UNIQUE INDEX {name}_pid ON {name} (_pid)")
            cursor.execute(statement.sql, statement.params)
            names = [col[0] for col in cursor.description]
            fetched = cursor.fetchall()
        finally:
            for name, _sql, _params in statement.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
        for row in fetched:
            values = dict(zip(names, row, strict=True))
            village = values.pop("_village")
            result[village] = {
                code: int(value or 0) if kinds[code] == COUNT else _money(value).quantize(places)
                for code, value in values.items()
            }
    return result


def _money(value) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, float):  # SQLite sums decimals as floats; Django reads them so too
        return Context(prec=15).create_decimal_from_float(value)
    return Decimal(value)


@dataclass(frozen=True)
class Part:
    """Households with ids in ``households`` (first and last) and the range of their persons'
    ids: one of the statements a full recompute of a large installation is split into
    (:func:`compute_table`). Every household is whole in one part, so a household figure
    counts it once; the person range bounds each per-person table's index scan, and rows of
    persons in the range but of another part's households find no spine row to join."""

    households: tuple[int, int]
    persons: tuple[int, int]


@dataclass
class FiguresStatement:
    """The figures statement (:func:`figures_sql`), its parameters and each column's kind.

    ``tables`` (SQLite only) are the per-person tables the statement joins by name, each to
    be stored first as a temporary table with a unique index on ``_pid``: SQLite's planner,
    given the same tables as sub-queries, scanned some of them in full for every person.
    """

    sql: str
    params: list
    kinds: dict[str, str]
    tables: list[tuple[str, str, list]] = field(default_factory=list)


def figures_sql(
    period: ReportingPeriod,
    indicators: list[Indicator],
    root: Place | None,
    part: Part | None = None,
) -> FiguresStatement:
    """Every count and sum of ``indicators`` for every village, in one statement.

    The spine is the period's roster persons (``q``), one row each with the person's
    household and village and the columns the flags on the row need. Each table that person
    flags read is read once, grouped by person: one row per person holding a column per flag
    (1, or NULL when no row of the person makes it hold). Each source of a person's records
    (brochures, cases, stays) is totalled per person the same way. All of those are LEFT
    JOINed onto the spine by person id; a person figure is then a count of spine rows under
    its formula, a record figure a sum of the per-person totals (the join keeps roster
    persons' records only, as the source's rows do), and a household figure a count of
    households at their first roster member (``ROW_NUMBER()`` over the household).

    The statement states no rule of its own: the spine is ``households.selectors.
    roster_persons`` (the year's roster), each flag column is its table's condition from the
    owning app (``signing.selectors``, ``signing.followups``, ``Booklet.valid_on_q``,
    ``MajorIllnessCase.treated_q``, ``InpatientStay.*_q``...), and tests/coverage compares
    every figure with its drill-down list, which applies those conditions as plain filters.

    Every join is on the person id, so on PostgreSQL the statement runs as merge joins
    down the tables' person indexes, in a time that grows with the rows and nothing else
    (see :func:`_tuned_for_aggregates`). On SQLite the per-person tables are stored first as
    temporary tables keyed by person (:class:`FiguresStatement`), so each join is a lookup.
    """
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        if indicator.kind in (COUNT, SUM):
            by_source[indicator.source].append(indicator)
    formulas = {i.code: i.condition(period) for i in by_source.pop("persons", [])}
    household_conditions = {i.code: i.condition(period) for i in by_source.pop("households", [])}
    names: list[str] = []
    for formula in formulas.values():
        names += [n for n in ind.flags_of(formula) if n not in names]
    on_row = [n for n in names if n in ind.COLUMN_FLAGS]
    of_household = [n for n in names if n in ind.HOUSEHOLD_FLAGS]
    tables: dict[str, list[str]] = defaultdict(list)
    for name in names:
        if name in ind.FLAGS:
            tables[ind.FLAGS[name].table].append(name)
    quote = connection.ops.quote_name
    tables_first: list[tuple[str, str, list]] = []
    joins, params_of_joins = [], []

    def join(alias: str, sub_sql: str, sub_params) -> None:
        if connection.vendor == "sqlite":
            name = f"_figures_{alias}"
            tables_first.append((name, sub_sql, list(sub_params)))
            joins.append(f" LEFT JOIN {name} {alias} ON {alias}._pid = q._pid")
        else:
            joins.append(f" LEFT JOIN ({sub_sql}) {alias} ON {alias}._pid = q._pid")
            params_of_joins.extend(sub_params)

    # The spine: roster persons with their household and the flags on their own row.
    leaf = {name: f"(q._c{n} = 1)" for n, name in enumerate(on_row)}
    household_leaf = {}
    spine_columns = {
        f"_c{n}": Case(When(ind.COLUMN_FLAGS[name](period), then=1), default=0)
        for n, name in enumerate(on_row)
    }
    for n, (code, condition) in enumerate(household_conditions.items()):
        if condition:
            spine_columns[f"_h{n}"] = Case(When(_on_household(condition), then=1), default=0)
            household_leaf[code] = f"(q._h{n} = 1)"
        else:
            household_leaf[code] = "(1 = 1)"
    roster = ind.roster_persons(period)
    if root is not None:
        roster = roster.filter(household__village__path__startswith=root.path)
    if part is not None:
        roster = roster.filter(
            household_id__gte=part.households[0],
            household_id__lte=part.households[1],
            pk__range=part.persons,
        )
    spine_sql, params = (
        roster.order_by()
        .annotate(
            _pid=F("pk"), _hid=F("household_id"), _vid=F("household__village_id"), **spine_columns
        )
        .values("_pid", "_hid", "_vid", *spine_columns)
        .query.sql_with_params()
    )
    household_columns, household_joins = [], []
    column_params, join_params = [], []
    for n, name in enumerate(of_household):
        households = _in_part(ind.HOUSEHOLD_FLAGS[name](period), "person_id", part)
        if is_narrow(root):
            Household = ind.SOURCES["households"].model
            households = households.filter(
                hid__in=Household.objects.filter(village__path__startswith=root.path).values("pk")
            )
        flag_sql, flag_params = households.query.sql_with_params()
        if connection.vendor == "sqlite":
            # SQLite would scan the whole flag table for every person of a LEFT JOIN here;
            # a set membership test is looked up in an index it builds once.
            household_columns.append(
                f", CASE WHEN s._hid IN ({flag_sql}) THEN 1 ELSE 0 END AS _g{n}"
            )
            column_params += flag_params
        else:
            household_columns.append(f", CASE WHEN g{n}.hid IS NULL THEN 0 ELSE 1 END AS _g{n}")
            household_joins.append(f" LEFT JOIN ({flag_sql}) g{n} ON g{n}.hid = s._hid")
            join_params += flag_params
        leaf[name] = f"(q._g{n} = 1)"
    params = [*column_params, *params, *join_params]
    # Only generated identifiers and Django-compiled SQL are spliced in; values are bound.
    spine = (
        f"SELECT s.*{''.join(household_columns)}, "  # noqa: S608
        f"ROW_NUMBER() OVER (PARTITION BY s._hid) AS _rn FROM ({spine_sql}) s"
        + "".join(household_joins)
    )

    # One per-person row per flag table, then per-person totals of each record source.
    for t, (table_name, flag_names) in enumerate(tables.items()):
        table = _flag_table(period, table_name, flag_names, root, part)
        table_sql, table_params = table.query.sql_with_params()
        join(f"t{t}", table_sql, table_params)
        leaf.update({name: f"(t{t}._f{k} IS NOT NULL)" for k, name in enumerate(flag_names)})
    columns = [
        f"COUNT(*) FILTER (WHERE {_formula_sql(formula, leaf)}) AS {quote(code)}"
        for code, formula in formulas.items()
    ]
    columns += [
        f"COUNT(*) FILTER (WHERE q._rn = 1 AND {condition}) AS {quote(code)}"
        for code, condition in household_leaf.items()
    ]
    kinds = dict.fromkeys([*formulas, *household_leaf], COUNT)
    for r, (source_name, members) in enumerate(by_source.items()):
        source = ind.SOURCES[source_name]
        if not source.of_person:
            raise ValueError(f"source {source_name!r} is not a person's records")
        totals_sql, totals_params = (
            _in_part(_under(source.select(period).order_by(), "person_id", root), "person_id", part)
            .annotate(_pid=F("person_id"))
            .values("_pid")
            .annotate(**{i.code: ind.aggregate_expression(i, period) for i in members})
            .query.sql_with_params()
        )
        join(f"r{r}", totals_sql, totals_params)
        columns += [f"SUM(r{r}.{quote(i.code)}) AS {quote(i.code)}" for i in members]
        kinds.update({i.code: i.kind for i in members})
    sql = (
        f"SELECT q._vid AS _village, {', '.join(columns)} FROM ({spine}) q"  # noqa: S608
        + "".join(joins)
        + " GROUP BY q._vid"
    )
    return FiguresStatement(sql, [*params, *params_of_joins], kinds, tables_first)


def _flag_table(
    period: ReportingPeriod,
    table_name: str,
    flag_names: list[str],
    root: Place | None,
    part: Part | None = None,
) -> QuerySet:
    """One row per person of the table's rows (under ``root``): column ``_f<k>`` is 1 when
    the k-th flag holds for the person, NULL when it does not."""
    table = ind.PERSON_TABLES[table_name]
    columns, conditions = {}, []
    for k, name in enumerate(flag_names):
        when = ind.FLAGS[name].when
        if when is None:
            columns[f"_f{k}"] = Value(1)
        else:
            conditions.append(when(period))
            columns[f"_f{k}"] = Case(When(conditions[-1], then=Value(1)))
    rows = _in_part(_under(table.rows(period).order_by(), table.person, root), table.person, part)
    if len(conditions) == len(flag_names):
        # A row that makes none of the flags hold adds nothing (a person without such rows
        # gets NULLs from the LEFT JOIN just the same): leave it out.
        rows = rows.filter(reduce(operator.or_, conditions))
    rows = rows.annotate(_pid=F(table.person))
    if table.unique and connection.vendor != "sqlite":
        return rows.annotate(**columns).values("_pid", *columns)
    return rows.values("_pid").annotate(**{key: Max(value) for key, value in columns.items()})


def is_narrow(root: Place | None) -> bool:
    """Whether the figures are for one village: a few thousand persons, whose rows are
    better looked up by person than read in full (see :func:`_tuned_for_aggregates`)."""
    return root is not None and root.level == Place.Level.VILLAGE


def _under(rows: QuerySet, person_path: str, root: Place | None) -> QuerySet:
    """For one village, only its persons' rows (the spine holds no one else, and a page for
    a village should not total every person of the county); otherwise every row."""
    if not is_narrow(root):
        return rows
    person = person_path.removesuffix("_id")
    return rows.filter(**{f"{person}__household__village__path__startswith": root.path})


def _in_part(rows: QuerySet, person_path: str, part: Part | None) -> QuerySet:
    """Only the rows of persons in ``part``'s range of person ids (every row without one)."""
    if part is None:
        return rows
    first, last = part.persons  # (a foreign key has no __range lookup)
    return rows.filter(**{f"{person_path}__gte": first, f"{person_path}__lte": last})


def _on_household(q: Q) -> Q:
    """A condition on Household rewritten for the Person whose household it is."""
    moved = Q()
    moved.connector, moved.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            moved.children.append(_on_household(child))
        else:
            lookup, value = child
            moved.children.append((f"household__{lookup}", value))
    return moved


def _formula_sql(q, leaf: dict[str, str]) -> str:
    parts = []
    for child in q.children:
        if isinstance(child, tuple):
            parts.append(leaf[child[0][len(ind.FLAG_PREFIX) :]])
        else:
            parts.append(_formula_sql(child, leaf))
    sql = "(" + f" {q.connector} ".join(parts) + ")" if parts else "(1 = 1)"
    return f"(NOT {sql})" if q.negated else sql


def _tuned_for_aggregates(*, narrow: bool = False):
    """Plan settings for the figures statement on PostgreSQL (only inside its transaction).

    - ``enable_hashjoin = off`` and ``enable_nestloop = off``: every join of
      :func:`figures_sql` is on the person id (or the household id), and each side can be
      read in that order from an index, so merge joins stream the tables in one pass, in a
      time that grows with the rows and nothing else. The planner prefers hash joins, cheaper
      by its cost model, but their hash tables of a million persons outgrow the CPU caches
      and the time grows faster than the county (``bench/coverage.py`` measures both).
      Nested loops go too: on tables not yet analysed (a county just imported) the planner
      guessed a handful of rows and looped over contracts for every person. Except for one
      village (``narrow``): its few thousand persons' rows are looked up by person, and a bad
      guess there costs little.
    - ``work_mem``: the two sorts of the spine (by household for its window, back by
      person) and the per-person groupings stay in memory.
    - ``jit = off`` (every connection has it too, see settings; kept so that this statement
      does not depend on it): JIT starts above a plan cost, i.e. at one county size and not
      the other, and on a large county compiling cost more than it saved.
    - no parallel workers: a parallel plan repeats the per-person groupings in every worker.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL enable_hashjoin = off")
            if not narrow:
                cursor.execute("SET LOCAL enable_nestloop = off")


def _parts(root: Place | None) -> list[Part]:
    """The parts a full recompute of a large installation is split into, one statement each
    on a connection of its own (none: one statement). Only on PostgreSQL, for every place,
    above ``COVERAGE_SPLIT_PERSONS`` persons (the table's row estimate), into
    ``COVERAGE_PARTS`` runs of household ids of about equal persons, and never inside a
    transaction, whose writes the other connections would not see. See docs/scaling.md,
    "(c) The full recompute"."""
    count = settings.COVERAGE_PARTS
    if root is not None or count < 2 or connection.vendor != "postgresql":
        return []
    if connection.in_atomic_block:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [Person._meta.db_table],
        )
        (estimate,) = cursor.fetchone()
    if estimate < settings.COVERAGE_SPLIT_PERSONS:
        return []
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        # Runs of household ids holding about equal numbers of persons, with their persons'
        # ids, first and last. Only generated identifiers are spliced in.
        cursor.execute(
            "SELECT MIN(household_id), MAX(household_id), MIN(id), MAX(id) FROM "  # noqa: S608
            f"(SELECT id, household_id, NTILE(%s) OVER (ORDER BY household_id) AS n FROM {table} "
            "WHERE household_id IS NOT NULL) tiles GROUP BY n ORDER BY n",
            [count],
        )
        tiles = cursor.fetchall()
        parts: list[Part] = []
        for first_household, last_household, first_person, last_person in tiles:
            if parts and first_household <= parts[-1].households[1]:
                # The household the last run ended with goes there whole, its persons too.
                shared = parts[-1].households[1]
                cursor.execute(
                    f"SELECT MIN(id), MAX(id) FROM {table} WHERE household_id = %s",  # noqa: S608
                    [shared],
                )
                low, high = cursor.fetchone()
                previous = parts[-1]
                parts[-1] = Part(
                    previous.households,
                    (min(previous.persons[0], low), max(previous.persons[1], high)),
                )
                first_household = shared + 1
            if first_household <= last_household:
                parts.append(Part((first_household, last_household), (first_person, last_person)))
    return parts


def _components_in_parallel(
    period: ReportingPeriod, parts: list[Part]
) -> dict[int, dict[str, object]]:
    """:func:`village_components` of each part on a connection of its own, at the same time
    (the database server runs each in its own process), summed per village: a village whose
    households lie in two parts has figures from both, and every figure adds up."""

    def components(part: Part) -> dict[int, dict[str, object]]:
        try:
            with transaction.atomic():
                _tuned_for_aggregates()
                return village_components(period, part=part)
        finally:
            connection.close()  # this thread's own connection

    result: dict[int, dict[str, object]] = {}
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        for part_components in pool.map(components, parts):
            for village, values in part_components.items():
                total = result.setdefault(village, dict.fromkeys(values, 0))
                for code, value in values.items():
                    total[code] += value
    return result


def compute_table(period: ReportingPeriod, *, root: Place | None = None) -> Table:
    """Every indicator for every place (under ``root``): villages aggregated in SQL, places
    above them summed in Python over the few hundred place rows, rates derived last."""
    parts = _parts(root)
    if parts:
        components = _components_in_parallel(period, parts)
    else:
        with transaction.atomic():
            _tuned_for_aggregates(narrow=is_narrow(root))
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
    summed = [i for i in ind.INDICATORS if i.kind in (COUNT, SUM)]
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
    _derive_rates(rows)
    return Table(period=period, rows=rows)


def _derive_rates(rows: Iterable[PlaceRow]) -> None:
    """Each row's rates from its summed numerator and denominator (never averaged)."""
    rates = [i for i in ind.INDICATORS if i.kind == RATE]
    for row in rows:
        for indicator in rates:
            row.values[indicator.code] = rate(
                row.values.get(indicator.numerator), row.values.get(indicator.denominator)
            )


def _path_ids(path: str) -> list[int]:
    """The ids on a place's path, from the top down to the place itself."""
    return [int(part) for part in path.strip("/").split("/")]


def _place_rows(places: QuerySet) -> dict[int, PlaceRow]:
    return {
        p["id"]: PlaceRow(p["id"], p["name"], p["level"], p["path"], p["parent_id"])
        for p in places.order_by().values("id", "name", "level", "path", "parent_id")
    }


def _snapshot_sums(period: ReportingPeriod, place_ids: Iterable[int]) -> dict[int, dict]:
    """The counts and sums of the snapshot of ``period`` (its year, as of its date) of each
    of ``place_ids`` whose snapshot holds every one of them."""
    summed = {i.code: i.kind for i in ind.INDICATORS if i.kind in (COUNT, SUM)}
    money = Decimal(1).scaleb(-ind.MONEY_PLACES)
    values: dict[int, dict] = defaultdict(dict)
    for place_id, code, value in Snapshot.objects.filter(
        year=period.year, date=period.as_of, place_id__in=list(place_ids), code__in=list(summed)
    ).values_list("place_id", "code", "value"):
        if value is not None:
            values[place_id][code] = int(value) if summed[code] == COUNT else value.quantize(money)
    return {place_id: v for place_id, v in values.items() if len(v) == len(summed)}


def compute_table_around(period: ReportingPeriod, place_ids: Iterable[int]) -> Table:
    """The figures a change of the registry under ``place_ids`` can have changed: the county
    of each of those places (its topmost place when it has none) computed as
    :func:`compute_table` computes it, and every place above those counties summed from its
    children: the computed ones, the others as the snapshot of ``period`` holds them. A place
    above a child without that snapshot (never taken that day, a place added since) is
    computed whole instead. Every figure is thus the sum of its children's, as in a full
    recompute, while the other counties' figures are neither computed nor written again."""
    given = Place.objects.filter(pk__in=list(place_ids)).values_list("path", flat=True)
    paths = [_path_ids(path) for path in given]
    known = _place_rows(Place.objects.filter(pk__in={i for path in paths for i in path}))
    roots: set[int] = set()
    for path in paths:
        chain = [known[i] for i in path if i in known]
        county = next((row for row in chain if row.level == Place.Level.COUNTY), chain[0])
        roots.add(county.place_id)
    while True:
        # Roots under another root go; what is above a root is summed, from its children.
        roots = {r for r in roots if not set(_path_ids(known[r].path)[:-1]) & roots}
        above = {a for r in roots for a in _path_ids(known[r].path)[:-1]}
        beside = _place_rows(
            Place.objects.filter(parent_id__in=above, level__in=LEVELS_SHOWN).exclude(
                pk__in=above | roots
            )
        )
        sums = _snapshot_sums(period, beside)
        missing = {row.parent_id for row in beside.values() if row.place_id not in sums}
        if not missing:
            break
        # The highest place above a root that cannot be summed is computed whole.
        roots = {next(a for a in _path_ids(known[r].path) if a in missing or a == r) for r in roots}
    rows = [
        row
        for root in Place.objects.filter(pk__in=roots).order_by("path")
        for row in compute_table(period, root=root).rows
    ]
    summed = [i for i in ind.INDICATORS if i.kind in (COUNT, SUM)]
    totals = {a: known[a] for a in above}
    for row in totals.values():
        row.values = {i.code: 0 if i.kind == COUNT else Decimal(0) for i in summed}
    computed = {row.place_id: row for row in rows}
    parts = [(known[r].path, computed[r].values) for r in roots]
    parts += [(beside[place_id].path, values) for place_id, values in sums.items()]
    for path, values in parts:
        for ancestor_id in _path_ids(path)[:-1]:
            target = totals[ancestor_id].values
            for indicator in summed:
                target[indicator.code] += values[indicator.code]
    _derive_rates(totals.values())
    rows += totals.values()
    rows.sort(key=lambda row: _path_ids(row.path))
    return Table(period=period, rows=rows)


def snapshot_table(period: ReportingPeriod, place: Place) -> Table | None:
    """``place`` and its children with the figures of the snapshot of ``period`` (its year,
    as of its date): what a report form shows, read instead of computed. ``None`` when that
    snapshot does not hold all of them (never taken, or a place added since)."""
    places = (
        Place.objects.filter(Q(pk=place.pk) | Q(parent=place), level__in=LEVELS_SHOWN)
        .order_by()
        .values("id", "name", "level", "path", "parent_id")
    )
    rows = {
        p["id"]: PlaceRow(p["id"], p["name"], p["level"], p["path"], p["parent_id"]) for p in places
    }
    money = Decimal(1).scaleb(-ind.MONEY_PLACES)
    for place_id, code, value in Snapshot.objects.filter(
        year=period.year, date=period.as_of, place_id__in=list(rows)
    ).values_list("place_id", "code", "value"):
        indicator = ind.REGISTRY.get(code)
        if indicator is None:
            continue
        if value is not None and indicator.kind == COUNT:
            value = int(value)
        elif value is not None and indicator.kind == SUM:
            value = value.quantize(money)
        rows[place_id].values[code] = value
    if not rows or any(not row.values for row in rows.values()):
        return None
    ordered = sorted(
        rows.values(), key=lambda row: [int(part) for part in row.path.strip("/").split("/")]
    )
    return Table(period=period, rows=ordered)


def form_table(period: ReportingPeriod, place: Place) -> Table:
    """The figures of a report form: from the period's snapshot when there is one, computed
    (for ``place``'s subtree only) when there is none."""
    return snapshot_table(period, place) or compute_table(period, root=place)


def rate(numerator, denominator) -> Decimal | None:
    """numerator ÷ denominator as a fraction; None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------
# Drill-down lists.
# ---------------------------------------------------------------------------------------


def indicator_rows(
    *, indicator: Indicator, place: Place, period: ReportingPeriod, user
) -> QuerySet:
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
    related = [
        "person",
        "person__household",
        "person__household__village",
        "person__household__township",
    ]
    if unit == ind.CASE:
        related += ["disease", "hospital"]
    elif unit == ind.STAY:
        related += ["hospital"]
    return qs.select_related(*related).order_by("person__household__number", "pk")


# ---------------------------------------------------------------------------------------
# The drill-down table: the same columns on the page and in its .xlsx. Each row names its
# township and village and links to its household; the columns that explain a row (why a
# person is unsigned, which quarters a follow-up was missed, the booklet's state, a stay's
# breaches) are read from the rules of the app that owns the records.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrilldownColumn:
    header: Promise | str
    value: Callable[[Any, bool], Any]  # (row, reveal) -> cell


@dataclass(frozen=True)
class Explanation:
    """A column computed for a batch of rows at once (one or two queries a batch)."""

    header: Promise | str
    cells: Callable[[list, ReportingPeriod], list[str]]


@dataclass
class DrilldownRow:
    household_id: int
    person_id: int | None
    cells: list[Any]


@dataclass
class DrilldownTable:
    headers: list[str]
    rows: list[DrilldownRow]


def _id_number(person, reveal: bool) -> str:
    return personal_value(person.id_number, kind="id_number", reveal=reveal)


def _phone(phone: str, reveal: bool) -> str:
    return personal_value(phone, kind="phone", reveal=reveal)


def _person_columns(person_of: Callable[[Any], Any]) -> list[DrilldownColumn]:
    return [
        DrilldownColumn(_("Township"), lambda r, v: person_of(r).household.township.name),
        DrilldownColumn(_("Village"), lambda r, v: person_of(r).household.village.name),
        DrilldownColumn(_("Household number"), lambda r, v: person_of(r).household.number),
        DrilldownColumn(_("Name"), lambda r, v: person_of(r).name),
        DrilldownColumn(_("ID number"), lambda r, v: _id_number(person_of(r), v)),
        DrilldownColumn(_("Phone"), lambda r, v: _phone(person_of(r).phone, v)),
    ]


def _of_record(row):
    return row.person


def _itself(row):
    return row


UNIT_COLUMNS: dict[str, list[DrilldownColumn]] = {
    ind.PERSON: [
        *_person_columns(_itself),
        DrilldownColumn(_("Sex"), lambda p, v: p.get_sex_display()),
        DrilldownColumn(_("Birth date"), lambda p, v: p.birth_date),
        DrilldownColumn(_("Poverty status"), lambda p, v: p.household.get_poverty_status_display()),
    ],
    ind.HOUSEHOLD: [
        DrilldownColumn(_("Township"), lambda h, v: h.township.name),
        DrilldownColumn(_("Village"), lambda h, v: h.village.name),
        DrilldownColumn(_("Household number"), lambda h, v: h.number),
        DrilldownColumn(_("Head of household"), lambda h, v: h.head_name),
        DrilldownColumn(_("Phone"), lambda h, v: _phone(h.phone, v)),
        DrilldownColumn(_("Poverty status"), lambda h, v: h.get_poverty_status_display()),
        DrilldownColumn(_("Main cause"), lambda h, v: h.get_main_cause_display()),
    ],
    ind.CASE: [
        *_person_columns(_of_record),
        DrilldownColumn(_("Disease"), lambda c, v: c.disease.name),
        DrilldownColumn(_("Screening date"), lambda c, v: c.screening_date),
        DrilldownColumn(_("Status"), lambda c, v: c.get_status_display()),
        DrilldownColumn(_("Treatment date"), lambda c, v: c.treatment_date),
    ],
    ind.STAY: [
        *_person_columns(_of_record),
        DrilldownColumn(_("Hospital"), lambda s, v: s.hospital_display),
        DrilldownColumn(_("Discharged"), lambda s, v: s.discharged_on),
        DrilldownColumn(_("Total cost"), lambda s, v: s.total_cost),
        DrilldownColumn(_("Personal payment"), lambda s, v: s.personal_payment),
    ],
    ind.RECORD: [
        *_person_columns(_of_record),
        DrilldownColumn(_("Date"), lambda r, v: r.served_on),
    ],
}


def _unsigned_reasons(persons: list, period: ReportingPeriod) -> list[str]:
    """Why each person is not signed: the reason recorded, or that none is (signing's two
    tables, as the figure counts them)."""
    ids = [p.pk for p in persons]
    signed = set(
        signing.contracts_as_of(period.year, period.as_of)
        .filter(person_id__in=ids)
        .values_list("person_id", flat=True)
    )
    reasons = {
        record.person_id: record.get_reason_display()
        for record in signing.unsigned_records_as_of(period.year, period.as_of).filter(
            person_id__in=ids
        )
    }
    return [
        "" if p.pk in signed else str(reasons.get(p.pk) or _("No reason recorded")) for p in persons
    ]


def _contracts(persons: list, period: ReportingPeriod) -> list[str]:
    contracts = {
        c.person_id: c
        for c in signing.contracts_as_of(period.year, period.as_of).filter(
            person_id__in=[p.pk for p in persons]
        )
    }
    cells = []
    for person in persons:
        contract = contracts.get(person.pk)
        cells.append(
            f"{contract.signed_on:%Y-%m-%d} {contract.get_method_display()}" if contract else ""
        )
    return cells


def _quarters_missed(persons: list, period: ReportingPeriod) -> list[str]:
    """The follow-up quarters of the year missed by the figure's day: signing's follow-up
    engine (``status_from_records``) over the records of the batch, loaded at once."""
    ids = [p.pk for p in persons]
    registrations: dict[int, list] = defaultdict(list)
    for registration in ChronicRegistration.objects.filter(person_id__in=ids).select_related(
        "disease"
    ):
        registrations[registration.person_id].append(registration)
    dates: dict[int, list] = defaultdict(list)
    for person_id, served_on in FulfilmentRecord.objects.filter(
        person_id__in=ids, kind=FulfilmentKind.FOLLOW_UP, served_on__year=period.year
    ).values_list("person_id", "served_on"):
        dates[person_id].append(served_on)
    cells = []
    for person in persons:
        status = followups.status_from_records(
            registrations[person.pk], dates[person.pk], period.end
        )
        missed = [q.quarter.label() for q in status.quarters if q.state == followups.OVERDUE]
        cells.append(
            "、".join(missed) if missed else ("" if not status.is_patient else str(_("None")))
        )
    return cells


def _booklet_states(persons: list, period: ReportingPeriod) -> list[str]:
    """Each special-disease diagnosis with its booklet's state on the day (an expired
    booklet is pending again: ``Booklet.effective_status``)."""
    states: dict[int, list[str]] = defaultdict(list)
    diagnoses = (
        SpecialDiseaseDiagnosis.objects.filter(
            person_id__in=[p.pk for p in persons],
            diagnosed_on__lte=period.as_of,
            disease__is_special_outpatient=True,
        )
        .select_related("disease", "booklet")
        .order_by("diagnosed_on", "pk")
    )
    for diagnosis in diagnoses:
        booklet = signing.booklet_of(diagnosis)
        status = booklet.effective_status(period.as_of) if booklet else BookletStatus.PENDING
        states[diagnosis.person_id].append(
            f"{diagnosis.disease.name}: {BookletStatus(status).label}"
        )
    return ["；".join(states[p.pk]) for p in persons]


def _health_checks(persons: list, period: ReportingPeriod) -> list[str]:
    last = dict(
        HealthCheck.objects.filter(
            person_id__in=[p.pk for p in persons],
            checked_on__gte=period.start,
            checked_on__lte=period.end,
        )
        .values("person_id")
        .annotate(last=Max("checked_on"))
        .values_list("person_id", "last")
    )
    return [f"{last[p.pk]:%Y-%m-%d}" if p.pk in last else "" for p in persons]


BREACH_LABELS = {
    BREACH_DEPOSIT: _("Deposit taken"),
    BREACH_NOT_ONE_STOP: _("Not settled one-stop"),
    BREACH_OVER_CAP: _("Personal share above the cap"),
}


def _stay_breaches(stays: list, period: ReportingPeriod) -> list[str]:
    """A stay's breaches as treatment's rule finds them (``InpatientStay.breaches``)."""
    cap = TreatmentPolicy.for_year(period.year).personal_share_cap
    return ["、".join(str(BREACH_LABELS[b]) for b in stay.breaches(cap)) for stay in stays]


UNSIGNED_REASON = Explanation(_("Reason not signed"), _unsigned_reasons)
CONTRACT = Explanation(_("Contract signed"), _contracts)
QUARTERS_MISSED = Explanation(_("Follow-up quarters missed"), _quarters_missed)
BOOKLETS = Explanation(_("Booklet"), _booklet_states)
HEALTH_CHECK = Explanation(_("Health check"), _health_checks)
BREACHES = Explanation(_("Breaches"), _stay_breaches)

# Person flags (coverage.indicators) and the column that explains a row counted by them.
FLAG_EXPLANATIONS: dict[str, Explanation] = {
    "signed": CONTRACT,
    "e_signed": CONTRACT,
    "chronic": QUARTERS_MISSED,
    "hypertension": QUARTERS_MISSED,
    "diabetes": QUARTERS_MISSED,
    "followup_compliant": QUARTERS_MISSED,
    "special_disease": BOOKLETS,
    "booklet_valid": BOOKLETS,
    "health_checked": HEALTH_CHECK,
}


def explanations(indicator: Indicator, period: ReportingPeriod) -> list[Explanation]:
    """The columns that explain the rows of ``indicator``'s list."""
    counted = ind.REGISTRY[indicator.list_code]
    unit = ind.SOURCES[counted.source].unit
    if unit == ind.STAY:
        return [BREACHES]
    if unit != ind.PERSON:
        return []
    flags = ind.flags_of(counted.condition(period))
    if counted.code.startswith("unsigned"):
        return [UNSIGNED_REASON]
    found: list[Explanation] = []
    for name in flags:
        explanation = FLAG_EXPLANATIONS.get(name)
        if explanation is not None and explanation not in found:
            found.append(explanation)
    return found


def drilldown_headers(indicator: Indicator, period: ReportingPeriod) -> list[str]:
    columns = UNIT_COLUMNS[indicator.unit]
    return [str(c.header) for c in columns] + [
        str(e.header) for e in explanations(indicator, period)
    ]


def drilldown_rows(
    rows: Iterable, *, indicator: Indicator, period: ReportingPeriod, reveal: bool = False
) -> list[DrilldownRow]:
    """One batch of a drill-down's rows (a page, or a chunk of the export) as cells."""
    rows = list(rows)
    unit = indicator.unit
    columns = UNIT_COLUMNS[unit]
    extra = [e.cells(rows, period) for e in explanations(indicator, period)]
    result = []
    for index, row in enumerate(rows):
        if unit == ind.HOUSEHOLD:
            household_id, person_id = row.pk, None
        elif unit == ind.PERSON:
            household_id, person_id = row.household_id, row.pk
        else:
            household_id, person_id = row.person.household_id, row.person_id
        cells = [c.value(row, reveal) for c in columns] + [cells[index] for cells in extra]
        result.append(DrilldownRow(household_id, person_id, cells))
    return result


def drilldown_export_rows(
    rows: QuerySet, *, indicator: Indicator, period: ReportingPeriod, reveal: bool
) -> Iterator[list[Any]]:
    """Every row of a drill-down as export cells, read a chunk at a time."""
    batch: list = []
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        batch.append(row)
        if len(batch) == EXPORT_CHUNK:
            yield from _cells_of(batch, indicator, period, reveal)
            batch = []
    if batch:
        yield from _cells_of(batch, indicator, period, reveal)


EXPORT_CHUNK = 2000


def _cells_of(batch, indicator, period, reveal) -> Iterator[list[Any]]:
    for row in drilldown_rows(batch, indicator=indicator, period=period, reveal=reveal):
        yield row.cells


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


def latest_snapshot_dates(
    *, place: Place, on_or_before: datetime.date | None = None
) -> dict[int, datetime.date | None]:
    """{year: its latest snapshot date} of every year with figures of ``place``, in one query;
    with ``on_or_before``, the latest on or before that day (None when all are later)."""
    latest = Max("date", filter=Q(date__lte=on_or_before)) if on_or_before else Max("date")
    return dict(
        Snapshot.objects.filter(place=place)
        .order_by()
        .values("year")
        .annotate(latest=latest)
        .values_list("year", "latest")
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


def target_year_in_force(year: int) -> int | None:
    """The year whose indicator targets apply in ``year``: its own, else the newest earlier
    year's (the rule of every yearly parameter, docs/domain.md "Policy parameters")."""
    return (
        IndicatorTarget.objects.filter(year__lte=year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


def targets_for_year(year: int) -> dict[str, tuple[Decimal, str]]:
    """{code: (target, "min" | "max")}: another app's policy where it owns the figure,
    otherwise the administrator's indicator targets in force in ``year``."""
    in_force = (
        IndicatorTarget.objects.filter(year__lte=year).order_by("-year").values("year")[:1]
    )  # target_year_in_force as a subquery: one query for the page
    targets = {
        t.code: (t.target, t.direction)
        for t in IndicatorTarget.objects.filter(year=Subquery(in_force))
    }
    looked_up: dict = {}
    for indicator in ind.INDICATORS:
        if indicator.policy_target is not None and indicator.code not in targets:
            found = indicator.policy_target(year, looked_up)
            if found is not None:
                targets[indicator.code] = found
    return targets


def target_met(value, target: tuple[Decimal, str] | None) -> bool | None:
    if value is None or target is None:
        return None
    goal, direction = target
    return value <= goal if direction == "max" else value >= goal
