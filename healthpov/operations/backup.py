"""Backup and restore of the PostgreSQL database and the media files.

A backup is one ``.tar`` file holding ``database.dump`` (``pg_dump --format=custom``),
``media.tar.gz`` (everything under ``MEDIA_ROOT``) and ``manifest.json`` (when, from which
database, the row count and a checksum of every table). A restore loads the dump into an
**empty** database, unpacks the media and then checks every table against the manifest, so a
restore that lost or changed rows fails loudly instead of passing for a good one.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from django.conf import settings
from django.utils import timezone

FORMAT_VERSION = 1


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Connection:
    """libpq parameters of one PostgreSQL database."""

    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, alias: str = "default") -> Connection:
        db = settings.DATABASES[alias]
        if "postgresql" not in db["ENGINE"]:
            raise BackupError("backup and restore need PostgreSQL (DATABASE_URL=postgres://...)")
        return cls(
            name=db["NAME"],
            host=str(db.get("HOST") or ""),
            port=str(db.get("PORT") or ""),
            user=str(db.get("USER") or ""),
            password=str(db.get("PASSWORD") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> Connection:
        import environ

        config = environ.Env.db_url_config(url)
        if "postgresql" not in config.get("ENGINE", ""):
            raise BackupError(f"not a PostgreSQL URL: {url.split('@')[-1]}")
        return cls(
            name=config["NAME"],
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
        )

    def env(self) -> dict[str, str]:
        """The environment for pg_dump/pg_restore: the password never appears in argv."""
        env = dict(os.environ)
        for key, value in {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
        }.items():
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        return env

    def connect(self):
        return psycopg2.connect(
            dbname=self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
        )


def _fingerprints(cursor) -> dict[str, dict[str, object]]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    tables = [row[0] for row in cursor.fetchall()]
    fingerprints: dict[str, dict[str, object]] = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        # Table names come from the catalogue and are quoted; no user input reaches this.
        digest_sql = (
            "SELECT count(*), coalesce(md5(string_agg(t::text, chr(10) ORDER BY t::text)), '')"
        )
        cursor.execute(f"{digest_sql} FROM {quoted} AS t")
        count, digest = cursor.fetchone()
        fingerprints[table] = {"rows": count, "md5": digest}
    return fingerprints


def table_fingerprints(connection: Connection) -> dict[str, dict[str, object]]:
    """Row count and an order-independent MD5 of every table in the ``public`` schema."""
    conn = connection.connect()
    try:
        with conn.cursor() as cursor:
            return _fingerprints(cursor)
    finally:
        conn.close()


def _run(command: list[str], connection: Connection) -> None:
    result = subprocess.run(  # noqa: S603 - fixed programs, arguments built here
        command, env=connection.env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def create_backup(output: Path, *, connection: Connection | None = None, media_root=None) -> Path:
    """Writes the backup archive to ``output`` (a directory gets a dated file name)."""
    connection = connection or Connection.from_settings()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if output.is_dir():
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        output = output / f"healthpov-backup-{stamp}.tar"
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        dump = work_dir / "database.dump"
        # The dump and the manifest read one snapshot, so writes during the backup cannot
        # make the manifest disagree with the dump.
        conn = connection.connect()
        try:
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,) = cursor.fetchone()
                _run(
                    [
                        "pg_dump",
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        "-f",
                        str(dump),
                    ],
                    connection,
                )
                tables = _fingerprints(cursor)
        finally:
            conn.close()
        media = work_dir / "media.tar.gz"
        with tarfile.open(media, "w:gz") as archive:
            if media_root.exists():
                archive.add(media_root, arcname="media")
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "database": connection.name,
            "tables": tables,
        }
        tmp_output = output.with_suffix(".partial")
        with tarfile.open(tmp_output, "w") as archive:
            archive.add(dump, arcname="database.dump")
            archive.add(media, arcname="media.tar.gz")
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        tmp_output.replace(output)  # a half-written backup never carries the final name
    return output


def _database_is_empty(connection: Connection) -> bool:
    conn = connection.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
            (count,) = cursor.fetchone()
    finally:
        conn.close()
    return count == 0


def _safe_members(archive: tarfile.TarFile, root: str):
    """Only files and directories under ``root/``: no links, no ``..``, no absolute names."""
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or name.parts[:1] != (root,):
            raise BackupError(f"refusing a suspicious name in the media archive: {member.name}")
        if not (member.isfile() or member.isdir()):
            raise BackupError(f"refusing a link or device in the media archive: {member.name}")
        yield member


def restore_backup(
    archive_path: Path, *, connection: Connection | None = None, media_root=None
) -> dict[str, dict[str, object]]:
    """Restores into an empty database and MEDIA_ROOT; returns the verified fingerprints."""
    connection = connection or Connection.from_settings()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if not _database_is_empty(connection):
        raise BackupError(
            f"database {connection.name} is not empty: restore only into a new, empty database"
        )
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive_path) as outer:
        work_dir = Path(work)
        names = set(outer.getnames())
        if not {"database.dump", "media.tar.gz", "manifest.json"} <= names:
            raise BackupError(f"{archive_path} is not a healthpov backup")
        for name in ("database.dump", "media.tar.gz", "manifest.json"):
            outer.extract(name, work_dir, filter="data")
        manifest = json.loads((work_dir / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                connection.name,
                str(work_dir / "database.dump"),
            ],
            connection,
        )
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(work_dir / "media.tar.gz") as media:
            members = list(_safe_members(media, "media"))
            for member in members:
                member.name = str(Path(*Path(member.name).parts[1:])) or "."
            media.extractall(media_root, members=members, filter="data")
    restored = table_fingerprints(connection)
    expected = manifest["tables"]
    differences = [
        f"{table}: expected {expected.get(table)}, restored {restored.get(table)}"
        for table in sorted(set(expected) | set(restored))
        if expected.get(table) != restored.get(table)
    ]
    if differences:
        raise BackupError("restored data differs from the backup:\n" + "\n".join(differences))
    return restored
