"""Fixtures of the desk tests: a fixed working day and work in both townships."""

import datetime

import pytest
from django.utils import timezone

from healthpov import period as period_module
from remediation.models import ItemState
from tests.desk.work import TODAY, add_work
from tests.factories import VillageFactory
from tests.remediation.factories import ItemFactory


@pytest.fixture
def working_day(monkeypatch):
    """The reporting period's today (the home page's and the work lists' as-of date)."""
    monkeypatch.setattr(period_module, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def work(working_day, township_a, township_b, village_a, village_b):
    """The same work in A's village, in another village of A, and in B's village; remediation
    items due soon, overdue and awaiting verification in both townships."""
    add_work(village_a, prefix="A")
    add_work(VillageFactory(name="北山村", parent=township_a), prefix="N")
    add_work(village_b, prefix="B")
    today = timezone.localdate()
    for township in (township_a, township_b):
        ItemFactory(township=township, deadline=today + datetime.timedelta(days=3))
        ItemFactory(
            township=township,
            deadline=today - datetime.timedelta(days=5),
            overdue_since=today - datetime.timedelta(days=4),
        )
        ItemFactory(township=township, state=ItemState.SUBMITTED)
    ItemFactory(township=township_b, state=ItemState.SUBMITTED)
