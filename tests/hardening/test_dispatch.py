"""Jobs queued while the broker is unreachable are kept in the database, not lost, and the web
request does not hang on them."""

import time

import pytest
from celery import Task
from kombu.exceptions import OperationalError

from coverage.tasks import recompute_run
from healthpov.celery import app as celery_app
from healthpov.operations.dispatch import enqueue, send_pending
from healthpov.operations.models import PendingDispatch
from healthpov.operations.tasks import dispatch_pending


@pytest.fixture
def dead_broker(monkeypatch):
    """Celery in broker mode whose every send fails as kombu does when Redis refuses.

    (test_faults.py stops a real Redis; this is the quick, in-process version.)
    """
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)


def test_job_is_kept_and_the_caller_returns_fast_when_the_broker_is_down(
    db, dead_broker, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(recompute_run, 12345)
    assert time.monotonic() - started < 10
    kept = PendingDispatch.objects.get()
    assert (kept.task_name, kept.args, kept.attempts) == (
        "coverage.tasks.recompute_run",
        [12345],
        1,
    )
    assert kept.last_error


def test_sweep_keeps_jobs_while_the_broker_stays_down(db, dead_broker):
    PendingDispatch.objects.create(task_name="coverage.tasks.recompute_run", args=[1])
    assert send_pending() == (0, 1)


def test_without_a_broker_the_job_runs_at_once_and_is_not_kept(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(dispatch_pending)  # eager: runs here and now
    assert not PendingDispatch.objects.exists()
