import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from inspections import services
from inspections.models import Campaign, Finding, FindingPhoto
from tests.inspections.factories import ChecklistItemFactory, image_upload

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("inspections.services.timezone.localdate", lambda: TODAY)


def record(campaign, actor, place, **kwargs):
    defaults = {"description": "未落实先诊疗后付费", "found_on": TODAY, "category": "other"}
    defaults.update(kwargs)
    return services.finding_create(campaign=campaign, place=place, actor=actor, **defaults)


def test_inspector_records_finding_with_photo_in_own_group(
    campaign, group_a, inspector, village_a, one_stop_item
):
    finding = record(
        campaign,
        inspector,
        village_a,
        checklist_item=one_stop_item,
        category="",
        person_times=3,
        photos=[image_upload()],
    )
    assert finding.township == village_a.parent
    assert finding.group == group_a
    assert finding.photos.count() == 1


def test_inspector_outside_group_is_refused_and_nothing_saved(
    campaign, group_a, inspector, village_b
):
    with pytest.raises(ValidationError, match=r"督查组|inspection group"):
        record(campaign, inspector, village_b, photos=[image_upload()])
    assert Finding.objects.count() == 0
    assert FindingPhoto.objects.count() == 0


def test_inspector_of_another_campaign_is_refused(county, group_a, inspector, township_a):
    other = Campaign.objects.create(
        name="另一次督导", kind="supervision", starts_on=TODAY, ends_on=TODAY, place=county
    )
    with pytest.raises(ValidationError):
        record(other, inspector, township_a)


def test_non_image_photo_saves_nothing(campaign, group_a, inspector, township_a):
    fake = SimpleUploadedFile("evidence.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    with pytest.raises(ValidationError) as info:
        record(campaign, inspector, township_a, photos=[image_upload(), fake])
    assert "photos" in info.value.message_dict
    assert Finding.objects.count() == 0
    assert FindingPhoto.objects.count() == 0


@override_settings(EVIDENCE_PHOTO_MAX_BYTES=2000)
def test_oversized_photo_saves_nothing(campaign, group_a, inspector, township_a):
    with pytest.raises(ValidationError):
        record(campaign, inspector, township_a, photos=[image_upload(size=(900, 900))])
    assert Finding.objects.count() == 0


def test_item_of_another_campaign_is_refused(county, campaign, county_user, township_a):
    other = Campaign.objects.create(
        name="x", kind="supervision", starts_on=TODAY, ends_on=TODAY, place=county
    )
    foreign = ChecklistItemFactory(campaign=other)
    with pytest.raises(ValidationError) as info:
        record(campaign, county_user, township_a, checklist_item=foreign, category="")
    assert "checklist_item" in info.value.message_dict


def test_item_or_category_is_required(campaign, county_user, township_a):
    with pytest.raises(ValidationError) as info:
        record(campaign, county_user, township_a, category="")
    assert "checklist_item" in info.value.message_dict


def test_county_cannot_record_at_county_level(campaign, county_user, county):
    with pytest.raises(ValidationError):
        record(campaign, county_user, county)


def test_township_staff_may_not_record_in_supervision(campaign, user_a, township_a):
    with pytest.raises(ValidationError):
        record(campaign, user_a, township_a)


def test_township_staff_records_in_own_self_check(county, user_a, township_a):
    self_check = Campaign.objects.create(
        name="自查", kind="self_check", starts_on=TODAY, ends_on=TODAY, place=county
    )
    assert record(self_check, user_a, township_a).pk


def test_future_date_is_refused(campaign, county_user, township_a):
    with pytest.raises(ValidationError) as info:
        record(campaign, county_user, township_a, found_on=TODAY + dt.timedelta(days=1))
    assert "found_on" in info.value.message_dict


def test_group_members_must_be_inspectors(campaign, county_user, user_a, township_a):
    with pytest.raises(ValidationError):
        services.group_save(
            campaign=campaign, name="g", members=[user_a], places=[township_a], actor=county_user
        )


def test_group_save_by_township_staff_is_refused(campaign, user_a, township_a):
    with pytest.raises(PermissionError):
        services.group_save(
            campaign=campaign, name="g", members=[], places=[township_a], actor=user_a
        )


def test_same_source_raised_twice_is_refused(campaign, county_user, township_a):
    record(campaign, county_user, township_a, source_kind="person", source_id=7)
    with pytest.raises(ValidationError):
        record(campaign, county_user, township_a, source_kind="person", source_id=7)
    assert Finding.objects.count() == 1
