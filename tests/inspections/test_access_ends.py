"""Access through an inspection group ends with its campaign, after a grace period."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from households.models import Household
from tests.households.factories import HouseholdFactory
from tests.inspections.factories import CampaignFactory, InspectionGroupFactory


def group_ended_days_ago(days: int, *, inspector, county, place):
    ended = timezone.localdate() - timedelta(days=days)
    campaign = CampaignFactory(place=county, starts_on=ended - timedelta(days=60), ends_on=ended)
    return InspectionGroupFactory(campaign=campaign, members=[inspector], places=[place])


def test_grace_setting_defaults_to_thirty_days():
    assert settings.INSPECTION_ACCESS_GRACE_DAYS == 30


@pytest.mark.parametrize(("days_ago", "sees"), [(0, True), (30, True), (31, False), (700, False)])
def test_inspector_sees_a_campaigns_places_until_grace_has_passed(
    client, inspector, county, village_a, days_ago, sees
):
    group_ended_days_ago(days_ago, inspector=inspector, county=county, place=village_a)
    household = HouseholdFactory(village=village_a)
    client.force_login(inspector)

    response = client.get(reverse("households:household_detail", args=[household.pk]))

    assert response.status_code == (200 if sees else 404)
    assert Household.objects.visible_to(inspector).exists() is sees


def test_a_current_group_still_opens_its_places(client, inspector, county, village_a, village_b):
    group_ended_days_ago(400, inspector=inspector, county=county, place=village_a)
    group_ended_days_ago(-10, inspector=inspector, county=county, place=village_b)

    HouseholdFactory(village=village_a)
    HouseholdFactory(village=village_b)
    visible = set(Household.objects.visible_to(inspector).values_list("village", flat=True))

    assert visible == {village_b.pk}
