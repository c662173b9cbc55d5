"""Every URL of the coverage app, for the permission matrix (see tests/permissions.py)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.permissions import PermissionCase, Target


def township_b(cast) -> Target:
    return Target(kwargs={"pk": cast.township_b.pk}, query={"year": "2018", "as_of": "2018-06-04"})


def drilldown_b(cast) -> Target:
    return Target(
        kwargs={"pk": cast.township_b.pk, "code": "roster_persons"},
        query={"year": "2018", "as_of": "2018-06-04"},
    )


def form_b(cast) -> Target:
    return Target(kwargs={"pk": cast.township_b.pk, "slug": "work"}, query={"year": "2018"})


def _snapshot_b(cast):
    from coverage.models import Snapshot

    return Snapshot.objects.create(
        date=datetime.date(2018, 6, 4),
        year=2018,
        place=cast.village_b,
        code="signed",
        value=7,
        computed_at=timezone.now(),
    )


def snapshot_b(cast) -> Target:
    return Target(kwargs={"pk": _snapshot_b(cast).pk})


def snapshots_listed(cast) -> Target:
    _snapshot_b(cast)
    return Target(marker=cast.village_b.name)


def run(cast) -> Target:
    from coverage.models import RecomputeRun

    return Target(
        kwargs={"pk": RecomputeRun.objects.create(year=2018, as_of=datetime.date(2018, 6, 4)).pk}
    )


def recompute(cast) -> Target:
    return Target(data={"year": "2018", "as_of": "2018-06-04"})


CASES = [
    PermissionCase("coverage:dashboard", "own"),
    PermissionCase("coverage:place", "detail", township_b),
    PermissionCase("coverage:drilldown", "detail", drilldown_b),
    PermissionCase("coverage:drilldown_xlsx", "detail", drilldown_b, ("get", "post")),
    PermissionCase("coverage:form", "detail", form_b),
    PermissionCase("coverage:form_xlsx", "detail", form_b),
    PermissionCase("coverage:recompute", "county_only", recompute, methods=("post",)),
    PermissionCase("coverage:run", "county_only", run),
    PermissionCase("coverage-indicator-list", "own", api=True),
    PermissionCase("coverage-place-figures", "detail", township_b, api=True),
    PermissionCase("coverage-snapshot-list", "list", snapshots_listed, api=True),
    PermissionCase("coverage-snapshot-detail", "detail", snapshot_b, api=True),
]
