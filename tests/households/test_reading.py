"""The one-pass worksheet scan: used range and formulas, measured before calamine reads."""

import io
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
