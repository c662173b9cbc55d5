"""The demo registry. Building it takes a few seconds, so it is built twice in all."""

import hashlib
from collections import Counter

import pytest

from healthpov.places.demo import build_places
from households.demo import build_demo, demo_persons
from households.idnumber import parse_resident_id
from households.models import Household, Person, PersonStatus, PovertyStatus

# sha256 of repr(list of (id_number, name) ordered by id_number), first 16 hex digits.
FINGERPRINT = "10fc96453062b3fa"


@pytest.fixture
def demo_county(db):
    county = build_places()
    build_demo(county)
    return county


def test_demo_matches_seed_000(demo_county):
    assert Person.objects.count() == 4972
    assert Household.objects.count() == 1601
    not_out = Person.objects.filter(household__poverty_status=PovertyStatus.NOT_OUT)
    assert dict(Counter(not_out.values_list("household__township__name", flat=True))) == {
        "杉城镇": 23, "朱口镇": 12, "龙湖镇": 20, "上青乡": 4, "下渠乡": 27,
        "开善乡": 12, "梅口乡": 7, "大龙乡": 10, "龙安乡": 3,
    }  # fmt: skip
    assert Household.objects.filter(poverty_status=PovertyStatus.NOT_OUT).count() == 41
    statuses = Counter(Person.objects.values_list("status", flat=True))
    assert (
        statuses[PersonStatus.DIED],
        statuses[PersonStatus.AWAY],
        statuses[PersonStatus.NORMAL],
    ) == (33, 49, 4878)
    for number, sex, birth in Person.objects.values_list("id_number", "sex", "birth_date")[:500]:
        assert (parse_resident_id(number).sex, parse_resident_id(number).birth_date) == (sex, birth)


def test_demo_is_idempotent_and_deterministic(demo_county):
    build_demo(demo_county)
    assert Person.objects.count() == 4972
    persons = list(demo_persons(demo_county).values_list("id_number", "name"))
    assert hashlib.sha256(repr(persons).encode()).hexdigest()[:16] == FINGERPRINT
