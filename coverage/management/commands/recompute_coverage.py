"""Recompute every place's indicators and store them as snapshots (what the nightly job runs)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from coverage.services import recompute_coverage
from healthpov.operations.priority import BackgroundCommand
from healthpov.period import ReportingPeriod


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


class Command(BackgroundCommand, BaseCommand):
    help = "Recompute indicator snapshots for every village, township and county."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--year", type=int, help="Reporting year (default: the as-of date's year)."
        )
        parser.add_argument(
            "--as-of",
            type=parse_date,
            help="YYYY-MM-DD (default: today, or 31 Dec of a past year).",
        )

    def handle(self, *args, year=None, as_of=None, **options) -> None:
        period = ReportingPeriod.of(year=year, as_of=as_of)
        written = recompute_coverage(year=period.year, as_of=period.as_of)
        self.stdout.write(
            f"coverage {period.year} as of {period.as_of}: {written} snapshot values written"
        )
