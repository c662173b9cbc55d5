"""Print every indicator for the county, its townships and villages (json, csv or xlsx).

JSON is a list of rows ``{"place", "level", "parent", <code>: value, ...}``: counts are
integers, rates fractions rounded to 4 decimals, money sums rounded to 2; a rate whose
denominator is zero (nothing to divide by) is ``null``.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from coverage.exports import table_csv, table_json_rows, table_xlsx
from coverage.management.commands.recompute_coverage import parse_date
from coverage.selectors import compute_table
from healthpov.period import ReportingPeriod
from healthpov.places.models import Place


class Command(BaseCommand):
    help = "Print the indicator table (county, townships, villages) for a year as of a date."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--as-of",
            type=parse_date,
            help="YYYY-MM-DD (default: today, or 31 Dec of a past year).",
        )
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument("--county", help="Only this county (default: every county).")
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(
        self, *args, year, as_of=None, format="json", county=None, output=None, **options
    ) -> None:
        period = ReportingPeriod.of(year=year, as_of=as_of)
        root = None
        if county:
            root = Place.objects.filter(level=Place.Level.COUNTY, name=county).first()
            if root is None:
                raise CommandError(f"no county named {county!r}")
        table = compute_table(period, root=root)
        if format == "json":
            import json

            data = json.dumps(table_json_rows(table), ensure_ascii=False, indent=1).encode() + b"\n"
        elif format == "csv":
            data = table_csv(table).encode("utf-8-sig")
        else:
            data = table_xlsx(table)
        if output:
            with open(output, "wb") as fh:
                fh.write(data)
        elif format == "xlsx":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            self.stdout.write(data.decode("utf-8-sig"), ending="")
