"""Writes of the accounts app."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from healthpov.accounts.models import ExportReveal, FileDownloadLog, User


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


@transaction.atomic
def export_reveal_record(
    *, actor: User, export: str, rows: int, parameters: str = ""
) -> ExportReveal:
    """Record that ``actor`` exported ``rows`` rows of ``export`` with full ID numbers and
    phones. Refused to a user who may not reveal personal data."""
    if not actor.may_reveal_personal_data:
        raise PermissionError("not allowed to reveal personal data")
    log = ExportReveal(user=actor, export=export, rows=rows, parameters=parameters[:500])
    log.full_clean()
    log.save()
    return log
