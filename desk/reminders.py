"""The morning reminder of work due (docs/domain.md "Scheduled work").

Every township staff member and village doctor gets one in-app notification a day listing what
their work lists hold: follow-ups due this quarter, contracts expiring within 30 days, booklets to
handle, signed persons without this year's health check, roster persons with neither contract
nor reason, and major-illness cases with no call for 90 days. Counts come from the same
selectors as the work lists, scoped the same way; users who see the same places share one count.
"""

from __future__ import annotations

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from desk.selectors import WORK_COUNTS
from healthpov.accounts.models import User
from healthpov.notifications.models import Notification
from healthpov.notifications.services import notifications_create_each
from healthpov.period import ReportingPeriod

# The work lists the reminder names, counted by the same entries as the home page's tiles;
# each count is one SQL query (plus the year's follow-up policy).
REMINDED_WORK = [
    "followups_due",
    "contracts_expiring",
    "booklets_to_handle",
    "health_checks_missing",
    "unsigned_without_reason",
    "cases_without_call",
]

REMINDED_ROLES = (User.Role.TOWNSHIP_STAFF, User.Role.VILLAGE_DOCTOR)


def work_due_counts(user: User, day: datetime.date) -> list[tuple[str, str, int]]:
    """(key, label, count) of every work list of ``user`` on ``day``."""
    period = ReportingPeriod.of(as_of=day)
    return [
        (key, str(WORK_COUNTS[key].label), WORK_COUNTS[key].count(user, period))
        for key in REMINDED_WORK
    ]


def send_work_reminders(day: datetime.date | None = None) -> int:
    """Notify every active township/village user of their work due; once per user and day.

    Returns how many notifications were created (a rerun the same day creates none).
    """
    day = day or timezone.localdate()
    once_key = f"work_due:{day.isoformat()}"
    users = list(
        User.objects.filter(is_active=True, role__in=REMINDED_ROLES, place__isnull=False)
        .exclude(notifications__once_key=once_key)
        .order_by("role", "place_id", "pk")
    )
    rows: list[Notification] = []
    shared: dict[tuple[str, int], str] = {}
    with translation.override("zh-hans"):
        for user in users:
            key = (user.role, user.place_id)
            if key not in shared:
                due = [(label, n) for _key, label, n in work_due_counts(user, day) if n]
                shared[key] = (
                    _("Work due on %(day)s: %(items)s.")
                    % {
                        "day": day.isoformat(),
                        "items": "；".join(f"{label} {n}" for label, n in due),
                    }
                    if due
                    else ""
                )
            if shared[key]:
                rows.append(
                    Notification(
                        recipient=user,
                        kind=Notification.Kind.WORK_DUE,
                        message=shared[key][:300],
                        once_key=once_key,
                    )
                )
    # A second run of the same day (a redelivered job) adds nothing: the once key is taken.
    return notifications_create_each(rows=rows)
