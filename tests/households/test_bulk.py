"""Bulk writes and reads of the import engine, on the database the tests run on (COPY on
PostgreSQL, executemany on SQLite)."""

import pytest
from django.db import connection
from django.utils import timezone

from households.imports.bulk import (
    db_value,
    ids_by_key,
    insert_rows,
    insert_with_ids,
    stream_values,
    update_rows,
)
from households.models import Household

FIELDS = [
    "number", "township", "village", "head_name", "phone", "registration_year",
    "household_type", "poverty_status", "main_cause",
]  # fmt: skip
AWKWARD = ["tab\there", "line\nbreak", "back\\slash", "cr\rlf", "\\N", "", "李\t四\\n"]


@pytest.fixture
def now():
    return db_value(timezone.now())


def _rows(village, texts):
    rows = []
    for n, text in enumerate(texts):
        year = None if n % 2 else 2016
        kind = ("general", "out", "")
        rows.append((f"H{n:03d}", village.parent_id, village.pk, text, "", year, *kind))
    return rows


def test_inserted_text_comes_back_unchanged_whatever_it_holds(village_a, now):
    # COPY's text format gives tab, newline, carriage return and backslash a meaning.
    rows = [(*row, now, now) for row in _rows(village_a, AWKWARD)]
    assert insert_rows(Household, [*FIELDS, "created_at", "updated_at"], rows) == len(AWKWARD)
    stored = dict(Household.objects.values_list("number", "head_name"))
    assert stored == {row[0]: row[3] for row in rows}
    years = dict(Household.objects.values_list("number", "registration_year"))
    assert years["H000"] == 2016
    assert years["H001"] is None


def test_insert_with_ids_returns_the_id_of_each_key(village_a, now):
    rows = [(*row, now, now) for row in _rows(village_a, ["a", "b", "c"])]
    ids = insert_with_ids(
        Household, "number", [*FIELDS, "created_at", "updated_at"], rows, count=len(rows)
    )
    assert ids == dict(Household.objects.values_list("number", "pk"))
    # The table's own sequence goes on after the ids handed out.
    later = Household.objects.create(
        number="H999", township_id=village_a.parent_id, village=village_a
    )
    assert later.pk > max(ids.values())


@pytest.mark.parametrize("given", [2, 4])
def test_insert_with_ids_refuses_more_or_fewer_rows_than_promised(village_a, now, given):
    rows = [(*row, now, now) for row in _rows(village_a, ["a", "b", "c", "d"][:given])]
    with pytest.raises(ValueError, match="promised 3 rows"):
        insert_with_ids(Household, "number", [*FIELDS, "created_at", "updated_at"], rows, count=3)


def test_insert_with_ids_takes_a_generator(village_a, now):
    rows = [(*row, now, now) for row in _rows(village_a, ["a", "b"])]
    fields = [*FIELDS, "created_at", "updated_at"]
    ids = insert_with_ids(Household, "number", fields, iter(rows), count=2)
    assert ids == dict(Household.objects.values_list("number", "pk"))


def test_update_rows_changes_only_the_rows_and_fields_named(village_a, now):
    rows = [(*row, now, now) for row in _rows(village_a, ["a", "b", "c"])]
    ids = insert_with_ids(
        Household, "number", [*FIELDS, "created_at", "updated_at"], rows, count=len(rows)
    )
    assert update_rows(Household, ["head_name", "phone"], [(ids["H001"], "新\t名", "139")]) == 1
    values = Household.objects.values_list("number", "head_name", "phone")
    stored = {number: (head, phone) for number, head, phone in values}
    assert stored == {"H000": ("a", ""), "H001": ("新\t名", "139"), "H002": ("c", "")}


def test_update_rows_twice_in_one_transaction(village_a, now):
    # The temporary table of the first update is gone before the second one makes its own.
    rows = [(*row, now, now) for row in _rows(village_a, ["a"])]
    ids = insert_with_ids(
        Household, "number", [*FIELDS, "created_at", "updated_at"], rows, count=len(rows)
    )
    update_rows(Household, ["head_name"], [(ids["H000"], "b")])
    update_rows(Household, ["phone"], [(ids["H000"], "139")])
    assert Household.objects.values_list("head_name", "phone").get() == ("b", "139")


def test_stream_values_reads_every_row_a_chunk_at_a_time(village_a, now):
    rows = [(*row, now, now) for row in _rows(village_a, [str(n) for n in range(25)])]
    insert_rows(Household, [*FIELDS, "created_at", "updated_at"], rows)
    queryset = Household.objects.values_list("number", "head_name")
    streamed = list(stream_values(queryset, chunk_size=4))
    assert sorted(streamed) == sorted((row[0], row[3]) for row in rows)


def test_ids_by_key_finds_the_keys_that_exist(village_a, now):
    rows = [(*row, now, now) for row in _rows(village_a, ["a", "b"])]
    ids = insert_with_ids(
        Household, "number", [*FIELDS, "created_at", "updated_at"], rows, count=len(rows)
    )
    assert ids_by_key(Household, "number", ["H001", "H404"]) == {"H001": ids["H001"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgresql_inserts_with_copy_not_statements(village_a, now, django_assert_num_queries):
    # COPY goes through the driver directly: no INSERT passes through Django's cursor.
    rows = [(*row, now, now) for row in _rows(village_a, ["a", "b", "c"])]
    with django_assert_num_queries(0):
        insert_rows(Household, [*FIELDS, "created_at", "updated_at"], rows)
    assert Household.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pattern indexes")
@pytest.mark.django_db
def test_no_pattern_index_slows_imports_of_persons_and_households():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN "
            "('households_person', 'households_household') AND indexdef LIKE '%%pattern_ops%%'"
        )
        assert cursor.fetchall() == []
