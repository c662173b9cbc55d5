"""Spreadsheet exports shared by every app: formula-injection-safe cells and masked values.

``write_xlsx(headers, rows)`` streams rows into an ``.xlsx`` (openpyxl write-only mode) and
neutralises every text cell that a spreadsheet would treat as a formula. Mask personal data
*before* handing rows over (``mask_id_number`` / ``mask_phone`` from
:mod:`healthpov.accounts.masking`), or use :func:`personal_value` which masks unless the user
may see the full value.

    from healthpov.exports import xlsx_response
    return xlsx_response("花名册.xlsx", headers, rows, sheet_title="花名册")

Exports of persons offer full ID numbers and phones to users who may reveal them: the export
view answers GET with masked values and a POST carrying ``reveal=1`` (never a URL parameter)
with full ones, refused (403) to anyone else. :func:`reveal_requested` reads that choice and
:func:`personal_xlsx_response` records the reveal in the audit with the number of rows
(``healthpov.accounts.models.ExportReveal``). Template: ``snippets/export_reveal_form.html``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from healthpov.accounts.masking import mask_id_number, mask_phone
from healthpov.accounts.services import export_reveal_record

REVEAL_FIELD = "reveal"
FORMULA_TRIGGERS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    # Full-width and small-form look-alikes: spreadsheet programs with East Asian input read
    # them as = + - @.
    "\uff1d",  # ＝
    "\uff0b",  # ＋
    "\uff0d",  # －
    "\uff20",  # ＠
    "\ufe66",  # ﹦
    "\ufe62",  # ﹢
    "\ufe63",  # ﹣
    "\ufe6b",  # ﹫
)
# Spaces a spreadsheet program skips before it looks for a formula (ASCII and ideographic).
LEADING_SPACES = " \u3000"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A text starting (after spaces) with = + - @ TAB CR LF or a full-width look-alike gets a
    leading apostrophe so it stays text. The one rule for every export and report."""
    if isinstance(value, str) and value.lstrip(LEADING_SPACES).startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def sheet_name(title: str) -> str:
    """A title made a valid sheet name: Excel refuses []:*?/\\ and more than 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "-", title).strip("'")[:31] or "Sheet1"


def _header_text(text: str) -> str:
    # "&" starts a code in Excel's header/footer language (&P is the page number).
    return text.replace("&", "&&")


def print_as_form(
    sheet: Worksheet, *, title_rows: int, unit: str = "", period: str = "", landscape: bool = True
) -> None:
    """Page setup of a form meant to be printed, stamped and filed.

    A4, landscape unless told, scaled to one page wide (as many pages down as the rows need),
    the title and header rows (``1..title_rows``) repeated on every page, the reporting unit
    and period in the page header, the print date and "page n of m" in the footer.
    """
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = sheet.ORIENTATION_LANDSCAPE if landscape else sheet.ORIENTATION_PORTRAIT
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as needed
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"1:{title_rows}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(
        left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3, footer=0.3
    )
    if unit:
        sheet.oddHeader.left.text = _header_text(unit)
    if period:
        sheet.oddHeader.right.text = _header_text(period)
    printed = date_format(timezone.localdate(), "DATE_FORMAT")
    sheet.oddFooter.left.text = _header_text(_("Printed on %(date)s") % {"date": printed})
    # &P and &N are Excel's page number and page count.
    sheet.oddFooter.right.text = _("Page &P of &N")


def personal_value(value: str, *, kind: str, reveal: bool) -> str:
    """The full value when ``reveal`` (the user may see it), else the masked one."""
    if reveal:
        return value
    return mask_id_number(value) if kind == "id_number" else mask_phone(value)


def write_xlsx(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Sheet1"
) -> bytes:
    """An .xlsx with a bold header row; every text cell neutralised, IDs kept as text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name(sheet_title))
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(str(header)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str = "Sheet1",
) -> HttpResponse:
    response = HttpResponse(
        write_xlsx(headers, rows, sheet_title=sheet_title), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def reveal_requested(request: HttpRequest) -> bool:
    """Whether an export is to carry full ID numbers and phones: only when POSTed with
    ``reveal=1``; a user who may not reveal personal data is refused (403)."""
    if request.method != "POST" or request.POST.get(REVEAL_FIELD) != "1":
        return False
    if not request.user.may_reveal_personal_data:
        raise PermissionDenied
    return True


class _Counted:
    """Passes rows through, counting them."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def personal_xlsx_response(
    request: HttpRequest,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    reveal: bool,
    sheet_title: str = "Sheet1",
) -> HttpResponse:
    """``xlsx_response`` for an export of persons; when ``reveal`` (the rows carry full
    values, see :func:`reveal_requested`) the export is recorded as a reveal: who, when,
    which export (its URL name and query) and how many rows."""
    counted = _Counted(rows)
    response = xlsx_response(filename, headers, counted, sheet_title=sheet_title)
    if reveal:
        match = request.resolver_match
        export_reveal_record(
            actor=request.user,
            export=match.view_name if match else request.path,
            rows=counted.count,
            parameters=request.GET.urlencode(),
        )
    return response
