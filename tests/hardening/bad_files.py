# ruff: noqa: E501 - the corpus table reads best one file per line
"""A corpus of hostile and broken spreadsheets, generated at test time (no binaries committed).

``build_corpus(directory, headers, ids)`` writes every file and returns a list of
:class:`BadFile`, each saying what the importer must do with it:

- ``refuse``: the whole file is refused (exit 1), nothing written;
- ``rows``: refused with errors naming Excel rows (exit 1), nothing written;
- ``accept``: a control that must import (exit 0), so the checks around it can fail;
- ``any``: either outcome is fine, but a refusal writes nothing.

``headers`` are the column headers of the import kind (ID column first), ``ids`` a few
resident IDs already on the roster, so ledger rows can point at real persons. The xlsx files
are written by hand (a few XML parts in a zip) so each attack is exactly what it says.

Run ``python tests/hardening/bad_files.py DIR`` to write the corpus for the roster by hand.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_BOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

ROSTER_HEADERS = [
    "身份证号",
    "姓名",
    "性别",
    "出生日期",
    "户编号",
    "与户主关系",
    "乡镇",
    "行政村",
    "联系电话",
    "贫困户属性",
    "脱贫状态",
    "主要致贫原因",
    "健康状况",
    "人员状态",
    "是否参加城乡居民基本医疗保险",
    "识别年度",
]


def resident_id(birth: date, serial: int, region: str = "350429") -> str:
    """A valid GB 11643 number (synthetic): region + birth date + serial + check digit."""
    first17 = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    check = ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]
    return first17 + check


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass
class Formula:
    text: str
    cached: str = ""


@dataclass
class SheetSpec:
    rows: Sequence[Sequence[Any]]
    name: str = "Sheet1"
    state: str = ""  # "" | "hidden" | "veryHidden"
    dimension: str = ""
    extra_cells: Sequence[tuple[str, str]] = ()  # (reference, text) appended raw


class Workbook:
    """Writes a minimal but valid .xlsx; every part can be replaced to build an attack."""

    def __init__(self, sheets: Sequence[SheetSpec]) -> None:
        self.sheets = list(sheets)
        self.strings: list[str] = []
        self._index: dict[str, int] = {}
        self.parts: dict[str, bytes] = {}
        self.prologue = {"sst": "", "sheet": "", "book": ""}

    def _string(self, value: str) -> int:
        if value not in self._index:
            self._index[value] = len(self.strings)
            self.strings.append(value)
        return self._index[value]

    def _cell(self, ref: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, Formula):
            cached = f"<v>{escape(value.cached)}</v>" if value.cached else ""
            return f'<c r="{ref}" t="str"><f>{escape(value.text)}</f>{cached}</c>'
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        return f'<c r="{ref}" t="s"><v>{self._string(str(value))}</v></c>'

    def _sheet_xml(self, spec: SheetSpec) -> bytes:
        out = io.StringIO()
        out.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{self.prologue["sheet"]}'
        )
        out.write(f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">')
        if spec.dimension:
            out.write(f'<dimension ref="{spec.dimension}"/>')
        out.write("<sheetData>")
        for r, row in enumerate(spec.rows, start=1):
            cells = "".join(self._cell(f"{column_letter(c)}{r}", v) for c, v in enumerate(row))
            out.write(f'<row r="{r}">{cells}</row>')
        for ref, text in spec.extra_cells:
            row_number = "".join(ch for ch in ref if ch.isdigit())
            out.write(
                f'<row r="{row_number}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'
            )
        out.write("</sheetData></worksheet>")
        return out.getvalue().encode()

    def build(self) -> dict[str, bytes]:
        sheets = {
            f"xl/worksheets/sheet{i}.xml": self._sheet_xml(s) for i, s in enumerate(self.sheets, 1)
        }
        sst_items = "".join(
            f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in self.strings
        )
        parts = {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{CT_BOOK}"/>'
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_SST}"/>'
                + "".join(
                    f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT_SHEET}"/>'
                    for i in range(1, len(self.sheets) + 1)
                )
                + "</Types>"
            ).encode(),
            "_rels/.rels": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{NS_PKG_REL}">'
                f'<Relationship Id="rId1" Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>"
            ).encode(),
            "xl/workbook.xml": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{self.prologue["book"]}'
                f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheets>'
                + "".join(
                    f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"'
                    + (f' state="{s.state}"' if s.state else "")
                    + "/>"
                    for i, s in enumerate(self.sheets, 1)
                )
                + "</sheets></workbook>"
            ).encode(),
            "xl/_rels/workbook.xml.rels": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{NS_PKG_REL}">'
                + "".join(
                    f'<Relationship Id="rId{i}" Type="{NS_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                    for i in range(1, len(self.sheets) + 1)
                )
                + f'<Relationship Id="rIdS" Type="{NS_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                "</Relationships>"
            ).encode(),
            **sheets,
            "xl/sharedStrings.xml": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{self.prologue["sst"]}'
                f'<sst xmlns="{NS_MAIN}" count="{len(self.strings)}" uniqueCount="{len(self.strings)}">'
                f"{sst_items}</sst>"
            ).encode(),
        }
        parts.update(self.parts)
        return parts

    def save(self, path: Path, *, extra: dict[str, bytes] | None = None) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in {**self.build(), **(extra or {})}.items():
                archive.writestr(name, data)
        return path


@dataclass
class BadFile:
    name: str
    path: Path
    expect: str  # refuse | rows | accept | any
    why: str


@dataclass
class Kind:
    """What the corpus needs to know about one import kind."""

    name: str
    headers: list[str]
    ids: list[str]  # IDs already on the roster (ledgers key rows by them)
    good_row: Callable[[str, int], list[Any]]  # a valid row for an ID and an index


def roster_kind(township: str, village: str) -> Kind:
    def good_row(id_number: str, index: int) -> list[Any]:
        birth = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
        sex = "男" if int(id_number[16]) % 2 else "女"
        return [
            id_number,
            f"测试{index}",
            sex,
            birth,
            f"H{index // 3:07d}",
            "户主" if index % 3 == 0 else "之子",
            township,
            village,
            "",
            "一般贫困户",
            "未脱贫",
            "因病",
            "健康",
            "正常",
            "是",
            "2024",
        ]

    ids = [resident_id(date(1950, 1, 1) + timedelta(days=97 * i), i) for i in range(6)]
    return Kind("roster", list(ROSTER_HEADERS), ids, good_row)


def _rows(
    kind: Kind, n: int, mutate: Callable[[list[Any], int], None] | None = None
) -> list[list[Any]]:
    rows = []
    for i in range(n):
        row = kind.good_row(kind.ids[i % len(kind.ids)], i)
        if mutate:
            mutate(row, i)
        rows.append(row)
    return rows


def _sheet(kind: Kind, rows: list[list[Any]], **kwargs) -> SheetSpec:
    return SheetSpec([["XX县建档立卡贫困人口花名册"], list(kind.headers), *rows], **kwargs)


def _cfb(stream_names: list[str]) -> bytes:
    """An OLE2 compound file header followed by directory entry names (what Office writes)."""
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    )
    header = header.ljust(512, b"\xff")
    entries = b"".join(
        name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64 for name in stream_names
    )
    return header + entries.ljust(4096, b"\x00")


def build_corpus(
    directory: Path, kind: Kind, skip: Callable[[str], bool] = lambda name: False
) -> list[BadFile]:
    """Writes the corpus for one import kind into ``directory`` (minus the names ``skip``
    says), and returns what to expect of each file."""
    directory.mkdir(parents=True, exist_ok=True)
    files: list[BadFile] = []
    rng = random.Random(8)  # deterministic: a failure reproduces

    def add(name: str, expect: str, why: str, writer: Callable[[Path], Any]) -> None:
        if skip(name):
            return
        path = directory / name
        writer(path)
        files.append(BadFile(name, path, expect, why))

    def workbook(rows: list[list[Any]], **kwargs) -> Workbook:
        return Workbook([_sheet(kind, rows, **kwargs)])

    good = _rows(kind, len(kind.ids))
    ids = kind.ids

    # Controls: these must import, or the checks below prove nothing.
    add(
        "control_valid.xlsx", "accept", "a clean file of the kind", lambda p: workbook(good).save(p)
    )

    def blank_rows(p):
        rows = []
        for row in good:
            rows += [row, [], ["", " ", ""]]
        workbook(rows).save(p)

    add("blank_rows.xlsx", "accept", "blank and space-only rows between data", blank_rows)

    # Not a spreadsheet at all.
    add(
        "renamed_pdf.xlsx",
        "refuse",
        "a PDF renamed",
        lambda p: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF"),
    )
    html = f"<html><body><table><tr><td>身份证号</td></tr><tr><td>{ids[0]}</td></tr></table></body></html>"
    add(
        "renamed_html.xlsx",
        "refuse",
        "an HTML table saved as .xlsx",
        lambda p: p.write_text(html, "utf-8"),
    )
    add(
        "renamed_html.xls",
        "refuse",
        "an HTML table saved as .xls (what web systems export)",
        lambda p: p.write_text(html, "gb18030"),
    )
    add(
        "renamed_xml_2003.xls",
        "refuse",
        "SpreadsheetML 2003 XML",
        lambda p: p.write_text(
            '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>'
        ),
    )
    add(
        "renamed_docx.xlsx",
        "refuse",
        "a Word document (zip without a workbook)",
        lambda p: _zip(
            p, {"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<Types/>"}
        ),
    )
    add(
        "renamed_png.xlsx",
        "refuse",
        "an image",
        lambda p: p.write_bytes(
            b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(2048))
        ),
    )
    add(
        "random_bytes.xlsx",
        "refuse",
        "random bytes",
        lambda p: p.write_bytes(bytes(rng.randrange(256) for _ in range(65536))),
    )
    add(
        "gzip_renamed.xlsx",
        "refuse",
        "a gzip file",
        lambda p: p.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 512),
    )
    add("empty.xlsx", "refuse", "0 bytes", lambda p: p.write_bytes(b""))
    add("empty.xls", "refuse", "0 bytes, legacy name", lambda p: p.write_bytes(b""))

    def truncated(p):
        buffer = directory / "_full.xlsx"
        workbook(good).save(buffer)
        data = buffer.read_bytes()
        buffer.unlink()
        p.write_bytes(data[: len(data) // 2])

    add("truncated.xlsx", "refuse", "the first half of a valid file", truncated)
    add(
        "encrypted_ole.xlsx",
        "refuse",
        "an encrypted workbook (OLE CFB with EncryptedPackage)",
        lambda p: p.write_bytes(_cfb(["Root Entry", "EncryptionInfo", "EncryptedPackage"])),
    )
    add(
        "encrypted_ole.xls",
        "refuse",
        "encrypted, legacy name",
        lambda p: p.write_bytes(_cfb(["Root Entry", "EncryptionInfo", "EncryptedPackage"])),
    )
    add(
        "ole_garbage.xls",
        "refuse",
        "an OLE header with nothing readable behind it",
        lambda p: p.write_bytes(_cfb(["Root Entry", "Workbook"])),
    )
    add(
        "xlsm_macros.xlsx",
        "refuse",
        "a workbook with a VBA project",
        lambda p: workbook(good).save(
            p, extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 500}
        ),
    )
    add(
        "xlsb_binary.xlsx",
        "refuse",
        "a binary workbook",
        lambda p: _zip(p, {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00" * 100}),
    )

    # CSV is not an accepted format: every encoding must be refused cleanly, not mis-read.
    csv_text = (
        ",".join(kind.headers)
        + "\n"
        + "\n".join(",".join(str(v) for v in row) for row in good)
        + "\n"
    )
    add("csv_utf8.csv", "refuse", "CSV in UTF-8", lambda p: p.write_text(csv_text, "utf-8"))
    add(
        "csv_utf8_bom.xlsx",
        "refuse",
        "CSV with a BOM renamed .xlsx",
        lambda p: p.write_bytes(b"\xef\xbb\xbf" + csv_text.encode()),
    )
    add(
        "csv_gbk.xls",
        "refuse",
        "CSV in GBK renamed .xls",
        lambda p: p.write_bytes(csv_text.encode("gb18030")),
    )
    add(
        "csv_utf16.xlsx",
        "refuse",
        "CSV in UTF-16",
        lambda p: p.write_bytes(csv_text.encode("utf-16")),
    )

    # Resource attacks.
    def zip_bomb(p):
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in workbook(good).build().items():
                if name != "xl/worksheets/sheet1.xml":
                    archive.writestr(name, data)
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                member.write(f'<worksheet xmlns="{NS_MAIN}"><sheetData>'.encode())
                chunk = b" " * (1024 * 1024)
                for _ in range(400):  # 400 MB of whitespace, about 400 KB compressed
                    member.write(chunk)
                member.write(b"</sheetData></worksheet>")

    add("zip_bomb.xlsx", "refuse", "a sheet that inflates to 400 MB", zip_bomb)

    def many_members(p):
        pad = b"\x00" * (256 * 1024)  # one buffer written 1,500 times
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in workbook(good).build().items():
                archive.writestr(name, data)
            for i in range(1500):
                archive.writestr(f"xl/media/pad{i}.bin", pad)

    add("zip_many_members.xlsx", "refuse", "1,500 members inflating to 375 MB in all", many_members)

    def oversize(p):
        parts = workbook(good).build()
        parts["xl/media/image1.png"] = rng.randbytes(25 * 1024 * 1024)
        _zip(p, parts, compression=zipfile.ZIP_STORED)

    add("over_size_limit.xlsx", "refuse", "25 MB on disk (over the upload limit)", oversize)

    lol = (
        '<!DOCTYPE sst [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )

    def billion_laughs(p):
        book = workbook([[*good[0][:1], "&lol9;"]])
        built = book.build()
        sst = built["xl/sharedStrings.xml"].decode()
        sst = sst.replace("?>", "?>" + lol, 1).replace("&amp;lol9;", "&lol9;")
        _zip(p, {**built, "xl/sharedStrings.xml": sst.encode()})

    add(
        "billion_laughs_shared_strings.xlsx",
        "any",
        "nested entities in sharedStrings.xml",
        billion_laughs,
    )

    def xxe(p, part: str):
        book = workbook([[good[0][0], "&xxe;"], *good])
        built = book.build()
        text = built[part].decode()
        root = (
            "sst"
            if part.endswith("sharedStrings.xml")
            else ("workbook" if "workbook" in part else "worksheet")
        )
        dtd = f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        text = text.replace("?>", "?>" + dtd, 1).replace("&amp;xxe;", "&xxe;")
        _zip(p, {**built, part: text.encode()})

    add(
        "xxe_shared_strings.xlsx",
        "any",
        "an external entity naming /etc/passwd",
        lambda p: xxe(p, "xl/sharedStrings.xml"),
    )
    add(
        "xxe_workbook.xlsx",
        "any",
        "a DOCTYPE with an external entity in workbook.xml",
        lambda p: xxe(p, "xl/workbook.xml"),
    )

    def far_cell(p):
        spec = _sheet(kind, good, dimension="A1:XFD1048576", extra_cells=[("XFD1048576", "x")])
        Workbook([spec]).save(p)

    add(
        "far_cell.xlsx",
        "any",
        "one cell at XFD1048576: a 17-billion-cell range if read densely",
        far_cell,
    )
    add(
        "huge_cell.xlsx",
        "any",
        "a 5 MB name",
        lambda p: workbook(
            _rows(kind, 2, lambda r, i: r.__setitem__(1, "张" * (5 * 1024 * 1024 // 3)))
        ).save(p),
    )
    add(
        "wide_header.xlsx",
        "any",
        "2,000 columns of junk beside the data",
        lambda p: workbook([row + [f"x{i}" for i in range(2000)] for row in good]).save(p),
    )

    # Grids far larger than the bytes suggest (each refused before it is built).
    def address_less(p, prefix: str = ""):
        # Rows and cells without r: a reader places each after the previous one, so one row
        # 16,384 cells wide and 100,000 empty rows are a 1.6-billion-cell grid in 2 KB.
        row, cell, value = f"{prefix}row", f"{prefix}c", f"{prefix}v"
        wide = f"<{row}>" + f"<{cell}/>" * 16_383 + f"<{cell}><{value}>1</{value}></{cell}></{row}>"
        xml = (
            f'<worksheet xmlns="{NS_MAIN}"><sheetData>'
            + _inline_rows([["XX县建档立卡贫困人口花名册"], list(kind.headers)], 1)
            + wide
            + f"<{row}/>" * 100_000
            + f"<{row}><{cell}><{value}>1</{value}></{cell}></{row}>"
            + "</sheetData></worksheet>"
        )
        if prefix:
            xml = xml.replace("<worksheet xmlns=", '<worksheet xmlns:x="' + NS_MAIN + '" xmlns=')
        _zip(p, {**workbook([]).build(), "xl/worksheets/sheet1.xml": xml.encode()})

    add(
        "address_less_rows.xlsx",
        "refuse",
        "rows and cells without r attributes: a 100,000 × 16,384 grid in a few KB",
        address_less,
    )
    add(
        "address_less_prefixed_rows.xlsx",
        "refuse",
        "the same with x:row / x:c tags (readers ignore the prefix)",
        lambda p: address_less(p, "x:"),
    )

    def amplified_strings(p):
        # One 32,000-character shared string in 20,000 cells: 640 MB once read.
        rows = [["XX县建档立卡贫困人口花名册"], list(kind.headers)]
        rows += [["长" * 32_000] * 10 for _ in range(2000)]
        Workbook([SheetSpec(rows)]).save(p)

    add(
        "shared_string_amplifier.xlsx",
        "refuse",
        "one long shared string in 20,000 cells: over the memory ceiling once read",
        amplified_strings,
    )

    def legacy(p, cells: list[tuple[int, int, Any]], dimensions: tuple[int, int] | None = None):
        import xlwt

        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("花名册")
        for row, column, value in cells:
            sheet.write(row, column, value)
        book.save(str(p))
        if dimensions:  # a DIMENSIONS record claiming a range no cell fills
            data = bytearray(p.read_bytes())
            at = data.find(b"\x00\x02\x0e\x00")
            struct.pack_into("<IIHH", data, at + 4, 0, dimensions[0], 0, dimensions[1])
            p.write_bytes(bytes(data))

    header = [(1, c, h) for c, h in enumerate(kind.headers)]
    add(
        "far_cell.xls",
        "refuse",
        "a cell at IV65536: 16.7 million cells if read densely",
        lambda p: legacy(p, [*header, (65_535, 255, "x")]),
    )
    add(
        "false_dimensions.xls",
        "refuse",
        "a DIMENSIONS record claiming two billion rows (the reader reserves it)",
        lambda p: legacy(p, header, dimensions=(0x7FFF_FFFF, 256)),
    )
    add(
        "shared_string_amplifier.xls",
        "refuse",
        "one long shared string in 20,000 cells of an .xls: over the memory ceiling once read",
        lambda p: legacy(
            p, [*header, *((r, c, "长" * 32_000) for r in range(2, 2002) for c in range(10))]
        ),
    )

    def fifty_thousand(p):
        # Streamed with inline strings: the 50,000 rows never sit in memory at once.
        base = date(1940, 1, 1)
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in workbook([]).build().items():
                if name != "xl/worksheets/sheet1.xml":
                    archive.writestr(name, data)
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                member.write(f'<worksheet xmlns="{NS_MAIN}"><sheetData>'.encode())
                member.write(
                    _inline_rows([["XX县建档立卡贫困人口花名册"], list(kind.headers)], 1).encode()
                )
                for block in range(0, 50_000, 1000):
                    rows = []
                    for i in range(block, block + 1000):
                        region = f"3504{(i // 20000) + 10:02d}"
                        born = base + timedelta(days=i % 20000)
                        rows.append(kind.good_row(resident_id(born, i, region), i))
                    member.write(_inline_rows(rows, block + 3).encode())
                member.write(b"</sheetData></worksheet>")

    add(
        "rows_50000.xlsx",
        "any",
        "50,000 rows (new IDs: a roster imports them, a ledger reports each)",
        fifty_thousand,
    )

    # Workbook structure.
    add(
        "hidden_sheet.xlsx",
        "refuse",
        "data plus a hidden sheet",
        lambda p: Workbook(
            [_sheet(kind, good), SheetSpec([["secret"]], name="隐藏", state="hidden")]
        ).save(p),
    )
    add(
        "very_hidden_sheet.xlsx",
        "refuse",
        "a veryHidden sheet",
        lambda p: Workbook(
            [_sheet(kind, good), SheetSpec([["secret"]], name="x", state="veryHidden")]
        ).save(p),
    )
    add(
        "only_hidden_data.xlsx",
        "refuse",
        "the data sheet itself hidden",
        lambda p: Workbook(
            [SheetSpec([["封面"]], name="封面"), _sheet(kind, good, name="数据", state="hidden")]
        ).save(p),
    )
    add(
        "empty_workbook.xlsx",
        "refuse",
        "a workbook with one empty sheet",
        lambda p: Workbook([SheetSpec([])]).save(p),
    )
    add(
        "header_only.xlsx",
        "any",
        "the header row and nothing else",
        lambda p: Workbook([SheetSpec([list(kind.headers)])]).save(p),
    )
    add(
        "title_only.xlsx",
        "refuse",
        "title rows without a header",
        lambda p: Workbook([SheetSpec([["XX县花名册"], ["制表单位：XX"]])]).save(p),
    )
    add(
        "no_id_column.xlsx",
        "refuse",
        "every column but the ID",
        lambda p: Workbook([SheetSpec([kind.headers[1:], *[r[1:] for r in good]])]).save(p),
    )
    add(
        "zip_slip_member.xlsx",
        "any",
        "a zip member named ../../evil.sh",
        lambda p: workbook(good).save(p, extra={"../../evil.sh": b"#!/bin/sh\necho owned\n"}),
    )
    add(
        "dotdot_name_../../evil.xlsx".replace("/", "%2F"),
        "accept",
        "a file name with ../ (URL-escaped on disk)",
        lambda p: workbook(good).save(p),
    )

    # Row-level trouble: reported per row, nothing written.
    add(
        "formulas.xlsx",
        "rows",
        "formula cells in the data",
        lambda p: workbook(
            _rows(kind, 3, lambda r, i: r.__setitem__(1, Formula('HYPERLINK("http://x","y")', "y")))
        ).save(p),
    )
    add(
        "formula_id.xlsx",
        "rows",
        "the ID cell is a formula",
        lambda p: workbook(
            _rows(kind, 2, lambda r, i: r.__setitem__(0, Formula(f'"{r[0]}"', r[0])))
        ).save(p),
    )
    add(
        "numeric_ids.xlsx",
        "rows",
        "IDs stored as numbers (3.50429E+17)",
        lambda p: workbook(
            _rows(kind, 3, lambda r, i: r.__setitem__(0, float(r[0][:17] + "0")))
        ).save(p),
    )
    add(
        "duplicate_ids.xlsx",
        "any",
        "the same ID on two rows",
        lambda p: workbook(good + good[:1]).save(p),
    )
    add(
        "bad_check_digit.xlsx",
        "rows",
        "IDs with a wrong check digit",
        lambda p: workbook(
            _rows(
                kind,
                2,
                lambda r, i: r.__setitem__(0, r[0][:17] + ("0" if r[0][17] != "0" else "1")),
            )
        ).save(p),
    )
    add(
        "id_15_digits.xlsx",
        "rows",
        "15-digit first-generation IDs",
        lambda p: workbook(
            _rows(kind, 2, lambda r, i: r.__setitem__(0, r[0][:6] + r[0][8:17]))
        ).save(p),
    )
    add(
        "id_letters.xlsx",
        "rows",
        "IDs with letters and SQL",
        lambda p: workbook(
            _rows(
                kind,
                2,
                lambda r, i: r.__setitem__(0, "1' OR '1'='1" if i else "ABCDEFGHIJKLMNOPQR"),
            )
        ).save(p),
    )
    add(
        "unknown_ids.xlsx",
        "any",
        "valid IDs nobody has (ledgers: not on the roster)",
        lambda p: workbook(
            [kind.good_row(resident_id(date(1977, 7, 7), 500 + i), i) for i in range(2)]
        ).save(p),
    )
    add(
        "injection_text.xlsx",
        "any",
        "= + - @ tab CR LF at the start of every text cell",
        lambda p: workbook(
            _rows(
                kind,
                2,
                lambda r, i: [
                    r.__setitem__(
                        c,
                        ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "==1"][c % 8]
                        + "x",
                    )
                    for c in range(1, len(r))
                    if isinstance(r[c], str)
                ],
            )
        ).save(p),
    )
    add(
        "control_chars.xlsx",
        "any",
        "NUL-free control characters and RTL marks in text",
        lambda p: workbook(
            _rows(kind, 2, lambda r, i: r.__setitem__(1, "张\x1b[31m三\u202e\u200b"))
        ).save(p),
    )
    add(
        "long_values.xlsx",
        "rows",
        "10,000-character values in every text column",
        lambda p: workbook(
            _rows(kind, 2, lambda r, i: [r.__setitem__(c, "长" * 10000) for c in range(1, len(r))])
        ).save(p),
    )
    add(
        "negative_numbers.xlsx",
        "rows",
        "huge, negative and NaN-looking numbers in every column",
        lambda p: workbook(
            _rows(
                kind,
                2,
                lambda r, i: [
                    r.__setitem__(c, [-1e308, 1e308, -0.0][c % 3]) for c in range(1, len(r))
                ],
            )
        ).save(p),
    )
    add(
        "bad_shared_string_index.xlsx",
        "any",
        "a cell pointing at a shared string that does not exist",
        lambda p: _bad_sst_index(p, workbook(good)),
    )
    return files


def _inline_rows(rows: list[list[Any]], first: int) -> str:
    """Rows as XML with inline strings, numbered from Excel row ``first``."""
    out = []
    for offset, row in enumerate(rows):
        r = first + offset
        cells = "".join(
            f'<c r="{column_letter(c)}{r}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
            for c, v in enumerate(row)
            if v not in (None, "")
        )
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def _bad_sst_index(path: Path, book: Workbook) -> None:
    parts = book.build()
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        't="s"><v>1</v>', 't="s"><v>999999</v>', 1
    ).encode()
    _zip(path, parts)


def _zip(path: Path, parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bad-files")
    corpus = build_corpus(target, roster_kind("杉城镇", "南会村"))
    for item in corpus:
        print(f"{item.expect:7} {item.path.stat().st_size:>10} {item.name}  {item.why}")
    print(f"{len(corpus)} files in {target}")
