"""Every URL of the remediation app, for the permission matrix (see tests/permissions.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from remediation import services
from remediation.models import ItemState, ProgressReport, Revisit
from tests.inspections.factories import CampaignFactory, FindingFactory, image_upload
from tests.permissions import PermissionCase, Target
from tests.remediation.factories import ItemFactory

MARKER = "朱口镇整改事项标记B"


def _item_b(cast, **kwargs):
    return ItemFactory(township=cast.township_b, place=cast.village_b, problem=MARKER, **kwargs)


def item_b(cast) -> Target:
    return Target(kwargs={"pk": _item_b(cast).pk}, marker=MARKER)


def item_b_listed(cast) -> Target:
    _item_b(cast, overdue_since=dt.date(2026, 1, 1))
    return Target(kwargs={"kind": "ledger"}, marker=MARKER)


def list_of(kind):
    def make(cast) -> Target:
        _item_b(cast)
        return Target(kwargs={"kind": kind}, marker=MARKER)

    return make


def export_of(kind):
    def make(cast) -> Target:
        _item_b(cast)
        return Target(kwargs={"kind": kind}, marker=MARKER)

    return make


def transition_b(cast) -> Target:
    item = _item_b(cast)
    return Target(
        kwargs={"pk": item.pk}, data={"action": "start", "expected_state": ItemState.ON_LEDGER}
    )


def evidence_b(cast) -> Target:
    item = _item_b(cast)
    services.item_transition(item_id=item.pk, action="start", actor=cast.user_b)
    services.item_transition(
        item_id=item.pk, action="submit", actor=cast.user_b, note="已整改", photos=[image_upload()]
    )
    return Target(kwargs={"pk": item.evidence.get().pk})


def finding_b(cast) -> Target:
    finding = FindingFactory(
        campaign=CampaignFactory(place=cast.county), township=cast.township_b, place=cast.village_b
    )
    return Target(kwargs={"pk": finding.pk})


def accountability_b(cast) -> Target:
    services.accountability_record(
        kind="notice",
        place=cast.township_b,
        held_on=timezone.localdate(),
        reason=MARKER,
        actor=cast.county_user,
    )
    return Target(marker=MARKER)


def report(cast) -> Target:
    report = services.progress_report_build(
        kind=ProgressReport.Kind.WEEKLY, county_id=cast.county.pk
    )
    return Target(kwargs={"pk": report.pk})


def reports_listed(cast) -> Target:
    _item_b(cast)
    services.progress_report_build(kind=ProgressReport.Kind.WEEKLY, county_id=cast.county.pk)
    return Target(marker=cast.county.name)


def revisit_b(cast) -> Target:
    item = _item_b(cast, state=ItemState.CLOSED, closed_at=timezone.now())
    revisit = Revisit.objects.create(item=item, due_on=timezone.localdate())
    return Target(
        kwargs={"pk": revisit.pk}, marker=MARKER, data={"recurred": "0", "note": "巩固良好"}
    )


def revisits_listed(cast) -> Target:
    return Target(marker=revisit_b(cast).marker)


CASES = [
    PermissionCase("remediation:home", "list", lambda cast: Target(marker=_item_b(cast).problem)),
    *[
        PermissionCase("remediation:item_list", "list", list_of(k))
        for k in ("problems", "responsibilities", "tasks")
    ],
    PermissionCase("remediation:item_list", "list", item_b_listed),
    PermissionCase("remediation:item_list_xlsx", "list", export_of("ledger")),
    PermissionCase("remediation:item_create", "county_only", methods=("get", "post")),
    PermissionCase(
        "remediation:item_create_from_finding", "county_only", finding_b, methods=("get", "post")
    ),
    PermissionCase("remediation:item_detail", "detail", item_b),
    PermissionCase("remediation:item_transition", "detail", transition_b, methods=("post",)),
    PermissionCase("remediation:evidence", "detail", evidence_b),
    PermissionCase("remediation:accountability_list", "list", accountability_b),
    PermissionCase("remediation:accountability_xlsx", "list", accountability_b),
    PermissionCase("remediation:accountability_create", "county_only", methods=("get", "post")),
    PermissionCase("remediation:report_list", "list", reports_listed),
    PermissionCase("remediation:report_detail", "detail", report),
    PermissionCase("remediation:report_xlsx", "detail", report),
    PermissionCase("remediation:revisit_list", "list", revisits_listed),
    PermissionCase("remediation:revisit_complete", "county_only", revisit_b, methods=("post",)),
    PermissionCase(
        "remediation-item-list", "list", lambda cast: Target(marker=_item_b(cast).problem), api=True
    ),
    PermissionCase("remediation-item-detail", "detail", item_b, api=True),
    PermissionCase(
        "remediation-item-transition", "detail", transition_b, methods=("post",), api=True
    ),
]
