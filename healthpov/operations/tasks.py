"""Background jobs of operations: re-sending jobs kept while the broker was down."""

from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready

from healthpov.operations.dispatch import send_pending


@shared_task
def dispatch_pending() -> int:
    """Beat, every minute: send jobs kept for more than 30 s (fresh ones are still being sent)."""
    sent, _kept = send_pending(older_than=timedelta(seconds=30))
    return sent


@worker_ready.connect
def _send_pending_when_a_worker_starts(**kwargs) -> None:
    send_pending()
