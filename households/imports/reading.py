"""Opening an uploaded spreadsheet safely and finding its header row.

Everything that can be wrong with the *file* (rather than a row) raises :class:`FileRejected`
with a Chinese message: too large, not a spreadsheet, encrypted, macros, a zip bomb, hidden
sheets, empty, no ID column. Checks run on the bytes before python-calamine parses anything,
so memory stays bounded by ``IMPORT_MAX_FILE_BYTES`` and ``IMPORT_MAX_UNCOMPRESSED_BYTES``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import python_calamine
from django.conf import settings
from django.utils.translation import gettext as _

from households.imports.normalise import compact

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HEADER_SEARCH_ROWS = 30
# A member compressed better than this (and bigger than 1 MB) is treated as a zip bomb.
MAX_COMPRESSION_RATIO = 200
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
# Row numbers of <row> elements; cells in column AA or beyond; cells in row 100000 or beyond.
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
_WIDE_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{2,3})\d+\"")
_DEEP_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"[A-Z]+(\d{6,})\"")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


class FileRejected(Exception):
    """The whole file is refused; ``message`` says why in words the user understands."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def max_file_bytes() -> int:
    return settings.IMPORT_MAX_FILE_BYTES


def max_cells() -> int:
    return getattr(settings, "IMPORT_MAX_CELLS", 5_000_000)


def max_uncompressed_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 15 * settings.IMPORT_MAX_FILE_BYTES)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def check_file(path: Path) -> str:
    """Refuse files that must not reach the parser; return ``"xlsx"`` or ``"xls"``."""
    size = path.stat().st_size
    if size == 0:
        raise FileRejected(_("The file is empty."))
    if size > max_file_bytes():
        raise FileRejected(
            _(
                "The file is too large (%(size)s MB); the limit is "
                "%(limit)s MB. Split it by township."
            )
            % {"size": _megabytes(size), "limit": _megabytes(max_file_bytes())}
        )
    with path.open("rb") as handle:
        head = handle.read(2048)
    if head.startswith(ZIP_MAGIC):
        _check_zip(path)
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        _check_ole2(path)
        return "xls"
    lowered = head.lstrip().lower()
    if lowered.startswith(b"%pdf"):
        raise FileRejected(
            _("This is a PDF file renamed as a spreadsheet; upload the Excel file itself.")
        )
    if (
        lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table"))
        or b"<html" in lowered
    ):
        raise FileRejected(
            _(
                "This is a web page (HTML) saved with a spreadsheet name; "
                "open it in Excel and save it as .xlsx."
            )
        )
    raise FileRejected(_("This is not an Excel file (.xlsx or .xls)."))


def _check_zip(path: Path) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FileRejected(
            _("The file is damaged and cannot be opened as a spreadsheet.")
        ) from None
    with archive:
        names = set()
        total = 0
        for info in archive.infolist():
            names.add(info.filename)
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > max_uncompressed_bytes() or (
                info.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO
            ):
                raise FileRejected(
                    _(
                        "The file unpacks to far more data than a spreadsheet "
                        "holds and was refused (possible zip bomb)."
                    )
                )
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            raise FileRejected(_("This is not an Excel file (.xlsx or .xls)."))
        if "xl/workbook.bin" in names:
            raise FileRejected(
                _("Binary workbooks (.xlsb) are not accepted; save the file as .xlsx.")
            )
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise FileRejected(
                _(
                    "The workbook contains macros (.xlsm); save it as a "
                    "plain .xlsx workbook without macros."
                )
            )
        for name in names:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _check_extent(archive, name)


def _check_extent(archive: zipfile.ZipFile, member: str) -> None:
    """Refuse a sheet whose used range is huge: the reader would allocate every cell of it.

    A sheet with one cell at XFD1048576 is a few bytes on disk but 17 billion cells in memory.
    """
    max_row, max_col = 0, 26
    with archive.open(member) as stream:
        tail = b""
        while chunk := stream.read(1024 * 1024):
            data = tail + chunk
            for match in _ROW_TAG.finditer(data):
                max_row = max(max_row, int(match[1]))
            for match in _DEEP_CELL.finditer(data):
                max_row = max(max_row, int(match[1]))
            for match in _WIDE_CELL.finditer(data):
                max_col = max(max_col, _column_index(match[1].decode()) + 1)
            tail = data[-200:]
    if max_row * max_col > max_cells():
        raise FileRejected(
            _(
                "The sheet's used range is far too large (about %(rows)s rows × %(cols)s columns). "
                "Delete the empty rows and columns beyond the data and upload again."
            )
            % {"rows": f"{max_row:,}", "cols": f"{max_col:,}"}
        )


def _check_ole2(path: Path) -> None:
    # An encrypted .xlsx is an OLE2 container holding an "EncryptedPackage" stream.
    with path.open("rb") as handle:
        data = handle.read(min(path.stat().st_size, 4 * 1024 * 1024))
    if (
        "EncryptedPackage".encode("utf-16-le") in data
        or "EncryptionInfo".encode("utf-16-le") in data
    ):
        raise FileRejected(
            _("The workbook is protected with a password; remove the password and upload it again.")
        )
    if "_VBA_PROJECT".encode("utf-16-le") in data:
        raise FileRejected(
            _("The workbook contains macros; save it as a plain .xlsx workbook without macros.")
        )


class Sheet:
    """One worksheet, read lazily from python-calamine with absolute (Excel) positions kept.

    Rows are produced one at a time (``iter_rows``) so only the parsed values stay in memory;
    ``close()`` frees the workbook once the rows are parsed.
    """

    def __init__(self, name: str, book: _Book, sheet) -> None:
        self.name = name
        self._book: _Book | None = book
        self._sheet = sheet
        start = sheet.start or (0, 0)
        self.first_row = start[0] + 1  # Excel row number of the first row
        self.first_col = start[1]  # zero-based column index of a row's first cell
        self.height = sheet.height
        self.formula_cells: set[tuple[int, int]] = set()  # (Excel row, zero-based column)
        self._head: list[list[Any]] | None = None

    @property
    def head(self) -> list[list[Any]]:
        """The first rows, where the header is looked for."""
        if self._head is None:
            self._head = []
            for cells in self._sheet.iter_rows():
                self._head.append(cells)
                if len(self._head) >= HEADER_SEARCH_ROWS:
                    break
        return self._head

    @property
    def empty(self) -> bool:
        return not any(any(value not in (None, "") for value in cells) for cells in self.head)

    def iter_rows(self, start: int = 0) -> Iterator[tuple[int, list[Any]]]:
        """(Excel row number, cells) from the ``start``-th row on."""
        number = self.first_row
        for index, cells in enumerate(self._sheet.iter_rows()):
            if index >= start:
                yield number, cells
            number += 1

    def close(self) -> None:
        """Free this sheet; the workbook closes with the last of its sheets. Idempotent."""
        self._sheet = None
        if self._book is not None:
            self._book.release()
            self._book = None


class _Book:
    """A calamine workbook shared by its sheets: closed once, when the last sheet lets go."""

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.users = 0

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            self.workbook.close()


def open_sheets(path: Path, kind: str) -> list[Sheet]:
    """All visible worksheets of the file (a hidden sheet refuses the whole workbook)."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise FileRejected(
            _("The workbook is protected with a password; remove the password and upload it again.")
        ) from None
    except (
        python_calamine.CalamineError,
        python_calamine.ZipError,
        python_calamine.XmlError,
        ValueError,
        OSError,
    ):
        raise FileRejected(
            _("The file is damaged and cannot be opened as a spreadsheet.")
        ) from None
    sheets: list[Sheet] = []
    book = _Book(workbook)
    try:
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != str(python_calamine.SheetTypeEnum.WorkSheet):
                continue
            if str(meta.visible) != str(python_calamine.SheetVisibleEnum.Visible):
                raise FileRejected(
                    _(
                        "The workbook has a hidden sheet “%(name)s”. "
                        "Unhide or delete it, then upload again."
                    )
                    % {"name": meta.name}
                )
            book.users += 1
            sheets.append(Sheet(meta.name, book, workbook.get_sheet_by_name(meta.name)))
    except (python_calamine.CalamineError, python_calamine.XmlError, python_calamine.ZipError):
        workbook.close()
        raise FileRejected(
            _("The file is damaged and cannot be opened as a spreadsheet.")
        ) from None
    except FileRejected:
        workbook.close()
        raise
    if not sheets:
        workbook.close()
    if kind == "xlsx":
        _find_formulas(path, sheets)
    return sheets


def _find_formulas(path: Path, sheets: list[Sheet]) -> None:
    """Mark cells holding formulas: their values depend on other cells and are refused.

    A fast byte search first; only worksheets that contain a formula tag are parsed further.
    """
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as archive:
        targets = _sheet_targets(archive)
        for sheet in sheets:
            member = targets.get(sheet.name)
            if member is None or member not in archive.namelist():
                continue
            found = False
            with archive.open(member) as stream:
                tail = b""
                while chunk := stream.read(1024 * 1024):
                    if _FORMULA_TAG.search(tail + chunk):
                        found = True
                        break
                    tail = chunk[-16:]
            if not found:
                continue
            with archive.open(member) as stream:
                current_ref = None
                for _event, element in ET.iterparse(stream, events=("start", "end")):  # noqa: S314
                    tag = element.tag.rsplit("}", 1)[-1]
                    if _event == "start" and tag == "c":
                        current_ref = element.get("r")
                    elif _event == "end" and tag == "f" and current_ref:
                        match = _CELL_REF.match(current_ref)
                        if match:
                            sheet.formula_cells.add((int(match[2]), _column_index(match[1])))
                    elif _event == "end" and tag == "row":
                        element.clear()


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def _sheet_targets(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → archive member of its XML."""
    import xml.etree.ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    except (KeyError, ET.ParseError):
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    result = {}
    for sheet in workbook.iter(f"{ns_main}sheet"):
        rel_id = sheet.get(f"{ns_rel}id")
        if rel_id in targets:
            result[sheet.get("name")] = targets[rel_id]
    return result


def normalise_header(value: Any) -> str:
    """Header text for matching: no spaces, half-width brackets, no required-marks or colons."""
    if value is None:
        return ""
    text = compact(value)
    return text.replace("*", "").replace("＊", "").replace(":", "").replace("：", "")
