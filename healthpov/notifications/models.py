"""In-app notifications: a message to one user, read from the bell, optionally e-mailed.

A notification knows nothing of what it is about beyond a link: the app that creates it decides
the message, the link and the key that makes it once-only (the layers in pyproject.toml,
[tool.importlinter]).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from healthpov.choices import ChoiceLabels


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        NEW_ITEM = "new_item", _("New item")
        DUE_SOON = "due_soon", _("Due within 7 days")
        OVERDUE = "overdue", pgettext_lazy("remediation", "Overdue")
        SENT_BACK = "sent_back", _("Sent back")
        SUBMITTED = "submitted", _("Awaiting verification")
        REVISIT = "revisit", _("Revisit due")
        WORK_DUE = "work_due", _("Work due")  # the morning reminder

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    message = models.CharField(pgettext_lazy("notification", "message"), max_length=300)
    # Where "Open" leads (a path of this site); empty: the notification only informs.
    link = models.CharField(_("link"), max_length=200, blank=True, editable=False)
    # Non-empty: at most one notification per recipient and key, however often the job runs.
    once_key = models.CharField(_("once key"), max_length=60, blank=True, editable=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True, editable=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "once_key"],
                condition=~Q(once_key=""),
                name="notification_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return self.message
