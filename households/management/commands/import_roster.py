"""Import a poverty roster (.xlsx/.xls).

``import_roster PATH [--year YYYY] [--dry-run] [--create-places] [--county NAME]
[--confirm-leavers N]``:

Exit 0 with a one-line summary on success; on any row error every error is printed (Excel row
number, column, message), nothing is written and the exit status is 1. A file that takes more
than 5% of the roster (of the county or of a township) off it is refused likewise unless
``--confirm-leavers`` gives the number of persons leaving (a dry run prints it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from healthpov.operations.priority import BackgroundCommand
from healthpov.places.models import Place
from households import services
from households.imports import ImportContext, ImportRun
from households.ledgers import RosterLedger


class Command(BackgroundCommand, BaseCommand):
    help = "Import a poverty roster spreadsheet (upsert by resident ID)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--year", type=int, help="Roster year (default: this year).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count; write nothing."
        )
        parser.add_argument(
            "--create-places", action="store_true", help="Create unknown townships and villages."
        )
        parser.add_argument("--county", help="County for new places (created if absent).")
        parser.add_argument(
            "--confirm-leavers",
            type=int,
            metavar="N",
            help="The number of persons the file takes off the roster, when it is above 5%%.",
        )

    def handle(
        self,
        *args,
        path: Path,
        year: int | None,
        dry_run: bool,
        create_places: bool,
        county: str | None,
        confirm_leavers: int | None,
        **options,
    ) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        county_place = (
            self._county(county, create=create_places and not dry_run)
            if (county or create_places)
            else None
        )
        context = ImportContext(
            user=None,
            options={
                "year": year,
                "create_places": create_places,
                "county": county_place,
                "confirm_leavers": confirm_leavers,
            },
            dry_run=dry_run,
        )
        if dry_run:
            result = ImportRun(RosterLedger, path, context).check()
        else:
            result = services.import_file(
                kind=RosterLedger.kind, path=path, context=context, actor=None
            )
        if not result.ok:
            for line in result.error_lines():
                self.stderr.write(line)
            if result.error_count > len(result.errors):
                self.stderr.write(f"... {result.error_count - len(result.errors)} more errors")
            self.stderr.write(
                f"refused: {result.error_count} errors in {result.rows_total} rows; nothing written"
                if not result.file_error
                else "refused: nothing written"
            )
            sys.exit(1)
        c = result.counts
        self.stdout.write(
            ("dry run: " if dry_run else "imported: ")
            + f"{result.rows_total} rows; persons new {c['persons_new']}, "
            f"changed {c['persons_changed']}, unchanged {c['persons_unchanged']}, "
            f"left {c['persons_left']}; households new {c['households_new']}, "
            f"changed {c['households_changed']}; places new {c['places_new']}"
        )
        leavers = result.preview.get("leavers") or {}
        if dry_run and leavers.get("confirm"):
            self.stdout.write(
                f"{leavers['count']} persons would leave the roster (more than 5%): "
                f"apply with --confirm-leavers {leavers['count']}"
            )

    def _county(self, name: str | None, *, create: bool) -> Place | None:
        counties = Place.objects.filter(level=Place.Level.COUNTY)
        if name:
            found = counties.filter(name=name).first()
            if found is None and create:
                with transaction.atomic():
                    found = Place.objects.create(name=name, level=Place.Level.COUNTY)
            if found is None:
                # A dry run creates nothing; new places are only counted.
                return Place(name=name, level=Place.Level.COUNTY, path="/__new__/")
            return found
        count = counties.count()
        if count == 0:
            raise CommandError("There is no county in the database; name one with --county.")
        if count > 1:
            raise CommandError("There are several counties; name one with --county.")
        return counties.get()
