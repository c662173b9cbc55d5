"""Build the demo county (泰宁县): places, institutions, users and every app's demo records."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from coverage import demo as coverage_demo
from healthpov.period import ReportingPeriod, last_year_allowed
from healthpov.places.demo import DEMO_PASSWORD, build_places, build_users
from households import demo as households_demo
from households.demo import DEMO_YEAR, DemoCalendar, demo_persons
from households.models import RosterEntry
from inspections import demo as inspections_demo
from remediation import demo as remediation_demo
from signing import demo as signing_demo
from treatment import demo as treatment_demo

# Order matters: later apps build on earlier apps' records.
DEMO_APPS = [
    ("households", households_demo),
    ("signing", signing_demo),
    ("treatment", treatment_demo),
    ("inspections", inspections_demo),
    ("remediation", remediation_demo),
    ("coverage", coverage_demo),
]


class Command(BaseCommand):
    help = (
        "Build the demo county with one user per role, in the current year as of today (seed"
        " 000's figures hold on that day). --year 2018 builds the historical county as of"
        " 2018-06-04. Safe to run again. A database holds the demo of one year: a run for"
        " another year changes nothing and says so."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--year",
            type=int,
            help=f"the demo year ({DEMO_YEAR} to next year; default: the current year)",
        )
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            help="the day seed 000's figures hold on (YYYY-MM-DD, in the year, not after"
            " today; default: today, 2018-06-04 for 2018, 31 December for a past year)",
        )

    def handle(self, *args, year=None, as_of=None, **options) -> None:
        calendar = self._calendar(year, as_of)
        county = build_places()
        users = build_users(county)
        built = set(
            RosterEntry.objects.filter(person__in=demo_persons(county))
            .values_list("year", flat=True)
            .distinct()
        )
        if built - {calendar.year}:
            # The demo's records of one year would count in another's figures (registrations
            # and diagnoses are not per year), so one database holds one demo year.
            self.stderr.write(
                self.style.WARNING(
                    f"The demo county holds the demo of {min(built)}; nothing was added. Build"
                    f" {calendar.year} in a fresh database (e.g. remove var/healthpov.sqlite3)."
                )
            )
            self._logins(county, users, min(built))
            return
        for app, module in DEMO_APPS:
            if module in (inspections_demo, remediation_demo):
                module.build_demo(county)  # campaigns and items are dated from today
            else:
                module.build_demo(county, calendar)
            self.stdout.write(f"demo: {app} ready")
        if connection.vendor == "postgresql":
            # The planner's statistics of the tables just filled. Until autovacuum's next round
            # (or never, where it is off) PostgreSQL plans for empty tables: a township's
            # health-check list took 289 ms on the demo instead of 19 (docs/scaling.md).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self._logins(county, users, calendar.year, calendar.as_of)

    def _logins(self, county, users, year: int, as_of: datetime.date | None = None) -> None:
        when = f" as of {as_of.isoformat()}" if as_of else ""
        self.stdout.write(
            self.style.SUCCESS(f"Demo county {county.name} is ready for {year}{when}. Logins:")
        )
        for username, role, place in users:
            self.stdout.write(f"  {username:<12} {DEMO_PASSWORD}   {role} · {place}")

    def _calendar(self, year: int | None, as_of: datetime.date | None) -> DemoCalendar:
        if year is not None and not DEMO_YEAR <= year <= last_year_allowed():
            # The demo's persons are those of seed 000 (2018): earlier years would list
            # people not yet born.
            raise CommandError(f"--year must be from {DEMO_YEAR} to {last_year_allowed()}.")
        calendar = DemoCalendar.of(year, as_of)
        today = ReportingPeriod.current().as_of
        if not (calendar.start <= calendar.as_of <= max(today, calendar.start)):
            raise CommandError(
                f"--as-of must be in {calendar.year} and not after today ({today.isoformat()})."
            )
        return calendar
