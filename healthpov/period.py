"""The reporting period: which year the figures are about, and the date they are seen as of.

This module is the only place that parses or defaults a year or an as-of date. Pages, API
views, exports, template tags, management commands and tasks all take a
:class:`ReportingPeriod` from here.

The rules, in one place:

- **Years** run from :data:`FIRST_YEAR` (the registry of poor households starts in 2014) to
  next year (contracts are renewed for next year in December).
- **The default** is the working year, i.e. the current year as of today.
- **As of** is never before the year's 1 January and never after today: by default a past
  year is seen as of its 31 December, the current year as of today, next year as of its
  1 January (nothing of it has happened yet). A date after the year is allowed: a past year
  seen as of a later day (say the reporting deadline) counts the year's records entered late,
  while records dated after 31 December never count (:attr:`ReportingPeriod.end`).
- **From a query string** :meth:`ReportingPeriod.from_params` never raises. A value that is
  malformed, impossible (2018-02-30), out of bounds, or given twice with different values is
  ignored, and the result carries a message saying so: pages show it
  (:func:`period_for_page`), the API answers 400 with it (:func:`period_for_api`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError as ApiValidationError

FIRST_YEAR = 2014

_YEAR = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_SHOWN = 40  # characters of a bad value repeated back to the user


def today() -> datetime.date:
    return timezone.localdate()


def last_year_allowed() -> int:
    return today().year + 1


def _default_as_of(year: int) -> datetime.date:
    """Today inside ``year``: 31 December of a past year, 1 January of a future one."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return max(first, min(last, today()))


@dataclass(frozen=True)
class ReportingPeriod:
    """A reporting year seen as of a date: records dated after ``as_of`` do not count.

    Build one with :meth:`current`, :meth:`for_year`, :meth:`of` or :meth:`from_params`; they
    keep ``as_of`` inside the year. The plain constructor trusts its arguments (tests and
    snapshots name exact periods).
    """

    year: int
    as_of: datetime.date

    # -- building ------------------------------------------------------------------------

    @classmethod
    def current(cls) -> ReportingPeriod:
        """The working year, as of today."""
        return cls.for_year(today().year)

    @classmethod
    def for_year(cls, year: int) -> ReportingPeriod:
        """``year`` as of today, or as of 31 December for a past year (1 January for next)."""
        return cls(year=year, as_of=_default_as_of(year))

    @classmethod
    def of(cls, *, year: int | None = None, as_of: datetime.date | None = None) -> ReportingPeriod:
        """A period from trusted values (commands, tasks, stored runs), taken as given: the
        year defaults to the as-of date's year, the as-of date to :meth:`for_year`'s."""
        if year is None:
            year = (as_of or today()).year
        if as_of is None:
            return cls.for_year(year)
        return cls(year=year, as_of=as_of)

    @classmethod
    def from_params(cls, query: Mapping[str, Any] | None) -> PeriodParams:
        """The period asked for by ``?year=`` and ``?as_of=``; never raises.

        A bad value is ignored (the default is used in its place) and named in
        ``.errors``. Without a valid year (or an as-of date giving one) it is the working
        year, on every page: no page opens on another year, say the latest with data, unasked.
        """
        errors: list[str] = []
        year = _parse_year(_single(query, "year", errors), errors)
        as_of = _parse_as_of(_single(query, "as_of", errors), errors)
        if year is None:
            year = as_of.year if as_of is not None else today().year
        if as_of is not None and as_of.year < year:
            errors.append(
                _("The date %(as_of)s is before %(year)s; it was ignored.")
                % {"as_of": as_of.isoformat(), "year": year}
            )
            as_of = None
        elif as_of is not None and as_of > today():
            shown = max(datetime.date(year, 1, 1), today())
            errors.append(
                _("The date %(as_of)s is in the future; the figures are shown as of %(shown)s.")
                % {"as_of": as_of.isoformat(), "shown": shown.isoformat()}
            )
            as_of = shown
        period = cls.of(year=year, as_of=as_of)
        return PeriodParams(period=period, errors=tuple(errors))

    # -- reading -------------------------------------------------------------------------

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        """The last day that counts: the as-of date, or 31 December for a past year."""
        return min(self.as_of, datetime.date(self.year, 12, 31))

    @property
    def elderly_born_before(self) -> datetime.date:
        # "Elderly" means born in or before (year - 65).
        return datetime.date(self.year - 64, 1, 1)

    @property
    def is_current(self) -> bool:
        return self.year == today().year

    def querystring(self) -> str:
        """``year=…&as_of=…`` for links that keep the period."""
        return f"year={self.year}&as_of={self.as_of.isoformat()}"


@dataclass(frozen=True)
class PeriodParams:
    """What :meth:`ReportingPeriod.from_params` found: the period, and why values were ignored."""

    period: ReportingPeriod
    errors: tuple[str, ...] = field(default=())

    @property
    def error(self) -> str:
        """All messages in one line ("" when every value was fine)."""
        return " ".join(self.errors)


# -- parsing ---------------------------------------------------------------------------------


def _shown(value: str) -> str:
    value = value.replace("\x00", "")
    return value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "…"


def _single(query: Mapping[str, Any] | None, key: str, errors: list[str]) -> str:
    """The one value of ``key`` ("" when absent); differing repeated values are ignored."""
    if not query:
        return ""
    if hasattr(query, "getlist"):
        values = [str(v).strip() for v in query.getlist(key)]
    else:
        raw = query.get(key)
        values = [str(v).strip() for v in raw] if isinstance(raw, list | tuple) else [raw]
        values = [str(v).strip() for v in values if v is not None]
    values = [v for v in values if v]
    if len(set(values)) > 1:
        errors.append(
            _("“%(name)s” was given more than once with different values; it was ignored.")
            % {"name": key}
        )
        return ""
    return values[0] if values else ""


def _parse_year(raw: str, errors: list[str]) -> int | None:
    if not raw:
        return None
    if _YEAR.fullmatch(raw) and FIRST_YEAR <= int(raw) <= last_year_allowed():
        return int(raw)
    errors.append(
        _("The year “%(value)s” was ignored: a year from %(first)s to %(last)s is expected.")
        % {"value": _shown(raw), "first": FIRST_YEAR, "last": last_year_allowed()}
    )
    return None


def _parse_as_of(raw: str, errors: list[str]) -> datetime.date | None:
    if not raw:
        return None
    date = None
    if _DATE.fullmatch(raw):
        try:
            date = datetime.date.fromisoformat(raw)
        except ValueError:
            date = None
    if date is None:
        errors.append(
            _("The date “%(value)s” was ignored: it is not a date (YYYY-MM-DD).")
            % {"value": _shown(raw)}
        )
        return None
    if not FIRST_YEAR <= date.year <= last_year_allowed():
        errors.append(
            _("The date “%(value)s” was ignored: a date from %(first)s to %(last)s is expected.")
            % {"value": raw, "first": FIRST_YEAR, "last": last_year_allowed()}
        )
        return None
    return date


# -- callers ---------------------------------------------------------------------------------


def period_for_page(request, query: Mapping[str, Any] | None = None) -> ReportingPeriod:
    """The period of a page: ignored values are shown to the user as a warning."""
    found = ReportingPeriod.from_params(request.GET if query is None else query)
    for error in found.errors:
        messages.warning(request, error, fail_silently=True)
    return found.period


def period_for_api(request) -> ReportingPeriod:
    """The period of an API request: any ignored value is a 400 naming it."""
    found = ReportingPeriod.from_params(request.query_params)
    if found.errors:
        raise ApiValidationError({"period": list(found.errors)})
    return found.period
