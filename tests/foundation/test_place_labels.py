"""Places are shown by their label, so two villages of the same name can be told apart."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthpov.places.forms import PlaceChoiceField
from healthpov.places.models import Place, label_places
from tests.factories import CountyFactory, TownshipFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_longhu_villages():
    county = CountyFactory(name="宁化县")
    shancheng = TownshipFactory(name="杉城镇", parent=county)
    cuijiang = TownshipFactory(name="翠江镇", parent=county)
    return (
        VillageFactory(name="龙湖村", parent=shancheng),
        VillageFactory(name="龙湖村", parent=cuijiang),
    )


def test_a_village_is_labelled_with_its_township(two_longhu_villages):
    assert [v.label for v in two_longhu_villages] == ["杉城镇·龙湖村", "翠江镇·龙湖村"]


def test_a_township_and_a_county_are_labelled_by_their_name(two_longhu_villages):
    township = two_longhu_villages[0].parent
    assert (township.label, township.parent.label) == ("杉城镇", "宁化县")


def test_labelling_many_places_reads_their_ancestors_in_one_query(two_longhu_villages):
    with CaptureQueriesContext(connection) as queries:
        labels = [p.label for p in label_places(Place.objects.filter(level=Place.Level.VILLAGE))]
    assert len(queries) == 2
    assert sorted(labels) == ["杉城镇·龙湖村", "翠江镇·龙湖村"]


def test_a_place_picker_offers_labels(two_longhu_villages):
    field = PlaceChoiceField(queryset=Place.objects.filter(level=Place.Level.VILLAGE))
    assert [label for _value, label in field.choices][1:] == ["杉城镇·龙湖村", "翠江镇·龙湖村"]


def test_villages_read_with_their_townships_need_no_query_for_labels(two_longhu_villages):
    villages = list(Place.objects.filter(level=Place.Level.VILLAGE).select_related("parent"))
    with CaptureQueriesContext(connection) as queries:
        label_places(villages)
    assert len(queries) == 0
