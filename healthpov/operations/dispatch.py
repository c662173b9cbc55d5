"""Queue Celery jobs so that a dead broker neither fails nor hangs the web request.

Use ``enqueue(task, *args)`` inside the service's transaction instead of
``transaction.on_commit(lambda: task.delay(...))``: the job is kept as a
:class:`PendingDispatch` row in the same transaction, sent after commit, and left for
:func:`send_pending` when the broker cannot take it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import KombuError, OperationalError

from healthpov.celery import app as celery_app
from healthpov.operations.models import PendingDispatch

logger = logging.getLogger(__name__)

try:  # the redis client raises its own errors from the result backend
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a dependency
    RedisError = OSError

BROKER_DOWN = (OperationalError, KombuError, RedisError, OSError, TimeoutError)


def enqueue(task, *args, after_commit: bool = True, **kwargs) -> PendingDispatch:
    """Keep the job with the caller's transaction and send it once that commits, or at once
    (``after_commit=False``, for callers outside a transaction that want .delay() timing)."""
    pending = PendingDispatch.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    if after_commit:
        transaction.on_commit(lambda: send(pending.pk))
    else:
        send(pending.pk)
    return pending


def send(pending_id: int) -> bool:
    """Hand one kept job to the broker; ``False`` (job kept) when the broker is unreachable."""
    pending = PendingDispatch.objects.filter(pk=pending_id).first()
    if pending is None:
        return True  # already sent by a sweep
    task = celery_app.tasks.get(pending.task_name)
    if task is None:
        celery_app.loader.import_default_modules()
        task = celery_app.tasks[pending.task_name]
    if celery_app.conf.task_always_eager:
        # No broker: the job runs here and now, as .delay() would; it is not kept.
        pending.delete()
        task.apply_async(args=pending.args, kwargs=pending.kwargs)
        return True
    try:
        # ignore_result: progress lives in the database; subscribing to a Redis result channel
        # would keep retrying while Redis is down, hanging the request.
        task.apply_async(args=pending.args, kwargs=pending.kwargs, retry=False, ignore_result=True)
    except BROKER_DOWN as exc:
        PendingDispatch.objects.filter(pk=pending_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        logger.warning("broker unreachable, %s kept for a later send: %s", pending, exc)
        return False
    PendingDispatch.objects.filter(pk=pending_id).delete()
    return True


def send_pending(*, older_than: timedelta = timedelta(seconds=0)) -> tuple[int, int]:
    """Sends every kept job older than ``older_than``; returns (sent, still kept)."""
    cutoff = timezone.now() - older_than
    sent = kept = 0
    for pending_id in PendingDispatch.objects.filter(created_at__lte=cutoff).values_list(
        "pk", flat=True
    ):
        if send(pending_id):
            sent += 1
        else:
            kept += 1
            break  # the broker is down: the rest would fail the same way
    if kept:
        kept = PendingDispatch.objects.count()
    return sent, kept
