"""The morning reminder of work due (desk.reminders; beat task send_work_reminders)."""

import datetime

import pytest

from desk import reminders, tasks
from healthpov.notifications.models import Notification
from households.models import RosterEntry
from tests.signing.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    HouseholdFactory,
    PersonFactory,
    RosterEntryFactory,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2018, 6, 4)


@pytest.fixture
def work_in_a(village_a):
    """Township A: two signed chronic patients of the 2018 roster with no follow-up and no
    health check, and one off the roster (nobody's work)."""
    household = HouseholdFactory(village=village_a)
    for _ in range(2):
        person = PersonFactory(household=household)
        ContractFactory(person=person)
        ChronicRegistrationFactory(person=person)
        RosterEntryFactory(person=person, year=2018)
    off_roster = PersonFactory(household=household)
    ContractFactory(person=off_roster)
    ChronicRegistrationFactory(person=off_roster)


def test_township_users_get_their_own_counts_once_a_day(
    work_in_a, user_a, user_b, village_doctor_a, county_user
):
    created = reminders.send_work_reminders(DAY)

    notes = {n.recipient.username: n for n in Notification.objects.select_related("recipient")}
    # Township B has no work due; the county user gets no morning reminder.
    assert set(notes) == {user_a.username, village_doctor_a.username}
    assert created == 2
    message = notes[user_a.username].message
    assert notes[user_a.username].kind == Notification.Kind.WORK_DUE
    assert "2018-06-04" in message
    assert "本季度待随访 2" in message and "今年未体检 2" in message
    # The village doctor sees the same village: the same counts.
    assert notes[village_doctor_a.username].message == message

    assert reminders.send_work_reminders(DAY) == 0
    assert Notification.objects.count() == 2
    assert reminders.send_work_reminders(DAY + datetime.timedelta(days=1)) == 2


def test_counts_equal_the_work_lists(work_in_a, user_a):
    counts = {key: n for key, _label, n in reminders.work_due_counts(user_a, DAY)}
    from signing.selectors import ListFilters, followups_due, health_checks_missing

    assert (
        counts["followups_due"] == followups_due(user_a, DAY.year, DAY, ListFilters()).count() == 2
    )
    assert counts["health_checks_missing"] == (
        health_checks_missing(user_a, DAY.year, DAY, ListFilters()).count()
    )


def test_queries_do_not_grow_with_users_of_the_same_place(work_in_a, user_a, village_doctor_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    with CaptureQueriesContext(connection) as two_users:
        assert reminders.send_work_reminders(DAY) == 2
    for n in range(5):
        UserFactory(username=f"staff_a_{n}", role=user_a.role, place=user_a.place)
    with CaptureQueriesContext(connection) as seven_users:
        assert reminders.send_work_reminders(DAY + datetime.timedelta(days=1)) == 7
    assert len(seven_users) == len(two_users)


def test_the_beat_task_runs_the_service(work_in_a, user_a, settings):
    for entry in RosterEntry.objects.all():  # the task works in this year, as of today
        RosterEntryFactory(person=entry.person)
    assert tasks.send_work_reminders.apply().get() >= 1
    assert Notification.objects.filter(recipient=user_a).exists()
    assert "desk-work-reminders" in settings.CELERY_BEAT_SCHEDULE
