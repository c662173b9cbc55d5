import datetime
from collections import Counter

import pytest
from django.db.models import Q

from healthpov.places.demo import build_places
from households import demo as households_demo
from households.demo import DemoCalendar
from households.models import Person
from signing import demo, followups
from signing.models import (
    Booklet,
    BookletStatus,
    ChronicKind,
    ChronicRegistration,
    Contract,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SignMethod,
    SpecialDiseaseDiagnosis,
    UnsignedRecord,
)

SEED = DemoCalendar.seed()  # 2018 as of 2018-06-04
AS_OF = datetime.date(2018, 6, 4)


@pytest.fixture
def demo_county(db):
    county = build_places()
    households_demo.build_demo(county, SEED)
    demo.build_demo(county, SEED)
    return county


def e_signed_with(kind):
    patients = ChronicRegistration.objects.filter(disease__chronic_kind=kind).values("person")
    return Contract.objects.filter(
        year=2018, method=SignMethod.ELECTRONIC, person__in=patients
    ).count()


def test_demo_matches_seed_000(demo_county):
    assert Contract.objects.filter(year=2018).count() == 4878
    reasons = Counter(UnsignedRecord.objects.filter(year=2018).values_list("reason", flat=True))
    assert reasons == {"away": 49, "died": 33, "moved": 2, "missing": 6, "married": 4}
    electronic = Contract.objects.filter(year=2018, method=SignMethod.ELECTRONIC)
    assert electronic.count() == 2069
    assert electronic.filter(person__birth_date__year__lte=1953).count() == 541
    assert e_signed_with(ChronicKind.HYPERTENSION) == 287
    assert e_signed_with(ChronicKind.DIABETES) == 47
    checked = HealthCheck.objects.filter(checked_on__year=2018, checked_on__lte=AS_OF)
    assert checked.values("person").distinct().count() == 1755
    assert SpecialDiseaseDiagnosis.objects.values("person").distinct().count() == 925
    valid = Booklet.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=AS_OF),
        status=BookletStatus.ISSUED,
        issued_on__lte=AS_OF,
    )
    assert valid.values("diagnosis__person").distinct().count() == 703
    brochures = FulfilmentRecord.objects.filter(
        kind=FulfilmentKind.BROCHURE, served_on__year=2018, served_on__lte=AS_OF
    )
    assert brochures.count() == 2246
    assert not FulfilmentRecord.objects.filter(served_on__gt=AS_OF).exists()
    assert not Contract.objects.filter(signed_on__gt=AS_OF).exists()
    patients = followups.chronic_patients(Person.objects.all(), AS_OF)
    assert 0 < patients.filter(followup_overdue=False).count() < patients.count()


def test_demo_runs_twice_without_changes(demo_county):
    before = (Contract.objects.count(), FulfilmentRecord.objects.count(), Booklet.objects.count())
    demo.build_demo(demo_county, SEED)
    after = (Contract.objects.count(), FulfilmentRecord.objects.count(), Booklet.objects.count())
    assert before == after
