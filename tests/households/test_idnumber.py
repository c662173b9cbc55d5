import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from households.idnumber import (
    CHECK_CHARACTERS,
    WEIGHTS,
    check_character,
    cross_check,
    make_resident_id,
    normalise_id_text,
    parse_resident_id,
)

TODAY = datetime.date(2026, 11, 23)
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


def test_known_real_format_number_is_accepted():
    # The GB 11643 worked example: 11010519491231002X.
    parsed = parse_resident_id("11010519491231002X", today=TODAY)
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.warnings == ()


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_is_the_weighted_sum_of_the_standard(first17):
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    assert check_character(first17) == CHECK_CHARACTERS[total % 11]


@given(births, sequences)
def test_every_generated_number_round_trips(birth, sequence):
    number = make_resident_id("350429", birth, sequence)
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if sequence % 2 else "F")


@given(
    births, sequences, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9)
)
def test_changing_one_digit_breaks_the_check(birth, sequence, position, delta):
    number = make_resident_id("350429", birth, sequence)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(ValidationError):
        parse_resident_id(changed, today=TODAY)


@given(births, sequences)
def test_wrong_check_character_is_rejected(birth, sequence):
    number = make_resident_id("350429", birth, sequence)
    wrong = next(c for c in "0123456789X" if c != number[-1])
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(number[:17] + wrong, today=TODAY)
    assert exc.value.code == "checksum"


@given(births, sequences)
def test_lower_case_x_full_width_digits_and_spaces_are_normalised(birth, sequence):
    number = make_resident_id("350429", birth, sequence)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in number)
    messy = f" {full_width[:6]}\u3000{full_width[6:]} "
    assert parse_resident_id(messy, today=TODAY).number == number


@pytest.mark.parametrize("end", ["\n", "\r\n", " \n"])
def test_a_line_break_after_the_number_is_removed(end):
    # A cell typed with Alt+Enter; "$" in a regex matches before a final newline.
    number = make_resident_id("350429", datetime.date(1956, 3, 1), 5)
    assert parse_resident_id(number + end, today=TODAY).number == number


def test_fifteen_digit_number_is_refused_with_its_own_message():
    with pytest.raises(ValidationError) as exc:
        parse_resident_id("350429560301001", today=TODAY)
    assert exc.value.code == "fifteen_digits"


def test_impossible_birth_date_is_refused():
    first17 = "35042919560231001"
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(first17 + check_character(first17), today=TODAY)
    assert exc.value.code == "birth_date"


@pytest.mark.parametrize("birth", [datetime.date(1899, 12, 31), datetime.date(2026, 11, 24)])
def test_birth_date_outside_1900_to_today_is_refused(birth):
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(make_resident_id("350429", birth, 1), today=TODAY)
    assert exc.value.code == "birth_date_range"


def test_unknown_region_is_a_warning_not_an_error():
    parsed = parse_resident_id(
        make_resident_id("990429", datetime.date(1960, 1, 1), 1), today=TODAY
    )
    assert len(parsed.warnings) == 1


def test_cross_check_names_contradicting_birth_date_and_sex():
    parsed = parse_resident_id(
        make_resident_id("350429", datetime.date(1960, 1, 1), 1), today=TODAY
    )
    assert cross_check(parsed, sex="M", birth_date=datetime.date(1960, 1, 1)) == []
    assert len(cross_check(parsed, sex="F", birth_date=datetime.date(1960, 1, 2))) == 2


def test_messages_read_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        parse_resident_id("35042919560301001", today=TODAY)
    assert "18" in exc.value.messages[0]
    assert "位" in exc.value.messages[0]


def test_normalise_keeps_only_meaningful_characters():
    assert normalise_id_text(" ３５０４２９x ") == "350429X"
