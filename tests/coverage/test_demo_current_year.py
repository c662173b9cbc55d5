"""The demo county of the current year (``seed_demo`` without options) holds seed 000's
figures as of today, with follow-ups due, done and overdue."""

import datetime
import io

import pytest
from django.db.models import Max

from coverage.selectors import compute_table
from healthpov.period import ReportingPeriod
from households.demo import DemoCalendar
from tests.coverage.test_demo import SEED_000


@pytest.fixture(scope="module")
def current_demo(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())
        from healthpov.places.models import Place

        county = Place.objects.get(name="泰宁县", level="county")
        yield county, ReportingPeriod.current()
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
def test_current_year_demo_holds_seed_000_figures_as_of_today(current_demo):
    county, period = current_demo
    values = compute_table(period, root=county).row_for(county).values
    assert {code: values[code] for code in SEED_000} == SEED_000


@pytest.mark.django_db
def test_current_year_demo_has_nothing_dated_after_today(current_demo):
    from signing.models import Contract, FulfilmentRecord, HealthCheck, UnsignedRecord
    from treatment.models import FollowUpCall, InpatientStay, MajorIllnessCase

    _county, period = current_demo
    latest = [
        Contract.objects.aggregate(d=Max("signed_on"))["d"],
        UnsignedRecord.objects.aggregate(d=Max("recorded_on"))["d"],
        FulfilmentRecord.objects.aggregate(d=Max("served_on"))["d"],
        HealthCheck.objects.aggregate(d=Max("checked_on"))["d"],
        MajorIllnessCase.objects.aggregate(d=Max("screening_date"))["d"],
        FollowUpCall.objects.aggregate(d=Max("called_on"))["d"],
        InpatientStay.objects.aggregate(d=Max("discharged_on"))["d"],
    ]
    assert max(latest) <= period.as_of


@pytest.mark.django_db
def test_current_year_demo_work_lists_show_due_done_and_overdue(current_demo):
    from households.models import Person
    from signing import followups

    _county, period = current_demo
    states = {
        state: followups.in_state(
            followups.chronic_patients(Person.objects.all(), period.as_of), state
        ).count()
        for state in ("due", "overdue", "compliant")
    }
    first_quarter_over = period.as_of > datetime.date(period.year, 3, 31)
    assert states["due"] > 0
    assert states["compliant"] > 0
    assert (states["overdue"] > 0) == first_quarter_over


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(current_demo):
    from django.core.management import call_command

    from signing.models import Contract, FulfilmentRecord
    from treatment.models import MajorIllnessCase

    before = (
        Contract.objects.count(),
        FulfilmentRecord.objects.count(),
        MajorIllnessCase.objects.count(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    after = (
        Contract.objects.count(),
        FulfilmentRecord.objects.count(),
        MajorIllnessCase.objects.count(),
    )
    assert before == after


@pytest.mark.django_db
def test_seed_demo_of_another_year_on_the_same_database_adds_nothing(current_demo):
    from django.core.management import call_command

    from signing.models import Contract

    err = io.StringIO()
    call_command("seed_demo", "--year", "2018", stdout=io.StringIO(), stderr=err)
    assert not Contract.objects.filter(year=2018).exists()
    assert "fresh database" in err.getvalue()


# The rule that moves seed 000's dates into the demo year (households.demo.DemoCalendar).
SEED_DAYS = [
    datetime.date(2008, 1, 1) + datetime.timedelta(days=n) for n in range(0, 4200, 3)
]  # 2008 to mid 2019: before the seed's year, in it up to 4 June, and after


@pytest.mark.parametrize(
    "as_of", [datetime.date(2025, 1, 1), datetime.date(2025, 2, 10), datetime.date(2024, 12, 31)]
)
def test_demo_calendar_keeps_every_day_on_its_side_of_the_year_and_the_as_of_date(as_of):
    calendar = DemoCalendar(year=as_of.year, as_of=as_of)
    year_start, seed_start, seed_as_of = (
        datetime.date(as_of.year, 1, 1),
        datetime.date(2018, 1, 1),
        datetime.date(2018, 6, 4),
    )
    for day in SEED_DAYS:
        moved = calendar.date(day)
        assert (moved < year_start) == (day < seed_start), day
        if seed_start <= day <= seed_as_of:
            assert moved <= as_of, day
        if day > seed_as_of:
            assert moved > as_of, day


def test_demo_calendar_keeps_the_order_of_days():
    calendar = DemoCalendar(year=2025, as_of=datetime.date(2025, 3, 15))
    moved = [calendar.date(day) for day in SEED_DAYS]
    assert moved == sorted(moved)


def test_demo_calendar_of_2018_is_the_seed_itself():
    calendar = DemoCalendar.of(2018)
    assert calendar == DemoCalendar.seed()
    assert all(calendar.date(day) == day for day in SEED_DAYS)
