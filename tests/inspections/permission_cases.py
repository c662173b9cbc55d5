"""Every URL of the inspections app, for the permission matrix (see tests/permissions.py)."""

from __future__ import annotations

import datetime as dt

from tests.inspections.factories import (
    CampaignFactory,
    FindingFactory,
    InspectionGroupFactory,
    image_upload,
)
from tests.permissions import PermissionCase, Target


def _campaign_b(cast):
    """A campaign that inspects township B only."""
    campaign = CampaignFactory(place=cast.county, name="朱口专项督查标记B")
    InspectionGroupFactory(campaign=campaign, places=[cast.township_b])
    return campaign


def campaign_b(cast) -> Target:
    campaign = _campaign_b(cast)
    return Target(kwargs={"pk": campaign.pk}, marker=campaign.name)


def finding_b(cast) -> Target:
    campaign = _campaign_b(cast)
    finding = FindingFactory(
        campaign=campaign,
        township=cast.township_b,
        place=cast.village_b,
        description="朱口村台账缺失标记B",
        found_on=dt.date(2026, 3, 1),
    )
    return Target(kwargs={"pk": finding.pk}, marker=finding.description)


def photo_b(cast) -> Target:
    from inspections import services
    from inspections.models import Finding

    finding = Finding.objects.get(pk=finding_b(cast).kwargs["pk"])
    photo = services.finding_add_photos(
        finding=finding, photos=[image_upload()], actor=cast.county_user
    )[0]
    return Target(kwargs={"pk": photo.pk})


def campaign_b_form(cast) -> Target:
    target = campaign_b(cast)
    return Target(kwargs=target.kwargs, data={"name": "x"})


def group_b(cast) -> Target:
    campaign = _campaign_b(cast)
    return Target(kwargs={"pk": campaign.groups.get().pk})


def campaign_b_listed(cast) -> Target:
    return Target(marker=campaign_b(cast).marker)


def finding_b_listed(cast) -> Target:
    return Target(marker=finding_b(cast).marker)


def person_b(cast) -> Target:
    from tests.households.factories import PersonFactory

    person = PersonFactory(household__village=cast.village_b)
    campaign = _campaign_b(cast)
    return Target(
        data={"source_kind": "unsigned_person", "source_id": person.pk, "campaign": campaign.pk}
    )


CASES = [
    PermissionCase("inspections:campaign_list", "list", campaign_b_listed),
    PermissionCase("inspections:campaign_create", "county_only", methods=("get", "post")),
    PermissionCase("inspections:campaign_detail", "detail", campaign_b),
    PermissionCase("inspections:group_create", "county_only", campaign_b, methods=("get", "post")),
    PermissionCase("inspections:group_edit", "county_only", group_b, methods=("get", "post")),
    PermissionCase(
        "inspections:checklist_item_create", "county_only", campaign_b, methods=("get", "post")
    ),
    PermissionCase("inspections:finding_create", "detail", campaign_b, methods=("get", "post")),
    PermissionCase("inspections:campaign_report", "detail", campaign_b),
    PermissionCase("inspections:campaign_report_xlsx", "detail", campaign_b),
    PermissionCase("inspections:finding_list", "list", finding_b_listed),
    PermissionCase("inspections:finding_detail", "detail", finding_b),
    PermissionCase("inspections:finding_photos_add", "detail", finding_b, methods=("post",)),
    PermissionCase("inspections:photo", "detail", photo_b),
    PermissionCase("inspections:raise_finding", "detail", person_b, methods=("post",)),
    PermissionCase("inspection-campaign-list", "list", campaign_b_listed, api=True),
    PermissionCase("inspection-campaign-detail", "detail", campaign_b, api=True),
    PermissionCase("inspection-finding-list", "list", finding_b_listed, api=True),
    PermissionCase("inspection-finding-detail", "detail", finding_b, api=True),
]
