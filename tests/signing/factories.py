"""Factories of the signing app (households and persons come from the registry's)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from households.models import RosterEntry
from signing.models import (
    Booklet,
    ChronicKind,
    ChronicRegistration,
    Contract,
    Disease,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SpecialDiseaseDiagnosis,
    Team,
    UnsignedReason,
    UnsignedRecord,
)
from tests.factories import InstitutionFactory
from tests.households.factories import HouseholdFactory, PersonFactory

__all__ = ["HouseholdFactory", "PersonFactory"]  # re-exported for the signing tests


class DiseaseFactory(DjangoModelFactory):
    class Meta:
        model = Disease
        django_get_or_create = ("year", "name")

    year = 2018
    name = factory.Sequence(lambda n: f"病种{n}")


def hypertension(year: int = 2018) -> Disease:
    return DiseaseFactory(
        year=year,
        name="高血压",
        is_key_chronic=True,
        is_special_outpatient=True,
        chronic_kind=ChronicKind.HYPERTENSION,
    )


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"签约团队{n}")
    institution = factory.SubFactory(InstitutionFactory)
    lead_doctor_name = "李医生"


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract

    person = factory.SubFactory(PersonFactory)
    year = 2018
    signed_on = datetime.date(2018, 3, 1)
    valid_until = datetime.date(2018, 12, 31)


class UnsignedRecordFactory(DjangoModelFactory):
    class Meta:
        model = UnsignedRecord

    person = factory.SubFactory(PersonFactory)
    year = 2018
    reason = UnsignedReason.AWAY
    recorded_on = datetime.date(2018, 3, 1)
    contact_note = "电话联系未接通"


class ChronicRegistrationFactory(DjangoModelFactory):
    class Meta:
        model = ChronicRegistration

    person = factory.SubFactory(PersonFactory)
    disease = factory.LazyFunction(hypertension)
    diagnosed_on = datetime.date(2017, 5, 1)


class FulfilmentFactory(DjangoModelFactory):
    class Meta:
        model = FulfilmentRecord

    person = factory.SubFactory(PersonFactory)
    kind = FulfilmentKind.FOLLOW_UP
    served_on = datetime.date(2018, 2, 1)


class HealthCheckFactory(DjangoModelFactory):
    class Meta:
        model = HealthCheck

    person = factory.SubFactory(PersonFactory)
    checked_on = datetime.date(2018, 4, 1)
    summary = "未见明显异常"


class DiagnosisFactory(DjangoModelFactory):
    class Meta:
        model = SpecialDiseaseDiagnosis

    person = factory.SubFactory(PersonFactory)
    disease = factory.LazyFunction(
        lambda: DiseaseFactory(name="冠心病", is_special_outpatient=True)
    )
    diagnosed_on = datetime.date(2016, 1, 1)


class BookletFactory(DjangoModelFactory):
    class Meta:
        model = Booklet

    diagnosis = factory.SubFactory(DiagnosisFactory)


class RosterEntryFactory(DjangoModelFactory):
    class Meta:
        model = RosterEntry

    person = factory.SubFactory(PersonFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
