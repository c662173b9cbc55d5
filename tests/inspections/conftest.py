import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from tests.inspections.factories import (
    CampaignFactory,
    ChecklistItemFactory,
    InspectionGroupFactory,
)


@pytest.fixture(autouse=True)
def _media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield


@pytest.fixture
def campaign(county):
    return CampaignFactory(
        place=county,
        starts_on=dt.date(2026, 1, 1),
        # Still running whenever the suite runs: an inspector's access ends with the campaign.
        ends_on=max(dt.date(2026, 12, 31), dt.date.today()),
    )


@pytest.fixture
def group_a(campaign, inspector, township_a):
    """The inspector's group inspects township A only."""
    return InspectionGroupFactory(
        campaign=campaign, name="第一督查组", members=[inspector], places=[township_a]
    )


@pytest.fixture
def one_stop_item(campaign):
    return ChecklistItemFactory(campaign=campaign, number=1, deduction=Decimal("0.2"))
