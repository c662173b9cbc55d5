import datetime
from decimal import Decimal

import pytest

from households.imports import normalise
from households.imports.normalise import CellError


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(1956, 3, 1),
        "1956-03-01",
        "1956.3.1",
        "1956/3/1",
        "19560301",
        19560301,
        20515.0,
    ],
)
def test_date_forms_are_read(value):
    assert normalise.date(value) == datetime.date(1956, 3, 1)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("是", True),
        ("Y", True),
        ("√", True),
        (1, True),
        ("否", False),
        ("N", False),
        ("×", False),
        ("0", False),
    ],
)
def test_yes_no_forms_are_read(value, expected):
    assert normalise.yes_no(value) is expected


@pytest.mark.parametrize("value", [1e308, -1e308, "1e400", "NaN"])
def test_huge_or_invalid_amounts_are_row_errors(value):
    with pytest.raises(CellError):
        normalise.decimal(value)


def test_amounts_with_separators_are_read():
    assert normalise.decimal("¥1,234.5") == Decimal("1234.50")


def test_full_width_digits_and_spaces_are_cleaned():
    assert normalise.text()("　张　三 ") == "张 三"
    assert normalise.phone("１３８ ００００ １１１１") == "13800001111"
