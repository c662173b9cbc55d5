"""The person indexes SQLite lacks.

The unique constraints of 0004 are covering (``include=``), which SQLite cannot build, so
Django leaves them out there: on SQLite contracts, not-signed records, chronic
registrations and special-disease diagnoses had no index on the person and nothing kept a
person to one row per year (or disease). This builds the same unique indexes without the
included columns, on SQLite only; PostgreSQL has the covering ones. Django does not know
them, so a later migration that makes SQLite rebuild one of these tables drops its index:
such a migration must create it again (``SQLITE_INDEXES``).
"""

from django.db import migrations

SQLITE_INDEXES = [
    ("contract_unique_per_person_year", "signing_contract", "person_id, year"),
    ("unsigned_unique_per_person_year", "signing_unsignedrecord", "person_id, year"),
    ("chronic_unique_person_disease", "signing_chronicregistration", "person_id, disease_id"),
    ("special_unique_person_disease", "signing_specialdiseasediagnosis", "person_id, disease_id"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, table, columns in SQLITE_INDEXES:
        schema_editor.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, _table, _columns in SQLITE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("signing", "0005_followup_visit")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
