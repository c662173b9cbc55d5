"""Workbooks in the layout government offices use: a merged title, merged headers, 序号 first.

The plain one-header exports of the project live in :mod:`healthpov.exports`; this adds the
layout of the documents' lists (seed 001) and reuses its formula neutralising.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from healthpov.exports import XLSX_CONTENT_TYPE, neutralise, print_as_form, sheet_name


def safe_cell(value):
    """A value openpyxl will store as data: text starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal | date | datetime):
        return value
    return neutralise(str(value))


@dataclass
class Column:
    header: str
    width: int = 14
    group: str = ""  # columns sharing a group get one merged header above them


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    subtitle: str = ""
    name: str = "Sheet1"
    numbered: bool = True
    footer: list[str] = field(default_factory=list)


THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="center", wrap_text=True)


def _write_sheet(ws, sheet: Sheet) -> None:
    columns = list(sheet.columns)
    if sheet.numbered:
        columns = [Column("序号", 6), *columns]
    ncols = len(columns)
    ws.title = sheet_name(sheet.name)
    row = 1
    ws.cell(row=row, column=1, value=safe_cell(sheet.title)).font = Font(bold=True, size=16)
    ws.cell(row=row, column=1).alignment = CENTRE
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    ws.row_dimensions[row].height = 30
    row += 1
    if sheet.subtitle:
        ws.cell(row=row, column=1, value=safe_cell(sheet.subtitle)).alignment = Alignment(
            horizontal="left"
        )
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        row += 1
    grouped = any(c.group for c in columns)
    header_rows = 2 if grouped else 1
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
        if grouped and column.group:
            cell = ws.cell(row=row + 1, column=index, value=safe_cell(column.header))
        else:
            cell = ws.cell(row=row, column=index, value=safe_cell(column.header))
            if grouped:
                ws.merge_cells(start_row=row, start_column=index, end_row=row + 1, end_column=index)
        cell.font = Font(bold=True)
    if grouped:
        index = 1
        while index <= ncols:
            group = columns[index - 1].group
            end = index
            while group and end < ncols and columns[end].group == group:
                end += 1
            if group:
                ws.cell(row=row, column=index, value=safe_cell(group)).font = Font(bold=True)
                if end > index:
                    ws.merge_cells(start_row=row, start_column=index, end_row=row, end_column=end)
            index = end + 1
    for r in range(row, row + header_rows):
        for c in range(1, ncols + 1):
            ws.cell(row=r, column=c).alignment = CENTRE
            ws.cell(row=r, column=c).border = BORDER
    row += header_rows
    title_rows = row - 1
    ws.freeze_panes = ws.cell(row=row, column=1)
    for number, values in enumerate(sheet.rows, start=1):
        values = [number, *values] if sheet.numbered else list(values)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=c, value=safe_cell(value))
            cell.border = BORDER
            cell.alignment = WRAP
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
        row += 1
    for line in sheet.footer:
        ws.cell(row=row, column=1, value=safe_cell(line))
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        row += 1
    print_as_form(ws, title_rows=title_rows, unit=sheet.subtitle or "")


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    wb = Workbook()
    for index, sheet in enumerate(sheets):
        ws = wb.active if index == 0 else wb.create_sheet()
        _write_sheet(ws, sheet)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_response(sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response
