"""Factories for the places, institutions and users every test starts from.

App-specific factories live in ``tests/<app>/factories.py``.
"""

import factory
from factory.django import DjangoModelFactory

from healthpov.accounts.models import User
from healthpov.places.models import Institution, Place


class PlaceFactory(DjangoModelFactory):
    class Meta:
        model = Place
        django_get_or_create = ("name", "parent")

    name = factory.Sequence(lambda n: f"地点{n}")
    level = Place.Level.COUNTY
    parent = None


class CountyFactory(PlaceFactory):
    name = "测试县"
    level = Place.Level.COUNTY


class TownshipFactory(PlaceFactory):
    name = factory.Sequence(lambda n: f"第{n}镇")
    level = Place.Level.TOWNSHIP
    parent = factory.SubFactory(CountyFactory)


class VillageFactory(PlaceFactory):
    name = factory.Sequence(lambda n: f"第{n}村")
    level = Place.Level.VILLAGE
    parent = factory.SubFactory(TownshipFactory)


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"卫生院{n}")
    kind = Institution.Kind.HEALTH_CENTRE
    place = factory.SubFactory(TownshipFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.TOWNSHIP_STAFF
    place = factory.SubFactory(TownshipFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
