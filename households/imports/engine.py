"""The import engine: read → find the header → parse every cell → validate every row →
preview → apply all of it in one transaction (or nothing).

``ImportRun(ledger_class, path, context).check()`` never writes; ``.apply()`` checks again
and writes only when there is no error, unless ``valid_rows_only`` is chosen.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from households.imports.ledgers import Column, ImportContext, ImportRefused, Ledger, Row
from households.imports.normalise import CellError, compact
from households.imports.reading import (
    FileRejected,
    Sheet,
    inspect_file,
    normalise_header,
    open_sheets,
)

MAX_REPORTED_ERRORS = 10_000
# Rows under the data that offices add by hand: totals and sign-off lines. Such a row (with an
# empty key cell) is not data and is skipped like a blank row.
FOOTER_WORDS = ("合计", "总计", "小计", "制表", "填表", "审核", "负责人", "注：", "注:", "说明")


@dataclass
class ImportResult:
    """What a check or an apply found; ``errors`` are dicts ready for JSON and templates."""

    file_error: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    rows_total: int = 0
    rows_valid: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    preview: dict[str, Any] = field(default_factory=dict)
    refused: str = ""  # the ledger refused the apply (ImportRefused); nothing was written
    registry_years: list[int] = field(default_factory=list)  # changed by the apply
    registry_places: list[int] | None = None  # under which it changed (None: anywhere)
    applied: bool = False
    sheet_name: str = ""
    header_row: int = 0
    file_format: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_count and not self.refused

    def error_lines(self) -> list[str]:
        """``第 12 行 [身份证号]：message`` lines for commands and logs."""
        if self.file_error:
            return [self.file_error]
        if self.refused:
            return [*map(format_error, self.errors), self.refused]
        return [format_error(error) for error in self.errors]


def format_error(error: dict[str, Any]) -> str:
    if error.get("column"):
        return _("Row %(row)d, column %(column)s: %(message)s") % error
    return _("Row %(row)d: %(message)s") % error


@dataclass
class _Layout:
    sheet: Sheet
    header_index: int  # index in sheet.rows
    columns: list[tuple[Column, int]]  # column and its index within the row
    headers: dict[str, str]  # field → header text as written in the file


class ImportRun:
    def __init__(
        self, ledger_class: type[Ledger], path: Path | str, context: ImportContext
    ) -> None:
        self.ledger = ledger_class(context)
        self.path = Path(path)
        self.context = context

    # ----------------------------------------------------------------- reading

    def _layout(self) -> tuple[_Layout, str]:
        file_format = inspect_file(self.path)
        sheets = open_sheets(self.path, file_format)
        try:
            return self._choose_sheet(sheets), file_format
        except FileRejected:
            for sheet in sheets:
                sheet.close()
            raise

    def _choose_sheet(self, sheets: list[Sheet]) -> _Layout:
        if not sheets or all(sheet.empty for sheet in sheets):
            raise FileRejected(_("The sheet is empty: there is nothing to import."))
        best: _Layout | None = None
        for sheet in sheets:
            layout = self._find_header(sheet)
            if layout is not None and (best is None or len(layout.columns) > len(best.columns)):
                best = layout
        for sheet in sheets:
            if best is None or sheet is not best.sheet:
                sheet.close()
        if best is None:
            key = self.ledger.column(self.ledger.key)
            raise FileRejected(
                _("No ID number column was found. The header row must contain one of: %(headers)s.")
                % {"headers": "、".join(key.headers)}
            )
        missing = [
            column.label
            for column in self.ledger.columns
            if column.required and column.field not in {c.field for c, _i in best.columns}
        ]
        if missing:
            raise FileRejected(
                _("Required columns are missing from the header row: %(columns)s.")
                % {"columns": "、".join(missing)}
            )
        return best

    def _find_header(self, sheet: Sheet) -> _Layout | None:
        synonyms: dict[str, Column] = {}
        for column in self.ledger.columns:
            for header in column.headers:
                synonyms[normalise_header(header)] = column
        best: _Layout | None = None
        for index, cells in enumerate(sheet.head):
            found: dict[str, tuple[Column, int]] = {}
            headers: dict[str, str] = {}
            for position, value in enumerate(cells):
                column = synonyms.get(normalise_header(value))
                if column is not None and column.field not in found:
                    found[column.field] = (column, position)
                    headers[column.field] = str(value).strip()
            if self.ledger.key in found and (best is None or len(found) > len(best.columns)):
                best = _Layout(sheet, index, list(found.values()), headers)
        return best

    def _parse(self, layout: _Layout) -> list[Row]:
        """Parse every data row, a chunk of rows at a time and column by column.

        Going down a column lets repeated values (townships, villages, relations, yes/no…)
        be looked up instead of parsed, which is most of the cells of a roster.
        """
        sheet = layout.sheet
        positions = {column.field: position for column, position in layout.columns}
        readers = [
            _ColumnReader(
                column,
                positions.get(column.field),
                layout.headers.get(column.field, column.label),
                sheet.formula_cells,
                sheet.first_col,
            )
            for column in self.ledger.columns  # every declared column has a slot, in order
        ]
        index = {column.field: slot for slot, column in enumerate(self.ledger.columns)}
        key_position = positions[self.ledger.key]
        width_needed = max(positions.values()) + 1
        rows: list[Row] = []
        progress = self.context.progress
        height = max(sheet.height, 1)
        chunk: list[tuple[int, list[Any]]] = []
        try:
            for number, cells in sheet.iter_rows(layout.header_index + 1):
                key = cells[key_position] if key_position < len(cells) else None
                if key is None or key == "" or (type(key) is str and not key.strip()):
                    # Without a key: a blank row (tolerated), a footer (skipped) or an error.
                    if not any(
                        value != "" and (type(value) is not str or value.strip()) for value in cells
                    ):
                        continue
                    if _is_footer(cells, key_position):
                        continue
                if len(cells) < width_needed:
                    cells = [*cells, *[""] * (width_needed - len(cells))]
                chunk.append((number, cells))
                if len(chunk) == CHUNK_ROWS:
                    _parse_chunk(chunk, readers, index, rows)
                    chunk = []
                    if len(rows) % (10 * CHUNK_ROWS) == 0:
                        progress(0.1 + 0.2 * min(len(rows) / height, 1))
            if chunk:
                _parse_chunk(chunk, readers, index, rows)
        finally:
            sheet.close()  # frees the workbook before validation and writes
        if not rows:
            raise FileRejected(_("The sheet has a header row but no data rows."))
        return rows

    # --------------------------------------------------------------- running

    def check(self) -> ImportResult:
        """Read and validate everything; compute the preview counts. Writes nothing."""
        with _without_cycle_collection():
            result, rows, _layout = self._check()
            if not result.file_error:
                valid = [row for row in rows if row.ok]
                result.counts = self.ledger.plan(valid)
                result.preview = self.ledger.preview()
        return result

    def apply(
        self,
        *,
        valid_rows_only: bool = False,
        on_applied: Callable[[ImportResult], None] | None = None,
    ) -> ImportResult:
        """Check, then write in one transaction: all rows, or (if chosen) the valid ones only.

        ``on_applied(result)`` runs inside that transaction after the writes, so the record of
        the import (its batch marked applied) commits with the rows or not at all: a process
        or database dying between the two cannot leave rows under a batch that says otherwise.
        """
        with _without_cycle_collection():
            return self._apply(valid_rows_only, on_applied)

    def _apply(
        self, valid_rows_only: bool, on_applied: Callable[[ImportResult], None] | None
    ) -> ImportResult:
        result, rows, _layout = self._check()
        if result.file_error or (result.error_count and not valid_rows_only):
            return result
        valid = [row for row in rows if row.ok]
        if not valid:
            return result
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # No JIT for bulk writes (docs/architecture.md "Performance choices").
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL jit = off")
                result.counts = self.ledger.apply(valid)
                result.preview = self.ledger.preview()
                result.registry_years = self.ledger.registry_years()
                result.registry_places = self.ledger.registry_places()
                result.applied = True
                if on_applied is not None:
                    on_applied(result)
        except ImportRefused as refusal:
            result.refused = refusal.message
            result.preview = self.ledger.preview()
            result.applied = False
            return result
        self.context.progress(1.0)
        return result

    def _check(self) -> tuple[ImportResult, list[Row], _Layout | None]:
        result = ImportResult()
        try:
            layout, result.file_format = self._layout()
            result.sheet_name = layout.sheet.name
            result.header_row = layout.sheet.first_row + layout.header_index
            self.context.progress(0.1)
            rows = self._parse(layout)
        except FileRejected as exc:
            result.file_error = exc.message
            return result, [], None
        self.context.progress(0.3)
        self.ledger.validate(rows)
        self.context.progress(0.5)
        result.rows_total = len(rows)
        positions = {
            column.field: layout.sheet.first_col + position for column, position in layout.columns
        }
        for row in rows:
            if row.errors:
                for field_name, message in row.errors:
                    result.error_count += 1
                    if len(result.errors) < MAX_REPORTED_ERRORS:
                        result.errors.append(
                            {
                                "row": row.number,
                                "column": layout.headers.get(field_name, "") if field_name else "",
                                "col": positions.get(field_name) if field_name else None,
                                "message": message,
                            }
                        )
            else:
                result.rows_valid += 1
        result.errors.sort(
            key=lambda error: (error["row"], error["col"] if error["col"] is not None else -1)
        )
        return result, rows, layout


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector for the run.

    An import allocates millions of small objects (rows, tuples, parsed values) that hold no
    reference cycles; the collector's full passes over them took about 30 % of the parsing
    time. Reference counting still frees everything as usual; the collector resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


CHUNK_ROWS = 2048
# Values of a column are remembered with their parsed result, up to this many; a column of
# mostly distinct values (IDs, names, phones) stops remembering.
MEMO_SIZE = 50_000


class _Failure:
    """A cell's error, remembered like a parsed value."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _ColumnReader:
    """Parses one declared column of the sheet, a chunk of cells at a time.

    Most cells of a roster repeat a few values (townships, villages, relations, yes/no): each
    distinct value is parsed once and looked up after that, so a chunk costs a few C-level
    passes instead of a Python call per cell.
    """

    def __init__(
        self,
        column: Column,
        position: int | None,
        header: str,
        formulas: set[tuple[int, int]],
        first_col: int,
    ) -> None:
        self.field = column.field
        self.position = position
        self.parse = column.parse
        self.many = getattr(column.parse, "many", None)  # see households.imports.normalise
        self.failures = 0
        self.blank: Any = (
            _Failure(_("%(column)s is required.") % {"column": header}) if column.required else None
        )
        formula_column = (first_col + position) if position is not None else None
        self.formula_rows = {row for row, col in formulas if col == formula_column}
        self.memo: dict[Any, Any] | None = {}

    def read(
        self,
        numbers: list[int],
        cells: list[list[Any]],
        errors: dict[int, list[tuple[str | None, str]]],
    ) -> list[Any]:
        """The parsed values of this column for the chunk; errors go to ``errors[i]``."""
        values = list(map(itemgetter(self.position), cells))
        failures = self.failures
        memo = self.memo
        distinct = set(values) if memo is not None else None
        # As dictionary keys True == 1 == 1.0 and False == 0: such a chunk is parsed cell by cell.
        if memo is None or distinct is None or 0 in distinct or 1 in distinct:
            results = None
            if self.many is not None and "" not in values and None not in values:
                results = self.many(values)  # None unless every value is clean and valid
            if results is None:
                results = list(map(self._parse_one, values))
            failed = self.failures > failures
        else:
            for value in distinct.difference(memo):
                memo[value] = self._parse_one(value)
            results = list(map(memo.__getitem__, values))
            failed = any(type(memo[value]) is _Failure for value in distinct)
            if len(memo) > MEMO_SIZE or len(distinct) > len(values) // 2:
                self.memo = None  # mostly distinct values: looking them up only costs time
        if failed:
            for i, result in enumerate(results):
                if type(result) is _Failure:
                    errors.setdefault(i, []).append((self.field, result.message))
                    results[i] = None
        if self.formula_rows:
            message = _("The cell holds a formula; paste it as a value.")
            for i, number in enumerate(numbers):
                if number in self.formula_rows:
                    errors[i] = [e for e in errors.get(i, []) if e[0] != self.field]
                    errors[i].append((self.field, message))
                    results[i] = None
        return results

    def _parse_one(self, value: Any) -> Any:
        if value is None or value == "" or (type(value) is str and not value.strip()):
            result = self.blank
        else:
            try:
                return self.parse(value)
            except CellError as exc:
                result = _Failure(exc.message)
        if result is not None:
            self.failures += 1
        return result


def _parse_chunk(
    chunk: list[tuple[int, list[Any]]],
    readers: list[_ColumnReader],
    index: dict[str, int],
    rows: list[Row],
) -> None:
    numbers = [number for number, _cells in chunk]
    cells = [cells for _number, cells in chunk]
    errors: dict[int, list[tuple[str | None, str]]] = {}
    columns = [
        reader.read(numbers, cells, errors) if reader.position is not None else repeat(None)
        for reader in readers
    ]
    start = len(rows)
    # Absent columns are endless None (repeat), so the zip ends with the chunk.
    rows.extend(map(Row, numbers, zip(*columns, strict=False), repeat(index)))
    for i, row_errors in errors.items():
        rows[start + i].errors = row_errors


def _is_footer(cells: list[Any], key_position: int) -> bool:
    """A totals or sign-off row: empty key cell, first filled cell starting with a footer word."""
    key = cells[key_position] if key_position < len(cells) else None
    if key is not None and str(key).strip():
        return False
    first = next((v for v in cells if v is not None and str(v).strip()), None)
    return isinstance(first, str) and compact(first).startswith(FOOTER_WORDS)
