"""Factories of the inspections app."""

import datetime as dt
import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from inspections.models import Campaign, ChecklistItem, Finding, InspectionGroup
from tests.factories import CountyFactory, UserFactory


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"健康扶贫成果后评估排查{n}")
    kind = Campaign.Kind.POST_ASSESSMENT
    document_number = "泰卫健〔2026〕12号"
    starts_on = dt.date(2026, 1, 1)
    # Still running whenever the suite runs: an inspector's access ends with the campaign.
    ends_on = factory.LazyFunction(lambda: max(dt.date(2026, 12, 31), dt.date.today()))
    place = factory.SubFactory(CountyFactory)
    starting_score = Decimal("100")


class InspectionGroupFactory(DjangoModelFactory):
    class Meta:
        model = InspectionGroup
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"第{n}督查组")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)

    @factory.post_generation
    def places(self, create, extracted, **kwargs):
        if create and extracted:
            self.places.set(extracted)


class ChecklistItemFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "未按规定落实县域内一站式结算"
    deduction = Decimal("0.2")


class FindingFactory(DjangoModelFactory):
    class Meta:
        model = Finding

    campaign = factory.SubFactory(CampaignFactory)
    place = factory.LazyAttribute(lambda o: o.township)
    township = None
    checklist_item = None
    category = "ledger_incomplete"
    description = factory.Sequence(lambda n: f"台账不健全{n}")
    person_times = 1
    found_on = dt.date(2026, 3, 1)
    inspector = factory.SubFactory(UserFactory, role="inspector")


def image_upload(name="photo.jpg", size=(64, 48), fmt="JPEG", exif=None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")
