"""The beat jobs, called as functions: each is safe to run twice."""

import datetime as dt

from django.utils import timezone

from healthpov.notifications.models import Notification
from remediation import tasks
from remediation.models import ProgressReport, Revisit
from tests.remediation.factories import ItemFactory


def test_beat_schedule_names_existing_tasks(settings):
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"].startswith("remediation."):
            name = entry["task"].rsplit(".", 1)[1]
            assert callable(getattr(tasks, name))


def test_mark_overdue_twice_marks_and_notifies_once(user_a, county_user, township_a):
    item = ItemFactory(township=township_a, deadline=timezone.localdate() - dt.timedelta(days=2))
    tasks.mark_overdue()
    tasks.mark_overdue()
    item.refresh_from_db()
    assert item.overdue_since == timezone.localdate()
    assert Notification.objects.filter(kind="overdue").count() == 2  # unit + county, once each


def test_weekly_report_task_keeps_one_report_per_week(county, township_a):
    ItemFactory(township=township_a)
    tasks.build_weekly_report()
    tasks.build_weekly_report()
    assert ProgressReport.objects.filter(kind="weekly", place=county).count() == 1


def test_monthly_report_task(county):
    tasks.build_monthly_report(county.pk)
    assert ProgressReport.objects.get(kind="monthly").place == county


def test_revisit_task_twice_creates_one(township_a):
    ItemFactory(
        township=township_a, state="closed", closed_at=timezone.now() - dt.timedelta(days=200)
    )
    assert tasks.create_due_revisits() == 1
    assert tasks.create_due_revisits() == 0
    assert Revisit.objects.count() == 1
