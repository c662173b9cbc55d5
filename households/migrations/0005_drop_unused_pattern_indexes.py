"""Drop the varchar_pattern_ops indexes Django adds on PostgreSQL for unique text columns.

They serve only ``LIKE 'prefix%'`` lookups. Nothing looks up ID numbers or household numbers by
prefix (searches use ``contains``, which no B-tree serves; exact lookups use the unique index),
while every imported person and household pays for one more index entry, a noticeable share
of the server's work of copying a roster in (docs/architecture.md "Performance choices").
"""

from django.db import migrations

INDEXES = [
    ("households_person_id_number_91491555_like", "households_person", "id_number"),
    ("households_household_number_d0cee13c_like", "households_household", "number"),
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # only PostgreSQL has them
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("households", "0004_drop_indexes_covered_by_composites")]

    operations = [migrations.RunPython(drop, create)]
