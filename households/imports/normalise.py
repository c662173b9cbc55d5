"""Cell parsers: turn what spreadsheets really hold into clean Python values.

A parser takes the raw cell value as python-calamine returns it (``str``, ``int``, ``float``,
``bool``, ``date``, ``datetime``) and returns the clean value, or raises :class:`CellError`
with a message for the user. Blank cells never reach a parser (they become ``None``).

A parser of columns whose values are mostly distinct (IDs, names, phones) may also offer
``parse.many(values)``: the parsed values of a whole chunk of non-blank cells in a few C-level
passes when every one of them is already clean and valid, else ``None`` (the engine then
parses them one by one, which gives each error its message). It must return exactly what
``parse`` returns for each value.
Parsers are plain functions, so ledgers and forms (and the admin's import-export resources)
share them.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from households.idnumber import ResidentId, parse_resident_id, parse_resident_ids

Parser = Callable[[Any], Any]


class CellError(ValueError):
    """A cell that cannot be read; ``message`` is shown to the user with the row and column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
_SPACE_RE = re.compile(r"[\s\u00a0\u200b\ufeff]+")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


_NEEDS_CLEANING = re.compile(r"[\s\u00a0\u200b\ufeff\u3000\uff01-\uff5e]")


def clean_text(value: Any) -> str:
    """Full-width ASCII to half-width, runs of spaces collapsed, ends stripped."""
    if type(value) is str and not _NEEDS_CLEANING.search(value):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(_FULLWIDTH)
    return _SPACE_RE.sub(" ", text).strip()


def compact(value: Any) -> str:
    """Like :func:`clean_text` but without any space (for codes, choices, headers)."""
    return clean_text(value).replace(" ", "")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not compact(value))


def text(max_length: int = 200) -> Parser:
    # Repeated values (townships, villages, household numbers) share one string object.
    cache: dict[Any, str] = {}

    def parse(value: Any) -> str:
        if type(value) is str:
            known = cache.get(value)  # not try/except: a miss (most names) would raise
            if known is not None:
                return known
        result = clean_text(value)
        if len(result) > max_length:
            raise CellError(_("Too long (at most %(max)d characters).") % {"max": max_length})
        if len(cache) < 50_000 and type(value) is str:
            cache[value] = result
        return result

    def many(values: list[Any]) -> list[str] | None:
        try:
            joined = "\0".join(values)  # a TypeError for any cell that is not text
        except TypeError:
            return None
        if _NEEDS_CLEANING.search(joined) or max(map(len, values)) > max_length:
            return None
        return list(values)  # clean_text returns clean text as it is

    parse.many = many  # type: ignore[attr-defined]
    return parse


_TODAY: list[Any] = [0.0, None]


def _today() -> datetime.date:
    """Today, looked up at most once a minute (``localdate()`` is slow for 100,000 cells)."""
    now = time.monotonic()
    if _TODAY[1] is None or now - _TODAY[0] > 60:
        _TODAY[:] = [now, timezone.localdate()]
    return _TODAY[1]


def _id_numbers(values: list[Any]) -> list[ResidentId] | None:
    return parse_resident_ids(values, today=_today())


def id_number(value: Any) -> ResidentId:
    """A resident ID; numbers are refused because Excel has already lost their last digits."""
    if type(value) is not str and isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(
            _(
                "The ID number is stored as a number, so Excel has lost its last digits. "
                "Format the column as text and type the numbers again."
            )
        )
    try:
        return parse_resident_id(str(value), today=_today())
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


id_number.many = _id_numbers  # type: ignore[attr-defined]


_DATE_RE = re.compile(r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def date(value: Any) -> datetime.date:
    """Excel dates and serial numbers; 1956-03-01, 1956.3.1, 1956/3/1, 1956年3月1日, 19560301."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 10_000_000 < value < 100_000_000:  # 19560301 typed as a number
            value = str(int(value))
        elif 1 <= value < 2_958_466:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        else:
            raise CellError(_("Not a date: %(value)s.") % {"value": value})
    raw = compact(value)
    match = _DATE_RE.match(raw) or _COMPACT_DATE_RE.match(raw)
    if match is None:
        # "1956-03-01 00:00:00" from a text export
        match = _DATE_RE.match(raw.split("T")[0][:10]) if len(raw) > 10 else None
    if match is None:
        raise CellError(
            _("Not a date: %(value)s (write e.g. 1956-03-01).") % {"value": clean_text(value)}
        )
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(_("Not a real date: %(value)s.") % {"value": clean_text(value)}) from None


_YES = {"是", "y", "yes", "√", "✓", "✔", "1", "true", "有", "已参保", "参保", "已参加"}
_NO = {"否", "n", "no", "×", "✗", "✘", "x", "0", "false", "无", "未参保", "未参加"}


def yes_no(value: Any) -> bool:
    """是/否, Y/N, √/×, 1/0 (and a few common spellings)."""
    if isinstance(value, bool):
        return value
    key = compact(value).lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError(_("Write 是 or 否 (not %(value)s).") % {"value": clean_text(value)})


def choice(mapping: Mapping[str, Any], *, strip: Iterable[str] = ()) -> Parser:
    """A value from a fixed list. ``mapping`` maps spellings to stored values; the message lists
    the spellings that are accepted. ``strip`` lists suffixes ignored when matching."""
    table = {compact(key): stored for key, stored in mapping.items()}
    suffixes = tuple(strip)
    allowed = "、".join(dict.fromkeys(mapping))
    cache: dict[Any, Any] = {}

    def parse(value: Any) -> Any:
        try:
            return cache[value]
        except (KeyError, TypeError):
            pass
        key = compact(value)
        key = re.sub(r"[(（][^)）]*[)）]$", "", key) or key
        result = table.get(key)
        if result is None:
            for suffix in suffixes:
                if key.endswith(suffix) and key[: -len(suffix)] in table:
                    result = table[key[: -len(suffix)]]
                    break
        if result is None:
            raise CellError(
                _("Unknown value %(value)s; allowed: %(allowed)s.")
                % {"value": clean_text(value), "allowed": allowed}
            )
        if isinstance(value, (str, int, float)):
            cache[value] = result
        return result

    return parse


def integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raw = compact(value)
    if raw.isdigit():
        return int(raw)
    raise CellError(_("Not a whole number: %(value)s.") % {"value": clean_text(value)})


def year(value: Any) -> int:
    number = integer(compact(value).removesuffix("年") if isinstance(value, str) else value)
    if not 1990 <= number <= 2100:
        raise CellError(_("Not a plausible year: %(value)s.") % {"value": number})
    return number


MAX_AMOUNT = Decimal("1000000000000")  # a trillion: nothing in a ledger comes near it


def decimal(value: Any) -> Decimal:
    """Money and amounts: 1,234.50 and ¥1234.5 are read; floats are rounded to cents."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = repr(value)
    else:
        raw = compact(value).replace(",", "").replace("，", "").lstrip("¥￥").removesuffix("元")
    try:
        amount = Decimal(raw)
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise CellError(_("Not an amount: %(value)s.") % {"value": clean_text(value)}) from None
    if abs(amount) >= MAX_AMOUNT:
        raise CellError(_("The amount %(value)s is out of range.") % {"value": clean_text(value)})
    return amount.quantize(Decimal("0.01"))


_PHONE_RE = re.compile(r"^[0-9+\-]{5,20}$")
_PHONES_RE = re.compile(r"(?:[0-9+\-]{5,20}\n)*[0-9+\-]{5,20}")


def phone(value: Any) -> str:
    raw = compact(integer(value) if isinstance(value, (int, float)) else value)
    if not _PHONE_RE.match(raw):
        raise CellError(_("Not a phone number: %(value)s.") % {"value": clean_text(value)})
    return raw


def _phones(values: list[Any]) -> list[str] | None:
    try:
        joined = "\n".join(values)  # a TypeError for a phone stored as a number
    except TypeError:
        return None
    return list(values) if _PHONES_RE.fullmatch(joined) else None


phone.many = _phones  # type: ignore[attr-defined]
