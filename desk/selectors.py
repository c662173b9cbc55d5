"""What the home pages show: today's work lists with their sizes, and the caller's places.

Every count is the ``count()`` of the selector behind the list its tile links to (the signing
work lists, the remediation lists, the coverage drill-downs), so a tile and its list cannot
disagree; the morning reminder (:mod:`desk.reminders`) counts with the same entries.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coverage import indicators
from coverage import selectors as coverage_selectors
from healthpov.accounts.models import User
from healthpov.period import ReportingPeriod
from healthpov.places.models import Place
from healthpov.places.scoping import places_visible_to
from households.models import Household, Person
from inspections.models import InspectionGroup
from remediation import selectors as remediation_selectors
from remediation.models import ItemState
from signing import followups
from signing import selectors as signing_selectors
from signing.selectors import ListFilters
from treatment.selectors import cases_without_recent_call

# --- today's work --------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCount:
    """One work list: its label, how many rows it holds for a user, and where it is."""

    key: str
    label: Any
    count: Callable[[User, ReportingPeriod], int]
    url: Callable[[], str]
    urgent: bool = False  # overdue work: shown in red when there is any


@dataclass(frozen=True)
class Tile:
    key: str
    label: Any
    count: int
    url: str
    urgent: bool = False


def _url(name: str, *args: Any, **query: Any) -> Callable[[], str]:
    def url() -> str:
        return reverse(name, args=args) + (f"?{urlencode(query)}" if query else "")

    return url


def _signing(slug: str, query: Callable[..., QuerySet], state: str = "", **rest: Any) -> dict:
    """A signing work list (``signing.views.WORKLISTS[slug]``), optionally one state of it."""
    extra = {"state": state} if state else {}
    return {
        "count": lambda user, period: query(user, period, ListFilters(state=state)).count(),
        "url": _url("signing:worklist", slug, **extra),
        **rest,
    }


def _remediation(filters: dict, **rest: Any) -> dict:
    """The remediation ledger filtered as its filter form would (``remediation.forms``)."""
    query = {key: "on" if value is True else value for key, value in filters.items()}
    return {
        "count": lambda user, period: remediation_selectors.items_for(user, filters).count(),
        "url": _url("remediation:item_list", "ledger", **query),
        **rest,
    }


def _followups(user: User, period: ReportingPeriod, filters: ListFilters) -> QuerySet:
    return signing_selectors.followups_due(user, period.year, period.as_of, filters)


WORK_COUNTS: dict[str, WorkCount] = {
    item.key: item
    for item in [
        WorkCount(
            key="households_to_visit",
            label=_("households to visit"),
            **_signing(
                "visits",
                lambda user, period, f: signing_selectors.households_to_visit(
                    user, period.year, period.as_of, f
                ),
            ),
        ),
        WorkCount(
            key="followups_due", label=_("follow-ups due"), **_signing("followups", _followups)
        ),
        WorkCount(
            key="followups_due_soon",
            label=_("follow-ups due within 7 days"),
            **_signing("followups", _followups, followups.DUE_SOON),
        ),
        WorkCount(
            key="followups_overdue",
            label=_("follow-ups overdue"),
            urgent=True,
            **_signing("followups", _followups, followups.OVERDUE),
        ),
        WorkCount(
            key="contracts_expiring",
            label=_("contracts expiring"),
            **_signing(
                "expiring",
                lambda user, period, f: signing_selectors.contracts_expiring(
                    user, period.year, period.as_of, f
                ),
            ),
        ),
        WorkCount(
            key="booklets_to_handle",
            label=_("booklets to handle"),
            **_signing(
                "booklets",
                lambda user, period, f: signing_selectors.booklets_to_handle(
                    user, period.year, period.as_of, f
                ),
            ),
        ),
        WorkCount(
            key="health_checks_missing",
            label=_("health checks missing"),
            **_signing(
                "health-checks",
                lambda user, period, f: signing_selectors.health_checks_missing(
                    user, period.year, period.as_of, f
                ),
            ),
        ),
        WorkCount(
            key="unsigned_without_reason",
            label=_("unsigned without a reason"),
            **_signing(
                "unsigned",
                lambda user, period, f: signing_selectors.unsigned_without_reason(
                    user, period.year, period.as_of, f
                ),
            ),
        ),
        WorkCount(
            key="cases_without_call",
            label=_("major-illness cases without a call for 90 days"),
            count=lambda user, period: cases_without_recent_call(user, as_of=period.as_of).count(),
            url=_url("treatment:no_call_list"),
        ),
        WorkCount(
            key="remediation_due_soon",
            label=_("remediation items due within 7 days"),
            **_remediation({"due_soon": True}),
        ),
        WorkCount(
            key="remediation_overdue",
            label=_("remediation items overdue"),
            urgent=True,
            **_remediation({"overdue": True}),
        ),
        WorkCount(
            key="remediation_awaiting_verification",
            label=_("remediation items awaiting verification"),
            **_remediation({"state": ItemState.SUBMITTED}),
        ),
    ]
}

VILLAGE_DOCTOR_WORK = ["households_to_visit", "followups_due_soon", "followups_overdue"]
TOWNSHIP_WORK = [
    *VILLAGE_DOCTOR_WORK,
    "unsigned_without_reason",
    "booklets_to_handle",
    "health_checks_missing",
    "remediation_due_soon",
    "remediation_overdue",
]
COUNTY_WORK = ["remediation_awaiting_verification", "remediation_overdue"]


def work_tiles(user: User, keys: list[str], period: ReportingPeriod) -> list[Tile]:
    """The tiles of ``keys`` for ``user``: one ``COUNT`` query each (the follow-up lists add
    the year's policy and the key chronic diseases)."""
    return [
        Tile(item.key, item.label, item.count(user, period), item.url(), item.urgent)
        for item in (WORK_COUNTS[key] for key in keys)
    ]


@dataclass(frozen=True)
class TownshipTile:
    township: Place
    count: int
    url: str


def overdue_items_by_township(user: User) -> list[TownshipTile]:
    """Overdue remediation items per township, most first (one grouped query); each links to
    the ledger filtered to that township's overdue items. Items of the county itself (no
    township) count only in the overdue tile."""
    filters = {"overdue": True}
    rows = (
        remediation_selectors.items_for(user, filters)
        .filter(township__isnull=False)
        .order_by()
        .values("township")
        .annotate(n=Count("pk"))
    )
    counts = {row["township"]: row["n"] for row in rows}
    townships = Place.objects.filter(pk__in=counts).order_by("path")
    tiles = [
        TownshipTile(
            township,
            counts[township.pk],
            _url("remediation:item_list", "ledger", overdue="on", township=township.pk)(),
        )
        for township in townships
    ]
    return sorted(tiles, key=lambda tile: -tile.count)


@dataclass(frozen=True)
class IndicatorGap:
    indicator: indicators.Indicator
    value: Decimal | None
    target: Decimal
    direction: str
    url: str


def indicators_below_target(
    place: Place | None, period: ReportingPeriod
) -> tuple[datetime.date | None, list[IndicatorGap]]:
    """``place``'s indicators that miss the year's target, read as the dashboard reads them:
    the latest snapshot of ``period``'s year and the year's targets. Each links to the
    drill-down of the snapshot's date. Returns (snapshot date or None, gaps)."""
    if place is None:
        return None, []
    date = coverage_selectors.latest_snapshot_date(year=period.year, place=place)
    if date is None:
        return None, []
    values = coverage_selectors.snapshot_values(year=period.year, date=date, places=[place])
    own = values.get(place.pk, {})
    targets = coverage_selectors.targets_for_year(period.year)
    gaps = []
    for indicator in indicators.INDICATORS:
        target = targets.get(indicator.code)
        value = own.get(indicator.code)
        if coverage_selectors.target_met(value, target) is not False:
            continue
        gaps.append(
            IndicatorGap(
                indicator=indicator,
                value=value,
                target=target[0],
                direction=target[1],
                url=_url(
                    "coverage:drilldown",
                    place.pk,
                    indicator.code,
                    year=period.year,
                    as_of=date.isoformat(),
                )(),
            )
        )
    return date, gaps


# --- the caller's places -------------------------------------------------------------------


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
