"""Resident identity numbers (居民身份证号码, GB 11643-1999), checked by hand.

An 18-character number is: a 6-digit administrative region code, the birth date as YYYYMMDD,
a 3-digit sequence (odd for men, even for women) and a check character computed with
ISO 7064 MOD 11-2 (0-9 or X). Libraries were not used on purpose: python-stdnum rejects real
IDs of elderly people whose region code is newer than their birth, and others accept the
retired 15-digit form.

An unknown province prefix is only a *warning*: region codes are renamed and merged over the
years and a number issued under an old code stays valid for life.
"""

from __future__ import annotations

import datetime
import operator
import re
from itertools import repeat
from operator import itemgetter
from typing import Any, NamedTuple, NoReturn

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH_YEAR = 1900

# Province-level prefixes of GB/T 2260 (including Hong Kong, Macao and Taiwan residence IDs).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "  # noqa: SIM905
    "61 62 63 64 65 71 81 82 83".split()
)

# Full-width digits and letters that arrive from hand-typed spreadsheets.
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
_SPACES = {" ", "\u3000", "\u00a0", "\t", "\r", "\n", "\u200b", "\ufeff"}


_CLEAN_ID = re.compile(r"[0-9]{17}[0-9X]\Z")  # \Z: "$" would let a trailing newline through


_ID_SHAPE = re.compile(r"[0-9]{15}|[0-9]{17}[0-9X]")


def looks_like_id_number(value: str) -> bool:
    """Whether ``value`` is shaped like a resident ID (15 or 18 characters), valid or not."""
    return bool(_ID_SHAPE.fullmatch(normalise_id_text(value or "")))


def normalise_id_text(value: str) -> str:
    """Remove every kind of space, turn full-width digits half-width and x into X."""
    if _CLEAN_ID.match(value):
        return value
    text = "".join(ch for ch in value if ch not in _SPACES)
    return text.translate(_FULLWIDTH).upper()


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits (ASCII 0-9 only)."""
    # The weights are 2**17 … 2**1 modulo 11, and 13 ≡ 2 (mod 11): read in base 13, the
    # digits give sum(d × 13**(16 - i)) ≡ sum(d × 2**(16 - i)); twice that is the weighted
    # sum modulo 11. One int() in C instead of 17 multiplications (imports check 100,000).
    return CHECK_CHARACTERS[2 * int(first17, 13) % 11]


class ResidentId(NamedTuple):
    """What a valid number encodes (a small tuple: imports hold 100,000 of them)."""

    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F", the values of households.models.Sex
    warnings: tuple[str, ...] = ()

    @property
    def region_code(self) -> str:
        return self.number[:6]


# YYYYMMDD → date (None: not a real date). A roster repeats birth dates a lot; a plain dict is
# several times cheaper to ask than functools.lru_cache, and 50,000 dates cover 137 years.
_BIRTH_DATES: dict[str, datetime.date | None] = {}


def _birth_date(digits: str) -> datetime.date | None:
    try:
        return _BIRTH_DATES[digits]
    except KeyError:
        pass
    try:
        birth = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        birth = None
    if len(_BIRTH_DATES) < 50_000:
        _BIRTH_DATES[digits] = birth
    return birth


_SEX_OF_DIGIT = {digit: "M" if int(digit) % 2 else "F" for digit in "0123456789"}


def parse_resident_id(value: str, *, today: datetime.date | None = None) -> ResidentId:
    """Check ``value`` and return what it encodes; raise ``ValidationError`` in Chinese if bad.

    ``value`` is normalised first (spaces, full-width digits, lower-case x).
    """
    number = value
    if not _CLEAN_ID.match(number):
        number = normalise_id_text(value)
        if not _CLEAN_ID.match(number):
            _refuse_shape(number)
    birth = _birth_date(number[6:14])
    if birth is None:
        raise ValidationError(
            _("The birth date in the ID number (%(digits)s) is not a real date.")
            % {"digits": number[6:14]},
            code="birth_date",
        )
    today = today or timezone.localdate()
    if birth.year < EARLIEST_BIRTH_YEAR or birth > today:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is not plausible.")
            % {"date": birth.isoformat()},
            code="birth_date_range",
        )
    expected = check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _(
                "The check digit of the ID number is wrong (the last "
                "character should be %(expected)s)."
            )
            % {"expected": expected},
            code="checksum",
        )
    warnings: tuple[str, ...] = ()
    if number[:2] not in PROVINCE_CODES:
        warnings = (
            _("The region code %(code)s of the ID number is unknown.") % {"code": number[:6]},
        )
    return ResidentId(number, birth, _SEX_OF_DIGIT[number[16]], warnings)


_CLEAN_IDS = re.compile(r"(?:[0-9]{17}[0-9X]\n)*[0-9]{17}[0-9X]")
_FIRST17, _BIRTH_DIGITS, _SEX_DIGIT, _CHECK, _PROVINCE = (
    itemgetter(slice(0, 17)),
    itemgetter(slice(6, 14)),
    itemgetter(16),
    itemgetter(17),
    itemgetter(slice(0, 2)),
)


def parse_resident_ids(values: list[Any], *, today: datetime.date) -> list[ResidentId] | None:
    """What :func:`parse_resident_id` returns for each of ``values``, in a few C-level passes,
    when every value is a clean and valid number with a known province; ``None`` otherwise
    (then parse them one by one to get each message). For imports of 100,000 IDs."""
    try:
        joined = "\n".join(values)
    except TypeError:
        return None
    if not values or not _CLEAN_IDS.fullmatch(joined):
        return None
    births = list(map(_birth_date, map(_BIRTH_DIGITS, values)))
    if None in births or min(births).year < EARLIEST_BIRTH_YEAR or max(births) > today:
        return None
    # The check character as in check_character(), a column at a time.
    base13 = map(int, map(_FIRST17, values), repeat(13))
    totals = map(operator.mod, map(operator.mul, base13, repeat(2)), repeat(11))
    expected = map(CHECK_CHARACTERS.__getitem__, totals)
    if not all(map(operator.eq, expected, map(_CHECK, values))):
        return None
    if not set(map(_PROVINCE, values)) <= PROVINCE_CODES:
        return None  # a warning to attach
    sexes = map(_SEX_OF_DIGIT.__getitem__, map(_SEX_DIGIT, values))
    return list(map(ResidentId, values, births, sexes))


def _refuse_shape(number: str) -> NoReturn:
    """Raise the message for a number that is not 17 digits and a check character."""
    if not number:
        raise ValidationError(_("The ID number is empty."), code="empty")
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("15-digit ID numbers are no longer valid; enter the 18-digit number."),
            code="fifteen_digits",
        )
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(count)d.") % {"count": len(number)},
            code="length",
        )
    raise ValidationError(
        _("An ID number is 17 digits followed by a digit or X."), code="characters"
    )


def validate_resident_id(value: str) -> None:
    """Model/form field validator."""
    parse_resident_id(value)


def cross_check(
    resident_id: ResidentId, *, sex: str | None = None, birth_date: datetime.date | None = None
) -> list[str]:
    """Messages for separately given values that contradict the ID (empty list if they agree)."""
    problems = []
    if birth_date is not None and birth_date != resident_id.birth_date:
        problems.append(
            _("The birth date %(given)s contradicts the ID number (%(encoded)s).")
            % {"given": birth_date.isoformat(), "encoded": resident_id.birth_date.isoformat()}
        )
    if sex is not None and sex != resident_id.sex:
        problems.append(
            _("The sex contradicts the ID number (the ID says %(sex)s).")
            % {"sex": _("male") if resident_id.sex == "M" else _("female")}
        )
    return problems


def make_resident_id(region_code: str, birth_date: datetime.date, sequence: int) -> str:
    """Build a valid number (for demo data and tests); ``sequence`` 0..999, odd = male."""
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
