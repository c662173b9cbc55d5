"""Query counts of roster imports, pinned: a file is imported with a fixed number of
statements, whatever its size (COPY on PostgreSQL goes past Django's cursor and is not
counted; SQLite's executemany counts once)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households import services
from households.imports import ImportContext
from households.models import StatusChange
from tests.households.workbooks import roster_row, write_roster

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def places(village_a, village_b):
    return village_a, village_b


def _import(path):
    context = ImportContext(user=None, options={"year": 2018})
    with CaptureQueriesContext(connection) as queries:
        result = services.import_file(kind="roster", path=path, context=context, actor=None)
    assert result.ok, result.error_lines()
    return queries.captured_queries


@pytest.mark.parametrize("size", [6, 60])
def test_first_import_runs_a_fixed_number_of_queries(tmp_path, places, size):
    queries = _import(write_roster(tmp_path / "r.xlsx", [roster_row(n) for n in range(size)]))
    # The batch; townships, villages; stored households, persons, roster entries; savepoint
    # and release; the batch's result. Then PostgreSQL: the JIT setting and ids from the
    # households' and persons' sequences; SQLite: the inserts of households, persons and
    # entries and the households' and persons' ids read back. Then the undo record, and the
    # recompute queued for the roster's year (its run and job, in a savepoint pair).
    assert len(queries) == (17 if POSTGRES else 19), [q["sql"][:80] for q in queries]


@pytest.mark.parametrize("size", [6, 60])
def test_unchanged_reimport_reads_and_writes_only_the_batch(tmp_path, places, size):
    path = write_roster(tmp_path / "r.xlsx", [roster_row(n) for n in range(size)])
    _import(path)
    queries = _import(path)
    sql = " ".join(q["sql"] for q in queries)
    assert 'households_person" SET' not in sql
    assert 'INSERT INTO "households_rosterentry"' not in sql
    # batch; townships, villages; households, persons, entries; savepoint pair (+ JIT
    # setting on PostgreSQL); the batch's result.
    assert len(queries) == (10 if POSTGRES else 9), [q["sql"][:80] for q in queries]


@pytest.mark.parametrize("size", [6, 60])
def test_reimport_changing_every_phone_writes_its_history_in_bulk(tmp_path, places, size):
    _import(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(size)]))
    changed = [roster_row(n, **{"联系电话": "13912345678"}) for n in range(size)]
    queries = _import(write_roster(tmp_path / "b.xlsx", changed))
    # Every person's and every household's phone (three persons a household).
    assert StatusChange.objects.filter(field="phone").count() == size + size // 3
    # As the unchanged re-import, plus the updates of households and persons and one insert
    # of the history rows (PostgreSQL: updates through a temporary table, inserts by COPY),
    # the undo record and the recompute queued (run and job in a savepoint pair).
    assert len(queries) == (21 if POSTGRES else 17), [q["sql"][:80] for q in queries]
