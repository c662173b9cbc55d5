"""Background jobs of the remediation app (beat schedule in settings). Each calls one service
and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from healthpov.places.models import Place
from remediation import services
from remediation.models import ProgressReport


@shared_task
def mark_overdue() -> dict[str, int]:
    """Daily: mark items past their deadline overdue, remind items due within 7 days."""
    return services.items_process_deadlines()


def _counties(county_id: int | None) -> list[int]:
    if county_id is not None:
        return [county_id]
    return list(Place.objects.filter(level=Place.Level.COUNTY).values_list("pk", flat=True))


@shared_task
def build_weekly_report(county_id: int | None = None) -> list[int]:
    """Thursdays 12:00: the weekly progress report of each county."""
    return [
        services.progress_report_build(kind=ProgressReport.Kind.WEEKLY, county_id=pk).pk
        for pk in _counties(county_id)
    ]


@shared_task
def build_monthly_report(county_id: int | None = None) -> list[int]:
    """First of the month: last month's progress report of each county."""
    return [
        services.progress_report_build(kind=ProgressReport.Kind.MONTHLY, county_id=pk).pk
        for pk in _counties(county_id)
    ]


@shared_task
def create_due_revisits() -> int:
    """Daily: a revisit (回头看) for every item closed six months ago."""
    return services.revisits_create_due()
