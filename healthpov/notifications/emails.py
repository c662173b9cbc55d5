"""The e-mail copy of notifications, sent by the task (kept apart from services.py, which
queues that task)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from healthpov.notifications.models import Notification


def notifications_send_emails(*, notification_ids: Sequence[int]) -> int:
    """Send the e-mail copy of notifications not yet e-mailed; safe to run twice."""
    sent = 0
    with transaction.atomic():
        pending = (
            Notification.objects.select_for_update()
            .filter(pk__in=notification_ids, emailed_at__isnull=True)
            .select_related("recipient")
        )
        for note in pending:
            if note.recipient.email:
                send_mail(
                    subject=f"[健康扶贫] {note.get_kind_display()}",
                    message=note.message,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[note.recipient.email],
                )
                sent += 1
            note.emailed_at = timezone.now()
            note.save(update_fields=["emailed_at"])
    return sent
