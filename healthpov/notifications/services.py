"""Writes of the notifications: create (once-only where asked), mark read, e-mail a copy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from healthpov.accounts.models import User
from healthpov.notifications.models import Notification
from healthpov.notifications.tasks import send_notification_emails
from healthpov.operations.dispatch import enqueue


def notifications_create(
    *,
    recipients: Iterable[User],
    kind: str,
    message: str,
    link: str = "",
    once_key: str = "",
) -> int:
    """Notify each recipient once; with ``once_key``, never twice per recipient and key.

    Must run inside the caller's transaction; e-mails are queued on commit. Returns how many
    notifications were created.
    """
    rows = [
        Notification(recipient=user, kind=kind, message=message[:300], link=link, once_key=once_key)
        for user in {u.pk: u for u in recipients}.values()
    ]
    if not rows:
        return 0
    if not once_key:
        created = Notification.objects.bulk_create(rows)
        _queue_emails([n.pk for n in created])
        return len(created)
    existing = set(
        Notification.objects.filter(once_key=once_key).values_list("recipient_id", flat=True)
    )
    rows = [r for r in rows if r.recipient_id not in existing]
    # ignore_conflicts: a concurrent run may have sent the same notification meanwhile.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    ids = Notification.objects.filter(
        once_key=once_key,
        recipient__in=[r.recipient_id for r in rows],
        emailed_at__isnull=True,
    ).values_list("pk", flat=True)
    _queue_emails(list(ids))
    return len(rows)


def notifications_create_each(*, rows: Sequence[Notification]) -> int:
    """Create prepared notifications (each its own message) in one statement; a row whose
    recipient already has its ``once_key`` is skipped. Returns how many were created."""
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def _queue_emails(notification_ids: list[int]) -> None:
    if not notification_ids or not settings.EMAIL_NOTIFICATIONS:
        return
    enqueue(send_notification_emails, notification_ids)  # kept if Redis is down


def notification_mark_read(*, notification: Notification, actor: User) -> None:
    if notification.recipient_id != actor.pk:
        raise PermissionError
    if notification.read_at is None:
        with transaction.atomic():
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=timezone.now()
            )


def notifications_mark_all_read(*, actor: User) -> int:
    with transaction.atomic():
        return Notification.objects.for_user(actor).unread().update(read_at=timezone.now())
