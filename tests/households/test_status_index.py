"""The roster filtered by a rare person status (died, moved out...) reads the rare statuses'
partial index on both databases, and lists the same persons as before."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from households import selectors
from households.models import PersonStatus
from tests.households.factories import HouseholdFactory, PersonFactory

INDEX = "person_status_not_normal"


@pytest.fixture
def roster(village_a, village_b):
    household = HouseholdFactory(village=village_a, number="HA-1")
    PersonFactory(household=household, name="张正常")
    PersonFactory(household=household, name="张故", status=PersonStatus.DIED)
    PersonFactory(household=household, name="张迁", status=PersonStatus.MOVED_OUT)
    other = HouseholdFactory(village=village_b, number="HB-1")
    PersonFactory(household=other, name="李故", status=PersonStatus.DIED)


def _plan(queryset) -> str:
    """The plan of ``queryset`` where the index could be chosen: PostgreSQL is told to avoid
    sequential scans (a test's tables are small enough that it would read them whole)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


@pytest.mark.django_db
def test_a_rare_status_is_read_from_its_index(roster, admin_user):
    persons = selectors.person_search(
        user=admin_user, filters=selectors.PersonFilters(status=PersonStatus.DIED)
    )
    assert sorted(p.name for p in persons) == ["张故", "李故"]
    assert INDEX in _plan(persons)


@pytest.mark.django_db
def test_the_normal_status_is_not_narrowed_by_the_index(roster, admin_user):
    persons = selectors.person_search(
        user=admin_user, filters=selectors.PersonFilters(status=PersonStatus.NORMAL)
    )
    assert [p.name for p in persons] == ["张正常"]
    assert INDEX not in _plan(persons)


@pytest.mark.django_db
def test_the_roster_page_lists_a_status_of_its_township_only(client_a, roster):
    content = client_a.get(reverse("households:search"), {"status": "died"}).content.decode()
    assert "张故" in content
    assert "张迁" not in content
    assert "张正常" not in content
    assert "李故" not in content
