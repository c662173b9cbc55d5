"""Factories for treatment records (and the registry rows they hang on)."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from households.models import Household, Person, Relation, RosterEntry, Sex
from signing.models import Disease
from tests.factories import VillageFactory
from treatment.models import CaseStatus, FollowUpCall, InpatientStay, MajorIllnessCase

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_id_number(n: int, birth: str = "19600101") -> str:
    """A GB 11643 resident ID with a correct check digit (region 350429, Taining)."""
    body = f"350429{birth}{n % 1000:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    return body + check


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"T35042900{n:05d}")
    village = factory.SubFactory(VillageFactory)
    township = factory.LazyAttribute(lambda o: o.village.parent)
    head_name = factory.Sequence(lambda n: f"户主{n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    id_number = factory.Sequence(lambda n: valid_id_number(n, birth=f"19{50 + n // 1000 % 50}0101"))
    name = factory.Sequence(lambda n: f"病人{n}")
    sex = Sex.MALE
    birth_date = factory.LazyAttribute(
        lambda o: datetime.date(
            int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14])
        )
    )
    household = factory.SubFactory(HouseholdFactory)
    relation = Relation.HEAD

    @factory.post_generation
    def roster_year(obj, create, extracted, **kwargs):
        """On the 2018 roster unless told another year (``roster_year=False``: on none): the
        year's figures count only stays and cases of roster persons."""
        if create and extracted is not False:
            RosterEntry.objects.create(person=obj, year=extracted or 2018)


class MajorDiseaseFactory(DjangoModelFactory):
    class Meta:
        model = Disease
        django_get_or_create = ("year", "name")

    year = 2018
    name = "终末期肾病"
    is_major_illness = True


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = MajorIllnessCase

    person = factory.SubFactory(PersonFactory)
    disease = factory.SubFactory(MajorDiseaseFactory)
    year = factory.LazyAttribute(lambda o: o.disease.year)
    screening_date = datetime.date(2018, 1, 10)
    hospital_name = "三明市第一医院"
    status = CaseStatus.SCREENED


class CallFactory(DjangoModelFactory):
    class Meta:
        model = FollowUpCall

    case = factory.SubFactory(CaseFactory)
    called_on = datetime.date(2018, 3, 1)
    caller_name = "陈医生"
    note = "电话回访"


class StayFactory(DjangoModelFactory):
    """10,000 yuan: 6,000 basic, 2,000 critical, 1,000 assistance, 500 supplementary, 500 own."""

    class Meta:
        model = InpatientStay

    person = factory.SubFactory(PersonFactory)
    hospital_name = "泰宁县总医院"
    in_county = True
    admitted_on = datetime.date(2018, 3, 1)
    discharged_on = datetime.date(2018, 3, 10)
    total_cost = Decimal("10000.00")
    policy_cost = Decimal("9500.00")
    basic_insurance = Decimal("6000.00")
    critical_insurance = Decimal("2000.00")
    medical_assistance = Decimal("1000.00")
    supplementary_insurance = Decimal("500.00")
    personal_payment = Decimal("500.00")
    deposit_taken = False
    one_stop = True
