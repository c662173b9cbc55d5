"""One import engine for the roster and every ledger (台账).

The engine (parse → normalise → validate every row → preview → apply in one transaction)
lives here; a ledger is a small declaration. To add one, create ``<app>/ledgers.py`` (it is
imported automatically) and register a class::

    from django.utils.translation import gettext as _

    from households.imports import ID_NUMBER_COLUMN, Column, UpsertLedger, normalise, register


    @register
    class HealthCheckLedger(UpsertLedger):
        kind = "health_checks"                  # used by: manage.py import_ledger KIND PATH
        label = "体检台账"
        columns = [
            ID_NUMBER_COLUMN,                   # every ID-number header synonym, once
            Column("checked_on", ("体检日期",), normalise.date, required=True),
            Column("summary", ("结果摘要",), normalise.text(500)),
        ]
        model = HealthCheck
        fields = ("summary",)                   # what a row may update on a stored record

        def key_of(self, row):                  # what identifies the row's record
            return (row.person.pk, row["checked_on"])

        def validate_rows(self, rows):          # row.person is set; an ID not on the roster
            for row in rows:                    # (or not visible to the user) is a row error
                if row["checked_on"] and row["checked_on"] > self.context.today:
                    row.error("checked_on", _("The date is in the future."))

        def existing(self, rows):               # {key: stored record}, one query
            return {(c.person_id, c.checked_on): c
                    for c in HealthCheck.objects.filter(person__in=self.persons(rows))}

        def values(self, row):                  # compared with the stored record
            return {"checked_on": row["checked_on"], "summary": row["summary"] or ""}

    The base class finds duplicate keys in the file, and its ``plan`` / ``apply`` count and
    write what is new or changed in bulk with simple-history rows (the same file imported
    twice changes nothing). A ledger that is not an upsert subclasses ``PersonLedger`` (rows
    name a person on the roster) or ``Ledger`` and writes ``plan(rows)`` (preview counts, no
    writes) and ``apply(rows)`` (inside ONE transaction, only rows without errors, bulk writes).

What the engine does for every ledger:

- the file is refused whole (``ImportResult.file_error``) when it is too large, not a
  spreadsheet, encrypted, has macros, is a zip bomb, has a hidden sheet, is empty, or has no
  header row containing the ``key`` column (default ``id_number``) or a required column;
- the header row is looked for among the first 30 rows under any title rows; header texts
  are matched ignoring spaces, full-width characters, ``*`` and colons;
- every non-blank cell goes through its column's parser (``row.values[field]``; blank cells
  are absent); parser errors, required blanks and formula cells become row errors naming the
  Excel row number and the column header as written in the file;
- ``Row.values["id_number"]`` holds a :class:`households.idnumber.ResidentId` (``.number``,
  ``.birth_date``, ``.sex``);
- ``apply`` runs only when there is no error at all, unless the user chose
  ``valid_rows_only``; on PostgreSQL JIT is switched off for the transaction.

Speed (``bench/import_roster.py``: 100,000 rows): each worksheet's XML is scanned once before
calamine reads it; rows are parsed a chunk at a time, column by column, each distinct value
once, and a parser may parse a whole chunk of clean values at once (``parse.many``, see
:mod:`~households.imports.normalise`); the cycle collector pauses during a run. A ledger with
large writes uses :mod:`households.imports.bulk` (tuples, COPY on PostgreSQL, executemany on
SQLite) and compares stored rows as they stream past (``stream_values``) instead of loading
model instances.

Entry points: ``ImportRun(get_ledger(kind), path, ImportContext(user=...)).check()`` /
``.apply()``; the services ``households.services.import_batch_*`` for uploads kept as
:class:`households.models.ImportBatch`; ``manage.py import_ledger KIND PATH [--dry-run]
[--valid-rows-only] [--user USERNAME]``; :func:`build_error_report` for the workbook with
the bad cells highlighted. Parsers: :mod:`households.imports.normalise`.
"""

from households.imports import normalise
from households.imports.engine import ImportResult, ImportRun, format_error
from households.imports.ledgers import (
    ID_NUMBER_COLUMN,
    ID_NUMBER_HEADERS,
    Column,
    ImportContext,
    ImportRefused,
    Ledger,
    PersonLedger,
    Row,
    UpsertLedger,
    Upserts,
    get_ledger,
    ledger_kinds,
    register,
)
from households.imports.normalise import CellError
from households.imports.reading import FileRejected
from households.imports.report import ErrorGroup, build_error_report, group_errors, row_ranges

__all__ = [
    "ID_NUMBER_COLUMN",
    "ID_NUMBER_HEADERS",
    "CellError",
    "Column",
    "ErrorGroup",
    "FileRejected",
    "ImportContext",
    "ImportRefused",
    "ImportResult",
    "ImportRun",
    "Ledger",
    "PersonLedger",
    "Row",
    "UpsertLedger",
    "Upserts",
    "build_error_report",
    "format_error",
    "get_ledger",
    "group_errors",
    "ledger_kinds",
    "normalise",
    "register",
    "row_ranges",
]
