"""Factories of the remediation app."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from remediation.models import Item, ItemSource, ItemState
from tests.factories import UserFactory


class ItemFactory(DjangoModelFactory):
    """An item of township ``township`` (pass it); ``place`` defaults to the township."""

    class Meta:
        model = Item

    source = ItemSource.FEEDBACK
    feedback_document = "卫巡办通〔2026〕5号"
    problem = factory.Sequence(lambda n: f"慢病签约服务未到位{n}")
    measures = "入户核查,补签并落实季度随访"
    responsible_leader = "王副局长"
    responsible_unit_text = "疾病防控与基层卫生科"
    deadline = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=30))
    township = None
    place = factory.LazyAttribute(lambda o: o.township)
    state = ItemState.ON_LEDGER
    created_by = factory.SubFactory(UserFactory, role="county_bureau")
