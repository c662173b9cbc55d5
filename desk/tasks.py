"""Background jobs of the top layer (run by Celery beat; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from desk import reminders


@shared_task
def send_work_reminders() -> int:
    """The morning reminder of work due to township staff and village doctors."""
    return reminders.send_work_reminders()
