"""The error report: the user's own workbook back, bad cells filled red, a message column added.
Every text that a spreadsheet would read as a formula is written as text.

An ``.xls`` file cannot be edited in place, so its cells are copied into a new ``.xlsx``.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from healthpov.exports import neutralise
from households.imports.reading import open_sheets

BAD_FILL = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
BAD_FONT = Font(color="FF9C0006")


def _neutralise_sheet(sheet) -> None:
    """Every formula of the user's workbook comes back as its text, never as a live formula
    (``=HYPERLINK(...)`` would otherwise work again in the report)."""
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if cell.data_type == "f" and not isinstance(value, str):
                value = getattr(value, "text", None) or str(value)  # array / table formulas
            if isinstance(value, str):
                cleaned = neutralise(value)
                if cleaned is not value or cell.data_type == "f":
                    cell.value = cleaned
                    cell.data_type = "s"


@dataclass(frozen=True)
class ErrorGroup:
    """Rows that share one message in one column: how many, and which (as ranges)."""

    message: str
    column: str
    rows: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def ranges(self) -> str:
        """``3-5、9、12-20``: the rows, contiguous runs as ranges."""
        return row_ranges(self.rows)


def row_ranges(rows: Iterable[int]) -> str:
    numbers = sorted(set(rows))
    parts: list[str] = []
    start = previous = None
    for number in [*numbers, None]:
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    return pgettext("separator between row ranges", ", ").join(parts)


def group_errors(errors: Iterable[dict[str, Any]]) -> list[ErrorGroup]:
    """The errors grouped by column and message, the most frequent first (then by first row),
    so a file with one wrong village on 1,000 rows reads as one line, not a thousand."""
    rows_of: dict[tuple[str, str], list[int]] = {}
    for error in errors:
        rows_of.setdefault((error.get("column") or "", error["message"]), []).append(error["row"])
    groups = [
        ErrorGroup(message=message, column=column, rows=tuple(sorted(set(rows))))
        for (column, message), rows in rows_of.items()
    ]
    groups.sort(key=lambda group: (-group.count, group.rows[0], group.column))
    return groups


def build_error_report(
    path: Path | str,
    *,
    file_format: str,
    sheet_name: str,
    header_row: int,
    errors: list[dict[str, Any]],
) -> bytes:
    path = Path(path)
    by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for error in errors:
        by_row[error["row"]].append(error)
    if file_format == "xlsx":
        workbook = openpyxl.load_workbook(path)
        sheet = workbook[sheet_name]
        _neutralise_sheet(sheet)
    else:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = sheet_name[:31] or "Sheet1"
        sheets = open_sheets(path, file_format)
        try:
            source = next(s for s in sheets if s.name == sheet_name)
            for number, cells in source.iter_rows():
                for offset, value in enumerate(cells):
                    if value not in (None, ""):
                        sheet.cell(
                            row=number,
                            column=source.first_col + offset + 1,
                            value=neutralise(value),
                        )
        finally:
            for each in sheets:
                each.close()
    message_column = sheet.max_column + 1
    header = sheet.cell(row=header_row, column=message_column, value=_("What is wrong"))
    header.font = Font(bold=True, color="FF9C0006")
    for row_number, row_errors in by_row.items():
        texts = []
        for error in row_errors:
            if error.get("col") is not None:
                cell = sheet.cell(row=row_number, column=error["col"] + 1)
                cell.fill = BAD_FILL
                cell.font = BAD_FONT
                cell.comment = Comment(error["message"], "healthpov")
                texts.append(f"{error['column']}：{error['message']}")
            else:
                texts.append(error["message"])
        message = sheet.cell(
            row=row_number, column=message_column, value=neutralise("；".join(texts))
        )
        message.font = BAD_FONT
    sheet.column_dimensions[openpyxl.utils.get_column_letter(message_column)].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
