from collections import Counter

import pytest

from healthpov.places.demo import build_places
from households.demo import build_demo, demo_persons
from households.idnumber import parse_resident_id
from households.models import Household, Person, PersonStatus, PovertyStatus


@pytest.fixture
def demo_county(db):
    county = build_places()
    build_demo(county)
    return county


def test_demo_has_the_seed_totals(demo_county):
    assert Person.objects.count() == 4972
    assert Household.objects.count() == 1601


def test_demo_not_out_persons_per_township_match_seed_000(demo_county):
    not_out = Person.objects.filter(household__poverty_status=PovertyStatus.NOT_OUT)
    per_township = Counter(not_out.values_list("household__township__name", flat=True))
    assert dict(per_township) == {
        "杉城镇": 23, "朱口镇": 12, "龙湖镇": 20, "上青乡": 4, "下渠乡": 27,
        "开善乡": 12, "梅口乡": 7, "大龙乡": 10, "龙安乡": 3,
    }  # fmt: skip
    assert Household.objects.filter(poverty_status=PovertyStatus.NOT_OUT).count() == 41


def test_demo_ids_are_valid_and_agree_with_sex_and_birth(demo_county):
    for number, sex, birth in Person.objects.values_list("id_number", "sex", "birth_date")[:500]:
        parsed = parse_resident_id(number)
        assert (parsed.sex, parsed.birth_date) == (sex, birth)


def test_demo_statuses_match_the_unsigned_reasons(demo_county):
    counts = Counter(Person.objects.values_list("status", flat=True))
    assert counts[PersonStatus.DIED] == 33
    assert counts[PersonStatus.AWAY] == 49
    assert counts[PersonStatus.NORMAL] == 4878


def test_demo_is_idempotent_and_deterministic(demo_county):
    first = list(demo_persons(demo_county).values_list("id_number", "name")[:50])
    build_demo(demo_county)
    assert Person.objects.count() == 4972
    Person.objects.all().delete()
    Household.objects.all().delete()
    build_demo(demo_county)
    assert list(demo_persons(demo_county).values_list("id_number", "name")[:50]) == first
