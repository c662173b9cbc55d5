import datetime

import factory
from factory.django import DjangoModelFactory

from households.idnumber import make_resident_id
from households.models import Household, Person, Relation
from tests.factories import VillageFactory


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"35042900{n:06d}")
    village = factory.SubFactory(VillageFactory)
    township = factory.LazyAttribute(lambda o: o.village.parent)
    head_name = factory.Sequence(lambda n: f"户主{n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(
        lambda n: make_resident_id(
            "350429", datetime.date(1950, 1, 1) + datetime.timedelta(days=n), n % 1000
        )
    )
    name = factory.Sequence(lambda n: f"居民{n}")
    sex = factory.LazyAttribute(lambda o: "M" if int(o.id_number[16]) % 2 else "F")
    birth_date = factory.LazyAttribute(
        lambda o: datetime.date(
            int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14])
        )
    )
    household = factory.SubFactory(HouseholdFactory)
    relation = Relation.HEAD
