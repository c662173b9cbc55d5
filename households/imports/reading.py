"""Opening an uploaded spreadsheet safely and finding its header row.

Everything that can be wrong with the *file* (rather than a row) raises :class:`FileRejected`
with a Chinese message: too large, not a spreadsheet, encrypted, macros, a zip bomb, hidden
sheets, empty, no ID column. Checks run on the bytes before python-calamine parses anything in
this process, so memory stays bounded by ``IMPORT_MAX_FILE_BYTES``,
``IMPORT_MAX_UNCOMPRESSED_BYTES`` and ``IMPORT_MEMORY_LIMIT_MB``.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

import python_calamine
from django.conf import settings
from django.utils.translation import gettext as _

from households.imports import biff
from households.imports.memory import TrialRead, memory_limit_mb
from households.imports.normalise import compact

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HEADER_SEARCH_ROWS = 30
# A member compressed better than this (and bigger than 1 MB) is treated as a zip bomb.
MAX_COMPRESSION_RATIO = 200
_FORMULA_TAG = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
# The r attribute of a <c> (cell) or <row> element: column letters (cells only), row digits.
_REF_ATTRIBUTE = re.compile(rb"""r\s*=\s*["']([A-Za-z]*)(\d+)["']""")
SCAN_CHUNK = 1024 * 1024
MAX_TEXT_RUN = 2 * 1024 * 1024  # bytes without a ">": no real worksheet has such a run


class FileRejected(Exception):
    """The whole file is refused; ``message`` says why in words the user understands."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def max_file_bytes() -> int:
    return settings.IMPORT_MAX_FILE_BYTES


def max_cells() -> int:
    return settings.IMPORT_MAX_CELLS


def max_uncompressed_bytes() -> int:
    return settings.IMPORT_MAX_UNCOMPRESSED_BYTES


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def inspect_file(path: Path) -> str:
    """Refuse files that must not reach the parser (one pass over each worksheet's XML to
    measure its used range, the records of an .xls, and a trial read in a child process under
    ``IMPORT_MEMORY_LIMIT_MB``: :mod:`households.imports.memory`); return ``"xlsx"`` or
    ``"xls"``."""
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
        # The trial read is needed only where reading could come near the ceiling: with
        # twice the bound of what reading may take within it, the file cannot exceed it.
        if 2 * _check_zip(path) > memory_limit_mb() * 1024 * 1024:
            _trial_read(path)
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        trial = TrialRead(path)  # reads under the memory ceiling while the records are walked
        try:
            _check_ole2(path)
            refusal = trial.verdict()
        finally:
            trial.cancel()
        if refusal:
            raise FileRejected(refusal)
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


def _trial_read(path: Path) -> None:
    trial = TrialRead(path)
    try:
        refusal = trial.verdict()
    finally:
        trial.cancel()
    if refusal:
        raise FileRejected(refusal)


# What reading one cell may take at most besides its text: the reader's cell (32 bytes), the
# list slot and the Python object's header.
CELL_BYTES = 120


def _longest_shared_string(archive: zipfile.ZipFile, names: set[str]) -> int:
    """The bytes of the longest entry (``<si>``) of the shared-string table, 0 without one."""
    name = next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
    if name is None:
        return 0
    longest, offset, last = 0, 0, 0
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            start = 0
            while (found := data.find(b"<si", start)) >= 0:
                position = offset - len(tail) + found
                longest = max(longest, position - last)
                last, start = position, found + 3
            offset += len(chunk)
            tail = data[-2:]
    return max(longest, offset - last)


def _check_zip(path: Path) -> int:
    """Check the archive and the used range of every worksheet; return an upper bound of the
    bytes reading it may take: per cell of each used range its overhead and the longest
    shared string twice (the reader's copy and Python's, neither longer than its UTF-8
    bytes), plus the worksheets' and the shared-string table's own text twice."""
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
        cells = text = 0
        for name in _worksheet_members(names):
            scan = scan_worksheet(archive, name, formulas=False)
            _check_range(scan.rows, scan.columns)
            cells += scan.rows * scan.columns
            text += archive.getinfo(name).file_size
        shared = _longest_shared_string(archive, names)
        strings = sum(
            i.file_size
            for i in archive.infolist()
            if i.filename.lower().endswith("sharedstrings.xml")
        )
        return cells * (CELL_BYTES + 2 * shared) + 2 * (text + strings)


def _check_range(rows: int, columns: int) -> None:
    """Refuse a sheet whose used range would make a grid far larger than any roster."""
    if rows * columns > max_cells():
        raise FileRejected(
            _(
                "The sheet's used range is far too large (about %(rows)s rows × "
                "%(cols)s columns). Delete the empty rows and columns beyond the data "
                "and upload again."
            )
            % {"rows": f"{rows:,}", "cols": f"{columns:,}"}
        )


@dataclass(frozen=True)
class WorksheetScan:
    rows: int  # the largest row number referenced
    columns: int  # the largest column referenced (at least 26)
    has_formula: bool


def scan_worksheet(
    archive: zipfile.ZipFile,
    member: str,
    *,
    chunk_size: int = SCAN_CHUNK,
    extent: bool = True,
    formulas: bool = True,
) -> WorksheetScan:
    """One pass over a worksheet's XML: its used range (``extent``) and whether it holds
    formulas (``formulas``); what is not asked for is reported as 0 / False.

    The reader allocates every cell of the used range: a sheet with one cell at XFD1048576 is
    a few bytes on disk but 17 billion cells in memory, so the range is measured first, from
    the ``r`` attribute of every cell and row. Only references beyond the largest seen so far
    are looked at (:class:`_Extent`), which keeps the pass at the speed of a byte search.
    Formulas need not be known that early: :func:`open_sheets` looks for them while
    python-calamine parses.
    """
    measured = _Extent() if extent else None
    has_formula = False
    addressed, first = True, True
    with archive.open(member) as stream:
        carry = b""
        while chunk := stream.read(chunk_size):
            data = carry + chunk
            # Cut after the last ">" so that no tag is split between two passes.
            cut = data.rfind(b">") + 1
            if cut == 0:
                if len(data) > MAX_TEXT_RUN:  # a cell holds at most 32,767 characters
                    raise FileRejected(
                        _("The file is damaged and cannot be opened as a spreadsheet.")
                    )
                carry = data
                continue
            part, carry = data[:cut], data[cut:]
            if measured is not None:
                measured.scan(part)
                addressed = addressed and _all_addressed(part, first=first)
                first = False
            if formulas and not has_formula:
                has_formula = _has_formula_tag(part)
        if measured is not None:
            measured.scan(carry)
            addressed = addressed and _all_addressed(carry, first=first)
    if measured is None:
        return WorksheetScan(0, 0, has_formula)
    if not addressed:
        rows, columns = _count_positions(archive, member, chunk_size)
        return WorksheetScan(max(rows, measured.rows), max(columns, measured.columns), has_formula)
    return WorksheetScan(measured.rows, measured.columns, has_formula)


# A <c> or <row> tag whose first attribute is not its address, a comment, CDATA section, DTD or
# processing instruction (they may hide tag-like text). In well-formed XML "<" occurs nowhere
# else, so a chunk without a match has an address on every cell and row.
_UNADDRESSED = re.compile(rb"""<(?:c(?=[\s/>])(?! r=["'])|row(?=[\s/>])(?! r=["'])|[!?])""")


def _all_addressed(data: bytes, *, first: bool) -> bool:
    """Whether every <c> and <row> of ``data`` surely carries an ``r`` address as its first
    attribute (what spreadsheet programs write). One regex search and two byte searches; a
    wrong False only costs time (:func:`_count_positions`), a wrong True is impossible."""
    if b":c" in data or b":row" in data:  # maybe prefixed tags (<x:c>), which readers accept
        return False
    found = _UNADDRESSED.search(data)
    if found and first and found[0] == b"<?" and data.startswith(b"<?xml", found.start()):
        # The XML declaration, if it is the document's start and hides no tag.
        end = data.find(b"?>", found.start())
        if (
            end == -1
            or data[: found.start()].strip(b"\xef\xbb\xbf \t\r\n")
            or b"<" in data[found.start() + 1 : end]
        ):
            return False
        found = _UNADDRESSED.search(data, end)
    return found is None


class _Positions:
    """Rows and cells laid out as a reader does when addresses are missing: a row without ``r``
    follows the previous row, a cell without ``r`` the previous cell of its row. Parsed with
    expat (comments, CDATA and prefixes handled as any reader does; no DTD allowed)."""

    def __init__(self) -> None:
        self.row = self.rows = 0
        self.column = self.columns = 0
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.StartDoctypeDeclHandler = self._doctype

    def _doctype(self, *args) -> None:
        raise FileRejected(_("The file is damaged and cannot be opened as a spreadsheet."))

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        if local not in {"c", "row"}:
            return
        match = _CELL_REF_ANY_CASE.match(attributes.get("r", "").strip())
        letters, digits = (match[1], match[2]) if match else ("", "")
        if local == "row":
            self.row = int(digits) if digits else self.row + 1
            self.column = 0
        else:
            self.column = _column_index(letters.upper()) + 1 if letters else self.column + 1
            self.columns = max(self.columns, self.column)
            if digits:
                self.rows = max(self.rows, int(digits))
        self.rows = max(self.rows, self.row)

    def feed(self, data: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError:
            raise FileRejected(
                _("The file is damaged and cannot be opened as a spreadsheet.")
            ) from None


_CELL_REF_ANY_CASE = re.compile(r"^([A-Za-z]*)0*(\d*)$")


def _count_positions(archive: zipfile.ZipFile, member: str, chunk_size: int) -> tuple[int, int]:
    """The used range of a sheet whose cells or rows lack addresses (slower than
    :class:`_Extent`: every tag is parsed, so only for such sheets)."""
    positions = _Positions()
    with archive.open(member) as stream:
        while chunk := stream.read(chunk_size):
            positions.feed(chunk)
        positions.feed(b"", final=True)
    return positions.rows, max(positions.columns, 26)


def _has_formula_tag(data: bytes) -> bool:
    """Whether ``data`` holds an ``<f>`` element (plain byte searches: a regex search over
    every "<" of a large sheet costs more than the rest of the scan)."""
    for needle in (b"<f", b":f"):
        found = data.find(needle)
        while found != -1:
            tag_start = found if needle == b"<f" else data.rfind(b"<", 0, found)
            if tag_start != -1 and _FORMULA_TAG.match(data, tag_start):
                return True
            found = data.find(needle, found + 2)
    return False


def _greater_than(value: str, *, digits: bool) -> str:
    """A regex for row numbers (``digits``) or column letters whose value exceeds ``value``.

    Row numbers may carry leading zeros; column letters are bijective base 26, in either case.
    (No ``re.IGNORECASE``: it would stop the regex engine from skipping ahead to the "r".)
    """
    symbols = "0123456789" if digits else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    low, high = symbols[0], symbols[-1]

    def span(start: str) -> str:  # the symbols from ``start`` on
        return f"[{start}-{high}]" if digits else f"[{start}-{high}{start.lower()}-{high.lower()}]"

    def same(symbol: str) -> str:
        return symbol if digits else f"[{symbol}{symbol.lower()}]"

    n = len(value)

    def same_length_from(i: int) -> str:
        # Greater at position i, or equal there and greater further on (a trie: each symbol
        # of a reference is looked at once).
        if i == n:
            return ""
        symbol, branches = value[i], []
        if symbol != high:
            following = symbols[symbols.index(symbol) + 1]
            branches.append(f"{span(following)}{span(low)}{{{n - i - 1}}}")
        rest = same_length_from(i + 1)
        if rest:
            branches.append(f"{same(symbol)}(?:{rest})")
        return "|".join(branches)

    longer = f"{span(symbols[1] if digits else low)}{span(low)}{{{n},}}"
    body = "|".join(filter(None, [longer, same_length_from(0)]))
    # Numbers with fewer significant digits fail at once on the lookahead (most of them).
    return f"0*+(?=[0-9]{{{n}}})(?:{body})" if digits else f"(?:{body})"


class _Extent:
    """The largest row number and column seen in ``r`` attributes, found by searching only for
    references beyond them (normally none: rows come in order, and each chunk's last row is
    taken first). A file that keeps raising the maximum costs a recompiled pattern each time,
    so after ``MAX_RAISES`` in one chunk the chunk is read reference by reference."""

    MAX_RAISES = 64

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 26  # at least A..Z: a narrow sheet is never refused for its width
        self._compile()

    def _compile(self) -> None:
        letters = _column_letters(self.columns)
        column = _greater_than(letters, digits=False)
        row = _greater_than(str(self.rows), digits=True)
        # Possessive "*+": a reference that fails is not retried with fewer letters or zeros.
        self._beyond = re.compile(
            rf"""r\s*=\s*["'](?:{column}[0-9]*+|[A-Za-z]*+{row})["']""".encode()
        )

    def _take(self, match: re.Match[bytes]) -> bool:
        """Count one reference; True if it raised a maximum."""
        letters, digits = match[1], match[2]
        raised = False
        if int(digits) > self.rows:
            self.rows = int(digits)
            raised = True
        if letters:
            column = _column_index(letters.decode().upper()) + 1
            if column > self.columns:
                self.columns = column
                raised = True
        return raised

    def scan(self, data: bytes) -> None:
        # The last reference of the chunk is usually its largest row: take it first.
        last = data.rfind(b"r=")
        if last > 0 and data[last - 1 : last] in _SPACES:
            match = _REF_ATTRIBUTE.match(data, last)
            if match and self._take(match):
                self._compile()
        position, raises = 0, 0
        while match := self._beyond.search(data, position):
            position = match.start() + 1
            if match.start() == 0 or data[match.start() - 1 : match.start()] not in _SPACES:
                continue  # an attribute whose name merely ends in r
            reference = _REF_ATTRIBUTE.match(data, match.start())
            if reference is None or not self._take(reference):
                continue
            raises += 1
            if raises > self.MAX_RAISES:
                for reference in _REF_ATTRIBUTE.finditer(data, position):
                    start = reference.start()
                    if start and data[start - 1 : start] in _SPACES:
                        self._take(reference)
                self._compile()
                return
            self._compile()


_SPACES = (b" ", b"\t", b"\r", b"\n")


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


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
    try:
        ranges = biff.sheet_ranges(path.read_bytes())  # at most IMPORT_MAX_FILE_BYTES
    except (biff.NotReadable, struct.error):
        return  # the reader says the file is damaged; the memory ceiling still applies
    for sheet in ranges:
        _check_range(sheet.rows, sheet.columns)


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
    """All visible worksheets of the file (a hidden sheet refuses the whole workbook), their
    formula cells marked (.xlsx).

    python-calamine parses in a second thread (it releases the GIL) while this one searches the
    worksheets' XML for formula tags, so that search costs no time of its own.
    """
    workbook = _open_workbook(path)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="calamine") as pool:
        parsing = pool.submit(_read_sheets, workbook)
        try:
            members = _formula_members(path) if kind == "xlsx" else frozenset()
        except BaseException:
            if parsing.exception() is None:  # waits for the parse
                for sheet in parsing.result():
                    sheet.close()
            raise
        sheets = parsing.result()
    if members:
        _find_formulas(path, sheets, members)
    return sheets


def _open_workbook(path: Path) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
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


def _read_sheets(workbook: python_calamine.CalamineWorkbook) -> list[Sheet]:
    """Parse every visible worksheet; the workbook is closed if none is kept."""
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
    return sheets


def _worksheet_members(names: Iterable[str]) -> list[str]:
    return sorted(
        name for name in names if name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


def _formula_members(path: Path) -> frozenset[str]:
    """The worksheets whose XML holds a formula tag (a byte search, see _has_formula_tag)."""
    with zipfile.ZipFile(path) as archive:
        return frozenset(
            name
            for name in _worksheet_members(archive.namelist())
            if scan_worksheet(archive, name, extent=False).has_formula
        )


def _find_formulas(path: Path, sheets: list[Sheet], members: frozenset[str]) -> None:
    """Mark the cells holding formulas in the worksheets ``members`` (their values depend on
    other cells and are refused)."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as archive:
        targets = _sheet_targets(archive)
        for sheet in sheets:
            if targets.get(sheet.name) not in members:
                continue
            member = targets[sheet.name]
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
