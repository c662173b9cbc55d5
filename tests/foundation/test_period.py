"""The reporting period: its defaults, its bounds, and a query-string parser that never raises."""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from healthpov import period as period_module
from healthpov.period import FIRST_YEAR, ReportingPeriod

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(period_module, "today", lambda: TODAY)


def parse(query: str):
    return ReportingPeriod.from_params(QueryDict(query))


def test_the_default_is_the_current_year_as_of_today():
    assert ReportingPeriod.current() == ReportingPeriod(2026, TODAY)


def test_no_parameters_give_the_default_and_no_message():
    found = parse("")
    assert (found.period, found.errors) == (ReportingPeriod(2026, TODAY), ())


def test_a_past_year_is_seen_as_of_its_31_december():
    assert parse("year=2019").period == ReportingPeriod(2019, datetime.date(2019, 12, 31))


def test_next_year_is_seen_as_of_its_1_january():
    assert parse("year=2027").period == ReportingPeriod(2027, datetime.date(2027, 1, 1))


def test_an_as_of_date_alone_chooses_its_year():
    found = parse("as_of=2020-03-01")
    assert (found.period, found.errors) == (ReportingPeriod(2020, datetime.date(2020, 3, 1)), ())


def test_a_year_and_an_as_of_date_inside_it_are_taken_as_given():
    found = parse("year=2020&as_of=2020-03-01")
    assert (found.period, found.errors) == (ReportingPeriod(2020, datetime.date(2020, 3, 1)), ())


def test_a_past_year_may_be_seen_as_of_a_later_date():
    found = parse("year=2020&as_of=2021-03-01")
    assert (found.period, found.errors) == (ReportingPeriod(2020, datetime.date(2021, 3, 1)), ())
    assert found.period.end == datetime.date(2020, 12, 31)


def test_an_as_of_date_before_the_year_is_ignored_with_a_message():
    found = parse("year=2020&as_of=2019-03-01")
    assert found.period == ReportingPeriod(2020, datetime.date(2020, 12, 31))
    assert "2019-03-01" in found.error


def test_a_future_as_of_date_is_capped_at_today_with_a_message():
    found = parse("as_of=2026-09-01")
    assert found.period == ReportingPeriod(2026, TODAY)
    assert "2026-09-01" in found.error


def test_the_years_run_from_the_first_year_to_next_year():
    assert parse(f"year={FIRST_YEAR}").errors == ()
    assert parse("year=2027").errors == ()
    assert parse(f"year={FIRST_YEAR - 1}").errors
    assert parse("year=2028").errors


@pytest.mark.parametrize(
    "query",
    [
        "year=abc",
        "year=-2020",
        "year=0",
        "year=" + "9" * 30,
        "year=2020.5",
        "year=２０２０",  # full-width digits
        "year=2020&year=2021",
        "as_of=2018-02-30",
        "as_of=2026-13-45",
        "as_of=yesterday",
        "as_of=20180101",
        "as_of=-2018-01-01",
        "as_of=" + "9" * 30,
        "as_of=0001-01-01",
        "as_of=2018-01-01&as_of=2019-01-01",
        "as_of=2018-01-01%00",
    ],
)
def test_a_bad_value_gives_the_default_and_a_message(query):
    found = parse(query)
    assert found.period == ReportingPeriod(2026, TODAY)
    assert found.errors


def test_the_message_names_the_ignored_value():
    assert "2018-02-30" in parse("as_of=2018-02-30").error


def test_a_value_repeated_identically_is_accepted():
    found = parse("year=2020&year=2020")
    assert (found.period.year, found.errors) == (2020, ())


def test_a_bad_as_of_date_keeps_a_good_year():
    found = parse("year=2019&as_of=2019-02-30")
    assert found.period == ReportingPeriod(2019, datetime.date(2019, 12, 31))
    assert len(found.errors) == 1


def test_without_a_valid_year_it_is_the_working_year():
    found = ReportingPeriod.from_params(QueryDict("year=x"))
    assert found.period == ReportingPeriod(2026, TODAY)
    assert len(found.errors) == 1


def test_a_plain_mapping_is_read_too():
    assert ReportingPeriod.from_params({"year": "2020"}).period.year == 2020
    assert ReportingPeriod.from_params(None).period == ReportingPeriod(2026, TODAY)


@given(st.text(max_size=60), st.text(max_size=60))
def test_from_params_never_raises_and_stays_in_bounds(year, as_of):
    found = ReportingPeriod.from_params({"year": year, "as_of": as_of})
    period = found.period
    assert FIRST_YEAR <= period.year <= TODAY.year + 1
    assert period.start <= period.as_of <= max(TODAY, period.start)


def test_of_defaults_like_the_pages_and_takes_given_values_as_they_are():
    assert ReportingPeriod.of() == ReportingPeriod(2026, TODAY)
    assert ReportingPeriod.of(year=2019) == ReportingPeriod(2019, datetime.date(2019, 12, 31))
    assert ReportingPeriod.of(as_of=datetime.date(2019, 5, 1)).year == 2019
    later = ReportingPeriod.of(year=2019, as_of=datetime.date(2020, 5, 1))
    assert later == ReportingPeriod(2019, datetime.date(2020, 5, 1))


def test_start_end_and_elderly_cutoff():
    period = ReportingPeriod(2020, datetime.date(2021, 2, 1))
    assert (period.start, period.end) == (datetime.date(2020, 1, 1), datetime.date(2020, 12, 31))
    assert period.elderly_born_before == datetime.date(1956, 1, 1)


def test_the_querystring_keeps_the_period():
    assert ReportingPeriod(2020, datetime.date(2020, 3, 1)).querystring() == (
        "year=2020&as_of=2020-03-01"
    )
