from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from healthpov.operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump) and MEDIA_ROOT into one .tar file with a "
        "manifest of row counts and checksums per table."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "output", help="a directory (a dated file name is chosen) or a .tar path"
        )

    def handle(self, *args, output, **options):
        try:
            path = create_backup(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written: {path}")
