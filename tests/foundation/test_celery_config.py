"""The Celery application: JSON only, late acks, time limits, and a beat schedule of real tasks."""

import pytest
from django.conf import settings

from healthpov.celery import app


@pytest.fixture(scope="module")
def registered() -> set[str]:
    app.loader.import_default_modules()  # what a worker does at start: each app's tasks.py
    return set(app.tasks)


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_beat_entry_names_a_registered_task(registered, entry):
    task = settings.CELERY_BEAT_SCHEDULE[entry]["task"]
    assert task in registered, f"beat entry {entry!r} names {task!r}, which no tasks.py defines"


def test_jobs_travel_as_json_only():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


def test_jobs_are_acknowledged_late_with_time_limits():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_beat_uses_the_project_time_zone():
    assert app.conf.timezone == settings.TIME_ZONE == "Asia/Shanghai"
