"""The one-pass worksheet scan: used range and formulas, measured before calamine reads."""

import io
import struct
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from households.imports import reading

MEMBER = "xl/worksheets/sheet1.xml"


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _archive(xml: str) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(MEMBER, xml)
    return zipfile.ZipFile(buffer)


def _sheet(cells: str) -> str:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData>"
        '<pageMargins left="0.7" right="0.7" header="0.3" footer="0.3"/></worksheet>'
    )


def _scan(cells: str, chunk_size: int = reading.SCAN_CHUNK) -> reading.WorksheetScan:
    return reading.scan_worksheet(_archive(_sheet(cells)), MEMBER, chunk_size=chunk_size)


def _cells(n_rows: int, n_cols: int) -> str:
    return "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{_letters(c)}{r}"><v>1</v></c>' for c in range(1, n_cols + 1))
        + "</row>"
        for r in range(1, n_rows + 1)
    )


def test_an_ordinary_sheet_measures_its_last_row_and_at_least_26_columns():
    scan = _scan(_cells(120, 16))
    assert (scan.rows, scan.columns, scan.has_formula) == (120, 26, False)


def test_a_wide_sheet_measures_its_widest_column():
    assert _scan(_cells(3, 60)).columns == 60


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="XFD1048576"><v>1</v></c>',
        "<c r='XFD1048576'><v>1</v></c>",  # single quotes
        '<c  r = "XFD1048576" ><v>1</v></c>',  # spaces around "="
        '<c\n\tr="XFD1048576"><v>1</v></c>',
        '<c r="xfd1048576"><v>1</v></c>',  # lower case
        '<c r="XFD001048576"><v>1</v></c>',  # leading zeros
    ],
)
def test_a_far_cell_is_found_however_its_reference_is_spelled(cell):
    scan = _scan(_cells(5, 3) + f'<row r="6">{cell}</row>')
    assert (scan.rows, scan.columns) == (1_048_576, 16_384)


def test_a_far_cell_before_the_data_is_found():
    scan = _scan('<row r="1"><c r="AB900000"><v>1</v></c></row>' + _cells(50, 5))
    assert (scan.rows, scan.columns) == (900_000, 28)


def test_attributes_merely_ending_in_r_are_not_references():
    scan = _scan('<row r="2"><c r="A2" ber="XFD1048576"><v>1</v></c></row>')
    assert (scan.rows, scan.columns) == (2, 26)


def test_references_that_rise_on_every_cell_are_all_counted():
    # Each cell raises the maximum: past MAX_RAISES the chunk is read reference by reference.
    cells = "".join(f'<c r="{_letters(c)}{c}"><v>1</v></c>' for c in range(1, 400))
    scan = _scan(f'<row r="1">{cells}</row>')
    assert (scan.rows, scan.columns) == (399, 399)


@pytest.mark.parametrize(
    ("formula", "found"),
    [
        ("<f>SUM(A1:A2)</f>", True),
        ('<f t="shared" si="0"/>', True),
        ("<x:f>A1</x:f>", True),
        ("<f\n>A1</f>", True),
        ("<firstFooter>x</firstFooter>", False),
    ],
)
def test_formula_tags_are_found(formula, found):
    assert _scan(f'<row r="1"><c r="A1">{formula}<v>1</v></c></row>').has_formula is found


def test_a_run_of_megabytes_without_a_tag_end_is_refused():
    with pytest.raises(reading.FileRejected):
        _scan('<row r="1"><c r="A1" t="inlineStr"><is><t>' + "x" * (3 * 1024 * 1024))


_reference = st.tuples(
    st.integers(1, 20_000),  # column
    st.integers(1, 2_000_000),  # row
    st.sampled_from(['r="{}"', "r='{}'", 'r = "{}"', 'r=\n"{}"']),
    st.booleans(),  # lower-case letters
    st.integers(0, 3),  # leading zeros
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_reference, min_size=1, max_size=60), st.integers(16, 300))
def test_the_scan_finds_the_largest_row_and_column_anywhere(references, chunk):
    # Small chunks put references on both sides of every boundary.
    cells = []
    for column, row, form, lower, zeros in references:
        letters = _letters(column).lower() if lower else _letters(column)
        reference = form.format(letters + "0" * zeros + str(row))
        cells.append(f"<c {reference}><v>7</v></c>")
    scan = _scan('<row r="1">' + "".join(cells) + "</row>", chunk)
    assert scan.rows == max(row for _c, row, *_ in references)
    assert scan.columns == max(26, *(column for column, *_ in references))


# ---------------------------------------------------- cells and rows without an r attribute


def test_rows_and_cells_without_addresses_are_counted():
    # A reader places an address-less row after the previous one and an address-less cell
    # after the previous cell: 2 KB of this is a 1,002 × 16,384 grid.
    scan = _scan(
        "<row><c><v>1</v></c></row>"
        + "<row/>" * 1000
        + "<row>"
        + "<c/>" * 16_383
        + "<c><v>1</v></c></row>"
    )
    assert (scan.rows, scan.columns) == (1002, 16_384)


def test_cells_without_addresses_continue_from_the_last_address():
    scan = _scan('<row r="5"><c r="AA5"><v>1</v></c><c/><c/></row><row><c/></row>')
    assert (scan.rows, scan.columns) == (6, 29)


def test_prefixed_rows_and_cells_without_addresses_are_counted():
    scan = _scan("<x:row>" + "<x:c><x:v>1</x:v></x:c>" * 40 + "</x:row>" * 1 + "<x:row/>" * 9)
    assert (scan.rows, scan.columns) == (10, 40)


def _workbook_file(path, sheet_xml: str):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(MEMBER, sheet_xml)
    return path


def test_a_sheet_of_address_less_rows_is_refused_before_parsing(tmp_path):
    wide = "<row>" + "<c/>" * 16_383 + "<c><v>1</v></c></row>"
    cells = "<row><c><v>1</v></c></row>" + "<row/>" * 100_000 + wide
    path = _workbook_file(tmp_path / "wide.xlsx", _sheet(cells))
    assert path.stat().st_size < 5_000
    with pytest.raises(reading.FileRejected, match="16,384"):
        reading.inspect_file(path)


# ------------------------------------------------------------------------- legacy .xls


def _xls(path, cells):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("花名册")
    for row, column, value in cells:
        sheet.write(row, column, value)
    book.save(str(path))
    return path


def test_an_ordinary_xls_passes(tmp_path):
    path = _xls(tmp_path / "ok.xls", [(r, c, "x") for r in range(30) for c in range(16)])
    assert reading.inspect_file(path) == "xls"


def test_an_xls_with_a_far_cell_is_refused_before_parsing(tmp_path):
    path = _xls(tmp_path / "far.xls", [(0, 0, "x"), (65_535, 255, "y")])
    with pytest.raises(reading.FileRejected, match="65,536"):
        reading.inspect_file(path)


def test_an_xls_claiming_huge_dimensions_is_refused_before_parsing(tmp_path):
    # The reader reserves memory for the DIMENSIONS record's range before reading any cell.
    path = _xls(tmp_path / "dims.xls", [(0, 0, "x"), (1, 1, "y")])
    data = bytearray(path.read_bytes())
    position = data.find(b"\x00\x02\x0e\x00")  # DIMENSIONS, 14 bytes
    assert position > 0
    struct.pack_into("<IIHH", data, position + 4, 0, 0x7FFF_FFFF, 0, 256)
    path.write_bytes(bytes(data))
    with pytest.raises(reading.FileRejected):
        reading.inspect_file(path)
