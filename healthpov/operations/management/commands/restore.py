from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from healthpov.operations.backup import BackupError, Connection, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an EMPTY PostgreSQL database and "
        "MEDIA_ROOT, then verify every table's row count and checksum against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar file written by `manage.py backup`")
        parser.add_argument(
            "--database-url",
            help="restore into this database instead of DATABASE_URL (it must exist and be empty)",
        )
        parser.add_argument("--media-root", help="unpack media here instead of MEDIA_ROOT")

    def handle(self, *args, archive, database_url=None, media_root=None, **options):
        try:
            connection = Connection.from_url(database_url) if database_url else None
            tables = restore_backup(Path(archive), connection=connection, media_root=media_root)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(int(t["rows"]) for t in tables.values())
        self.stdout.write(f"restored and verified: {len(tables)} tables, {rows} rows")
