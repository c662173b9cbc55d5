"""Background jobs of the notifications. Each calls one function and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from healthpov.notifications import emails


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_notification_emails(notification_ids: list[int]) -> int:
    return emails.notifications_send_emails(notification_ids=notification_ids)
