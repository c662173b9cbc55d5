"""The morning reminder of work due (docs/domain.md "Scheduled work").

Every township staff member and village doctor gets one in-app notification a day listing what
their work lists hold: follow-ups due this quarter, contracts expiring within 30 days, booklets to
handle, signed persons without this year's health check, roster persons with neither contract
nor reason, and major-illness cases with no call for 90 days. Counts come from the same
selectors as the work lists, scoped the same way; users who see the same places share one count.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from healthpov.accounts.models import User
from healthpov.notifications.models import Notification
from healthpov.notifications.services import notifications_create_each
from signing import selectors
from signing.selectors import ListFilters
from treatment.selectors import cases_without_recent_call

# (key, label, count of a user's list on a day); each count is one SQL query (plus the year's
# follow-up policy).
COUNTERS: list[tuple[str, str, Callable[[User, datetime.date], int]]] = [
    (
        "followups_due",
        gettext_lazy("follow-ups due"),
        lambda user, day: selectors.followups_due(user, day, ListFilters()).count(),
    ),
    (
        "contracts_expiring",
        gettext_lazy("contracts expiring"),
        lambda user, day: selectors.contracts_expiring(user, day, ListFilters()).count(),
    ),
    (
        "booklets_to_handle",
        gettext_lazy("booklets to handle"),
        lambda user, day: selectors.booklets_to_handle(user, day, ListFilters()).count(),
    ),
    (
        "health_checks_missing",
        gettext_lazy("health checks missing"),
        lambda user, day: selectors.health_checks_missing(user, day.year, ListFilters()).count(),
    ),
    (
        "unsigned_without_reason",
        gettext_lazy("unsigned without a reason"),
        lambda user, day: selectors.unsigned_without_reason(
            user, day.year, day, ListFilters()
        ).count(),
    ),
    (
        "cases_without_call",
        gettext_lazy("major-illness cases without a call for 90 days"),
        lambda user, day: cases_without_recent_call(user, as_of=day).count(),
    ),
]


REMINDED_ROLES = (User.Role.TOWNSHIP_STAFF, User.Role.VILLAGE_DOCTOR)


def work_due_counts(user: User, day: datetime.date) -> list[tuple[str, str, int]]:
    """(key, label, count) of every work list of ``user`` on ``day``."""
    return [(key, str(label), count(user, day)) for key, label, count in COUNTERS]


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
