import datetime

import pytest
from django.db import connection

from coverage import indicators as ind
from coverage.selectors import compute_table, indicator_rows
from healthpov.period import ReportingPeriod
from tests.coverage.factories import AS_OF, EXPECTED, YEAR, build_world

PERIOD = ReportingPeriod(YEAR, AS_OF)


@pytest.fixture
def world(village_a, village_b):
    return build_world(village_a, village_b)


def test_every_count_and_sum_of_the_registry_has_an_expected_figure():
    summed = {i.code for i in ind.INDICATORS if i.kind != ind.RATE}
    assert summed == set(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_village_figures(world, village_a, village_b, code):
    table = compute_table(PERIOD).by_place()
    assert (table[village_a.pk].values[code], table[village_b.pk].values[code]) == EXPECTED[code]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_county_is_the_sum_of_its_villages(world, county, code):
    table = compute_table(PERIOD).by_place()
    assert table[county.pk].values[code] == sum(EXPECTED[code])


def test_township_rows_hold_their_villages(world, township_a, township_b):
    table = compute_table(PERIOD).by_place()
    assert table[township_a.pk].values["roster_persons"] == 6
    assert table[township_b.pk].values["roster_persons"] == 3


def test_rates_divide_the_summed_counts(world, county):
    row = compute_table(PERIOD).row_for(county)
    assert float(row.values["signing_rate"]) == pytest.approx(4 / 9, abs=1e-6)
    assert float(row.values["booklet_rate"]) == pytest.approx(2 / 3, abs=1e-6)
    assert float(row.values["major_treatment_rate"]) == pytest.approx(2 / 5, abs=1e-6)
    assert float(row.values["followup_compliance"]) == pytest.approx(1 / 2, abs=1e-6)
    assert float(row.values["fulfilment_rate"]) == pytest.approx(2 / 4, abs=1e-6)
    assert float(row.values["personal_share"]) == pytest.approx(950 / 3500, abs=1e-6)
    assert float(row.values["reimbursement_ratio"]) == pytest.approx(2550 / 2900, abs=1e-6)
    assert float(row.values["no_deposit_rate"]) == pytest.approx(2 / 3, abs=1e-6)


def test_rate_with_zero_denominator_is_none(world, village_b):
    assert compute_table(PERIOD).row_for(village_b).values["followup_compliance"] is None


def test_records_after_the_as_of_date_do_not_count(world, county):
    later = compute_table(ReportingPeriod(YEAR, datetime.date(2018, 12, 31))).row_for(county)
    assert later.values["signed"] == 5  # the July contract now counts
    assert later.values["brochures"] == 3


def test_an_empty_village_shows_zeros(county, township_a):
    from tests.factories import VillageFactory

    empty = VillageFactory(name="空村", parent=township_a)
    row = compute_table(PERIOD).row_for(empty)
    assert row.values["roster_persons"] == 0
    assert row.values["signing_rate"] is None


def test_computation_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    # Places, the year's policy and one statement for every figure; on PostgreSQL five
    # SET LOCALs, on SQLite three statements (create, index, drop) per per-person table
    # stored first (coverage.selectors.FiguresStatement).
    with django_assert_max_num_queries(11 if connection.vendor == "postgresql" else 36):
        compute_table(PERIOD)


@pytest.mark.parametrize("code", ind.CODES)
def test_every_list_has_as_many_rows_as_its_figure(world, county, county_user, code):
    """The drill-down contract: a figure's list is exactly what it counts."""
    indicator = ind.REGISTRY[code]
    row = compute_table(PERIOD).row_for(county)
    listed = indicator_rows(
        indicator=indicator, place=county, period=PERIOD, user=county_user
    ).count()
    assert listed == row.values[indicator.list_code]


@pytest.mark.parametrize("code", ind.CODES)
def test_every_village_list_has_as_many_rows_as_its_figure(world, village_a, county_user, code):
    indicator = ind.REGISTRY[code]
    row = compute_table(PERIOD).row_for(village_a)
    listed = indicator_rows(
        indicator=indicator, place=village_a, period=PERIOD, user=county_user
    ).count()
    assert listed == row.values[indicator.list_code]


def test_lists_are_limited_to_the_users_township(world, county, user_a):
    listed = indicator_rows(
        indicator=ind.REGISTRY["roster_persons"], place=county, period=PERIOD, user=user_a
    )
    assert listed.count() == 6


@pytest.mark.parametrize(
    "as_of",
    [datetime.date(2018, 3, 31), datetime.date(2018, 4, 1), AS_OF, datetime.date(2018, 12, 31)],
)
def test_followup_flag_agrees_with_the_signing_engine(world, as_of):
    from households.models import Person
    from signing.followups import chronic_patients

    engine = set(
        chronic_patients(Person.objects.all(), as_of)
        .filter(followup_overdue=False)
        .values_list("pk", flat=True)
    )
    flagged = set(
        ind.FLAGS["followup_compliant"](ReportingPeriod(YEAR, as_of)).values_list("pid", flat=True)
    )
    assert flagged == engine
