"""Writes of the accounts app."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from healthpov.accounts.models import FileDownloadLog, User


def sessions_clear_expired(*, now: datetime | None = None) -> int:
    """Delete the stored sessions whose expiry has passed; return how many went.

    Every request saves the session (idle timeout), so expired rows pile up quickly without this.
    Safe to run twice: the second run finds nothing to delete.
    """
    with transaction.atomic():
        deleted, _ = Session.objects.filter(expire_date__lt=now or timezone.now()).delete()
    return deleted


@transaction.atomic
def file_download_record(*, actor: User, file_name: str) -> FileDownloadLog:
    """Record that ``actor`` downloaded the uploaded file stored as ``file_name``."""
    log = FileDownloadLog(user=actor, file=file_name[:255])
    log.full_clean()
    log.save()
    return log
