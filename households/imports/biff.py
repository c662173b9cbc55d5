"""The used range of a legacy ``.xls`` workbook, measured from its records before a reader
builds a grid.

A reader of BIFF (the format inside ``.xls``) reserves memory for the range a sheet's
DIMENSIONS record claims and then lays every cell out densely from the first to the last: a
5 KB file claiming two billion rows, or holding one cell at A1 and one at IV65536, takes
gigabytes. This module reads the compound file (OLE2) just far enough to walk the
``Workbook`` stream's records and reports, per worksheet, the larger of the claimed and the
real range. Layout: [MS-CFB] for the container, [MS-XLS] for the records.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

END_OF_CHAIN = 0xFFFFFFFE
FREE_SECTOR = 0xFFFFFFFF
MAX_REGULAR_SECTOR = 0xFFFFFFFA
DIRECTORY_ENTRY = 128

BOF = 0x0809
EOF = 0x000A
DIMENSIONS = 0x0200
WORKSHEET = 0x0010
# Records holding one cell: row (u16) and column (u16) come first.
SINGLE_CELL = {0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E}
# Records holding a run of cells of one row: row, first column ... last column (last u16).
CELL_RUNS = {0x00BD, 0x00BE}


class NotReadable(Exception):
    """The container or its records are malformed (the reader will say so in its own words)."""


@dataclass
class SheetRange:
    rows: int = 0
    columns: int = 0

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    def claim(self, rows: int, columns: int) -> None:
        self.rows = max(self.rows, rows)
        self.columns = max(self.columns, columns)


def sheet_ranges(data: bytes) -> list[SheetRange]:
    """The used range of every worksheet of the ``.xls`` file ``data`` (the larger of what
    DIMENSIONS claims and where the cells are)."""
    stream = _workbook_stream(data)
    ranges: list[SheetRange] = []
    current: SheetRange | None = None
    for record, body in _records(stream):
        if record == BOF:
            kind = struct.unpack_from("<H", body, 2)[0] if len(body) >= 4 else 0
            current = SheetRange() if kind == WORKSHEET else None
            if current is not None:
                ranges.append(current)
        elif record == EOF:
            current = None
        elif current is None:
            continue
        elif record == DIMENSIONS:
            if len(body) >= 14:  # BIFF8: first row, last row + 1 (u32); columns (u16)
                first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", body)
            elif len(body) >= 8:  # BIFF5 and earlier: all u16
                first_row, end_row, first_col, end_col = struct.unpack_from("<HHHH", body)
            else:
                continue
            current.claim(max(end_row - first_row, 0), max(end_col - first_col, 0))
        elif record in SINGLE_CELL and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body)
            current.claim(row + 1, column + 1)
        elif record in CELL_RUNS and len(body) >= 6:
            row = struct.unpack_from("<H", body)[0]
            last_column = struct.unpack_from("<H", body, len(body) - 2)[0]
            current.claim(row + 1, last_column + 1)
    return ranges


def _records(stream: bytes) -> Iterator[tuple[int, bytes]]:
    position = 0
    while position + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, position)
        yield record, stream[position + 4 : position + 4 + length]
        position += 4 + length


def _workbook_stream(data: bytes) -> bytes:
    """The ``Workbook`` (BIFF8) or ``Book`` (BIFF5) stream of the compound file ``data``."""
    if len(data) < 512:
        raise NotReadable
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if not 7 <= sector_shift <= 16 or not 1 <= mini_shift < sector_shift:
        raise NotReadable
    sector_size, mini_size = 1 << sector_shift, 1 << mini_shift
    first_directory = struct.unpack_from("<I", data, 0x30)[0]
    mini_cutoff, first_mini_fat = struct.unpack_from("<II", data, 0x38)
    first_difat, difat_count = struct.unpack_from("<II", data, 0x44)
    sectors = max((len(data) - 512) // sector_size, 0)

    def sector(number: int) -> bytes:
        if number > MAX_REGULAR_SECTOR or number >= sectors:
            raise NotReadable
        start = 512 + number * sector_size
        return data[start : start + sector_size]

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    difat, seen = first_difat, 0
    while difat <= MAX_REGULAR_SECTOR and seen <= difat_count and seen <= sectors:
        entries = struct.unpack(f"<{sector_size // 4}I", sector(difat))
        fat_sectors += entries[:-1]
        difat, seen = entries[-1], seen + 1
    fat: list[int] = []
    for number in fat_sectors:
        if number <= MAX_REGULAR_SECTOR:
            fat += struct.unpack(f"<{sector_size // 4}I", sector(number))

    def chain(start: int, table: list[int], limit: int) -> Iterator[int]:
        number, steps = start, 0
        while number != END_OF_CHAIN:
            if number >= len(table) or steps > limit:
                raise NotReadable  # a loop or a pointer outside the table
            yield number
            number, steps = table[number], steps + 1

    directory = b"".join(sector(n) for n in chain(first_directory, fat, sectors))
    entries = {}
    for offset in range(0, len(directory) - DIRECTORY_ENTRY + 1, DIRECTORY_ENTRY):
        entry = directory[offset : offset + DIRECTORY_ENTRY]
        name_length = min(struct.unpack_from("<H", entry, 64)[0], 64)
        name = entry[: max(name_length - 2, 0)].decode("utf-16-le", errors="replace")
        start, size = struct.unpack_from("<II", entry, 116)
        entries.setdefault(name, (entry[66], start, size))
    root = next(iter(entries.values()), None)
    found = entries.get("Workbook") or entries.get("Book")
    if root is None or found is None:
        raise NotReadable
    _kind, start, size = found
    if size >= mini_cutoff:
        stream = b"".join(sector(n) for n in chain(start, fat, sectors))
        return stream[:size]
    mini_fat: list[int] = []
    for number in chain(first_mini_fat, fat, sectors) if first_mini_fat != END_OF_CHAIN else ():
        mini_fat += struct.unpack(f"<{sector_size // 4}I", sector(number))
    mini_stream = b"".join(sector(n) for n in chain(root[1], fat, sectors))
    parts = []
    for number in chain(start, mini_fat, len(mini_stream) // mini_size):
        parts.append(mini_stream[number * mini_size : (number + 1) * mini_size])
    return b"".join(parts)[:size]
