"""Import any registered ledger.

``import_ledger KIND PATH [--dry-run] [--valid-rows-only] [--user NAME]``:

Kinds come from every app's ``ledgers.py`` (``import_ledger --list`` shows them). Exit 1 with
every error printed when anything is wrong; nothing is written then.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from healthpov.operations.priority import BackgroundCommand
from households import services
from households.imports import ImportContext, ImportRun, get_ledger, ledger_kinds


class Command(BackgroundCommand, BaseCommand):
    help = "Import a ledger spreadsheet of a registered kind."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", nargs="?")
        parser.add_argument("path", nargs="?", type=Path)
        parser.add_argument("--list", action="store_true", help="List the registered kinds.")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--valid-rows-only", action="store_true")
        parser.add_argument("--user", help="Import as this user (scoped to their places).")

    def handle(self, *args, kind, path, list, dry_run, valid_rows_only, user, **options) -> None:
        if list or not kind:
            for name, ledger in ledger_kinds().items():
                self.stdout.write(f"{name}\t{ledger.label}")
            return
        try:
            ledger = get_ledger(kind)
        except KeyError:
            raise CommandError(
                f"Unknown kind {kind!r}; known: {', '.join(ledger_kinds())}"
            ) from None
        if path is None or not path.is_file():
            raise CommandError(f"{path}: no such file")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user {user!r}")
        context = ImportContext(
            user=actor, options={"valid_rows_only": valid_rows_only}, dry_run=dry_run
        )
        if dry_run:
            result = ImportRun(ledger, path, context).check()
        else:
            result = services.import_file(kind=kind, path=path, context=context, actor=actor)
        for line in result.error_lines():
            self.stderr.write(line)
        if result.file_error or (result.error_count and not result.applied):
            self.stderr.write(f"refused: {result.error_count} errors; nothing written")
            sys.exit(1)
        summary = ", ".join(f"{key} {value}" for key, value in result.counts.items())
        self.stdout.write(
            f"{'dry run' if dry_run else 'imported'}: {result.rows_total} rows; {summary}"
        )
