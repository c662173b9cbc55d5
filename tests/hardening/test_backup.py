"""Backup and restore: a restore into an empty database gives the same rows, byte for byte."""

import io
import json
import tarfile
from datetime import date

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from healthpov.operations.backup import BackupError, Connection, _safe_members, table_fingerprints
from households.models import Household, Person

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="backup/restore drive pg_dump/pg_restore: runs in the PostgreSQL pass"
)


@pytest.fixture
def registry_rows(village_a, village_b, township_a, township_b):
    for index, (township, village) in enumerate([(township_a, village_a), (township_b, village_b)]):
        household = Household.objects.create(
            number=f"35042900{index}", township=township, village=village, head_name="户主"
        )
        Person.objects.create(
            id_number=f"35042919560301{index:03d}X"[:18],
            name="张三'\"\n混合",
            sex="M",
            birth_date=date(1956, 3, 1),
            household=household,
            relation="head",
        )


@pytest.fixture
def empty_database():
    source = Connection.from_settings()
    name = f"{source.name}_restore"
    admin = psycopg2.connect(
        dbname="postgres",
        host=source.host or None,
        port=source.port or None,
        user=source.user or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://{source.user}@{source.host or '127.0.0.1'}:{source.port or 5432}/{name}"
    yield url
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_restore_into_empty_database_has_identical_tables(
    tmp_path, settings, registry_rows, user_a, county_user, empty_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "findings").mkdir(parents=True)
    (settings.MEDIA_ROOT / "findings" / "photo.jpg").write_bytes(b"\xff\xd8photo-bytes")
    call_command("backup", str(tmp_path))
    (archive,) = tmp_path.glob("healthpov-backup-*.tar")

    restored_media = tmp_path / "restored-media"
    call_command(
        "restore", str(archive), database_url=empty_database, media_root=str(restored_media)
    )

    source = table_fingerprints(Connection.from_settings())
    restored = table_fingerprints(Connection.from_url(empty_database))
    assert source == restored
    assert source["households_person"]["rows"] == 2
    assert (restored_media / "findings" / "photo.jpg").read_bytes() == b"\xff\xd8photo-bytes"


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path, registry_rows):
    call_command("backup", str(tmp_path / "b.tar"))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "b.tar"), media_root=str(tmp_path / "m"))


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_restore_fails_when_a_table_differs_from_the_manifest(
    tmp_path, registry_rows, empty_database
):
    call_command("backup", str(tmp_path / "b.tar"))
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(tmp_path / "b.tar") as original, tarfile.open(tampered, "w") as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["households_person"]["rows"] = 3
                data = json.dumps(manifest).encode()
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="households_person"):
        call_command(
            "restore", str(tampered), database_url=empty_database, media_root=str(tmp_path / "m")
        )


def test_backup_needs_postgresql():
    with pytest.raises(BackupError, match="PostgreSQL"):
        Connection.from_url("sqlite:////tmp/healthpov.sqlite3")


@pytest.mark.parametrize("name", ["media/../../etc/passwd", "/etc/passwd", "other/file"])
def test_media_archive_with_an_escaping_name_is_refused(tmp_path, name):
    path = tmp_path / "media.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(name)
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    with tarfile.open(path) as archive, pytest.raises(BackupError, match="suspicious"):
        list(_safe_members(archive, "media"))
