"""Reads of the remediation app: scoped item lists (the four lists), accountability, reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from healthpov.accounts.models import User
from healthpov.places.models import Place
from inspections.models import Finding
from remediation.models import (
    Accountability,
    Item,
    ItemState,
    ProgressReport,
    Revisit,
)

#: Open items whose deadline falls within this many days are reminded and listed as due soon.
DUE_SOON_DAYS = 7


def overdue_q() -> Q:
    """Items past their deadline (marked by ``services.items_process_deadlines``), not closed."""
    return Q(overdue_since__isnull=False) & ~Q(state=ItemState.CLOSED)


def due_soon_q(today: dt.date) -> Q:
    """Open items whose deadline is ``today`` or within :data:`DUE_SOON_DAYS` days."""
    return ~Q(state=ItemState.CLOSED) & Q(
        deadline__gte=today, deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
    )


def items_for(user: User, filters: dict | None = None) -> QuerySet[Item]:
    filters = filters or {}
    qs = Item.objects.visible_to(user).select_related(
        "place", "township", "responsible_institution", "finding__campaign"
    )
    if filters.get("township"):
        qs = qs.filter(township=filters["township"])
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("source"):
        qs = qs.filter(source=filters["source"])
    if filters.get("overdue"):
        qs = qs.filter(overdue_q())
    if filters.get("due_soon"):
        qs = qs.filter(due_soon_q(timezone.localdate()))
    if filters.get("q"):
        text = filters["q"]
        qs = qs.filter(
            Q(problem__icontains=text)
            | Q(feedback_document__icontains=text)
            | Q(finding__campaign__document_number__icontains=text)
            | Q(responsible_unit_text__icontains=text)
            | Q(responsible_institution__name__icontains=text)
        )
    return qs.order_by("deadline", "id")


def state_counts(user: User) -> dict[str, int]:
    rows = Item.objects.visible_to(user).values("state").annotate(n=Count("id"))
    counts = dict.fromkeys(ItemState.values, 0)
    counts.update({r["state"]: r["n"] for r in rows})
    counts["overdue"] = Item.objects.visible_to(user).filter(overdue_q()).count()
    return counts


@dataclass(frozen=True)
class ListColumn:
    header: str
    width: int
    value: Callable[[Item], object]
    group: str = ""


def _localdate(value):
    return timezone.localdate(value) if value else None


SOURCE = ListColumn(_("Source"), 22, lambda i: i.source_label)
TOWNSHIP = ListColumn(_("Township"), 10, lambda i: i.township.name if i.township else i.place.name)
# The village of an item raised in a village; empty for one of a township or the county.
VILLAGE = ListColumn(
    _("Village"), 10, lambda i: i.place.name if i.place.level == Place.Level.VILLAGE else ""
)
PROBLEM = ListColumn(_("Problem"), 40, lambda i: i.problem)
MEASURES = ListColumn(_("Measures"), 40, lambda i: i.measures)
LEADER = ListColumn(
    _("Responsible leader"), 12, lambda i: i.responsible_leader, _("Responsibility")
)
UNIT = ListColumn(_("Responsible unit"), 18, lambda i: i.responsible_unit, _("Responsibility"))
DEADLINE = ListColumn(_("Deadline"), 12, lambda i: i.deadline)
STATE = ListColumn(_("State"), 10, lambda i: i.get_state_display(), _("Progress"))
SUBMITTED = ListColumn(_("Submitted on"), 12, lambda i: _localdate(i.submitted_at), _("Progress"))
CLOSED = ListColumn(_("Closed on"), 12, lambda i: _localdate(i.closed_at), _("Progress"))
OVERDUE = ListColumn(pgettext_lazy("remediation", "Overdue"), 8, lambda i: i.is_overdue)

# The four lists the documents ask for (seed 001, 篇5/篇6): same items, different columns.
LISTS: dict[str, tuple[str, list[ListColumn]]] = {
    "problems": (_("Problem list"), [SOURCE, TOWNSHIP, VILLAGE, PROBLEM, STATE, OVERDUE]),
    "responsibilities": (
        _("Responsibility list"),
        [TOWNSHIP, VILLAGE, PROBLEM, LEADER, UNIT, DEADLINE],
    ),
    "tasks": (_("Task list"), [TOWNSHIP, VILLAGE, PROBLEM, MEASURES, UNIT, DEADLINE, STATE]),
    "ledger": (
        _("Remediation ledger"),
        [
            SOURCE,
            TOWNSHIP,
            VILLAGE,
            PROBLEM,
            MEASURES,
            LEADER,
            UNIT,
            DEADLINE,
            STATE,
            SUBMITTED,
            CLOSED,
            OVERDUE,
        ],
    ),
}


def accountability_for(user: User) -> QuerySet[Accountability]:
    return (
        Accountability.objects.visible_to(user)
        .select_related("place", "institution")
        .annotate(item_count=Count("items"))
    )


def items_of_finding(*, finding: Finding, user: User) -> QuerySet[Item]:
    return Item.objects.visible_to(user).filter(finding=finding)


def reports_for(user: User) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.visible_to(user).select_related("place")


def revisits_for(user: User) -> QuerySet[Revisit]:
    return Revisit.objects.visible_to(user).select_related(
        "item__township", "item__place", "new_item"
    )
