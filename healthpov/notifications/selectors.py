"""Reads of the notifications: a user's own, never anybody else's."""

from __future__ import annotations

from django.db.models import QuerySet

from healthpov.accounts.models import User
from healthpov.notifications.models import Notification


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.for_user(user)


def unread_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.for_user(user).unread().count()
