import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from households.idnumber import make_resident_id
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


# ------------------------------------------------ whole-chunk parsing (parse.many)

_VALID_IDS = [
    make_resident_id("350429", datetime.date(1930, 1, 1) + datetime.timedelta(days=n * 97), n)
    for n in range(40)
]
_ID_CELLS = st.sampled_from(
    [
        *_VALID_IDS,
        _VALID_IDS[0][:17] + ("0" if _VALID_IDS[0][17] != "0" else "1"),  # check digit
        make_resident_id("990429", datetime.date(1956, 3, 1), 5),  # unknown province: a warning
        "35042919560230005X",  # not a real date
        make_resident_id("350429", datetime.date(2100, 1, 1), 1),  # born in the future
        make_resident_id("350429", datetime.date(1899, 12, 31), 1),  # before 1900
        " " + _VALID_IDS[1],  # needs cleaning
        _VALID_IDS[2].lower(),
        "3504291956030100",  # too short
        350429195603010054,  # a number
        "abc",
    ]
)


def _one_by_one(parse, values):
    results = []
    for value in values:
        try:
            results.append(parse(value))
        except CellError as exc:
            results.append(exc.message)
    return results


def _check_many(parse, values):
    fast = parse.many(values)
    if fast is not None:
        assert fast == _one_by_one(parse, values)
    return fast


@settings(max_examples=300)
@given(st.lists(_ID_CELLS, min_size=1, max_size=8))
def test_ids_of_a_chunk_parse_as_they_do_one_by_one(values):
    _check_many(normalise.id_number, values)


@given(st.lists(st.sampled_from(_VALID_IDS), min_size=1, max_size=30))
def test_a_chunk_of_clean_valid_ids_takes_the_fast_path(values):
    parsed = _check_many(normalise.id_number, values)
    assert parsed is not None
    assert [p.number for p in parsed] == values


_TEXT_CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["居民一", "张 三", "李\u3000四", "ＡＢＣ", "x" * 60, " 王五 "]),
    st.integers(),
    st.floats(allow_nan=False),
)


@settings(max_examples=300)
@given(st.lists(_TEXT_CELLS.filter(lambda v: v != ""), min_size=1, max_size=8))
def test_text_of_a_chunk_parses_as_it_does_one_by_one(values):
    _check_many(normalise.text(50), values)


@given(st.lists(st.sampled_from(["居民一", "张三", "LiSi"]), min_size=1, max_size=8))
def test_a_chunk_of_clean_text_takes_the_fast_path(values):
    assert _check_many(normalise.text(50), values) == values


_PHONE_CELLS = st.sampled_from(
    [
        *("13800000000", "0598-1234567", "+8613800000000", "138 0000 0000", "１３８００"),
        *("1234", "abc", 13800000000, 13800000000.0, "138000000001234567890"),
    ]
)


@settings(max_examples=300)
@given(st.lists(_PHONE_CELLS, min_size=1, max_size=8))
def test_phones_of_a_chunk_parse_as_they_do_one_by_one(values):
    _check_many(normalise.phone, values)


def test_a_chunk_of_clean_phones_takes_the_fast_path():
    values = ["13800000000", "0598-1234567", "+8613800000000"]
    assert _check_many(normalise.phone, values) == values
