"""The one statement that computes every figure (``coverage.selectors.figures_sql``).

It joins per-person rows onto the roster: a table with several rows for a person (two
registrations, two stays) is grouped to one row per person, a household counts at one of
its roster members, and the records of persons who are not on the roster are left out.
These are the places where a join could count a person twice or count a stranger, so each
is pinned here, on SQLite and on PostgreSQL alike, against the figure's own list.
"""

import datetime
from decimal import Decimal

import pytest

from coverage import indicators as ind
from coverage.selectors import compute_table, indicator_rows
from healthpov.period import ReportingPeriod
from signing.models import (
    ChronicRegistration,
    Disease,
    FulfilmentKind,
    SignMethod,
    SpecialDiseaseDiagnosis,
    UnsignedReason,
)
from tests.coverage.factories import (
    AS_OF,
    YEAR,
    catalogue,
    contract,
    fulfil,
    household,
    person,
    stay,
    unsigned,
)
from treatment.models import CaseStatus, MajorIllnessCase

PERIOD = ReportingPeriod(YEAR, AS_OF)


def _case(p, disease, status=CaseStatus.TREATED):
    return MajorIllnessCase.objects.create(
        person=p,
        disease=disease,
        year=YEAR,
        screening_date=datetime.date(2018, 1, 10),
        status=status,
        treatment_date=datetime.date(2018, 2, 1) if status == CaseStatus.TREATED else None,
    )


@pytest.fixture
def crowd(village_a, village_b):
    """A person with two of everything, a household of two, and strangers off the roster."""
    d = catalogue()
    leukaemia = Disease.objects.create(year=YEAR, name="儿童白血病", is_major_illness=True)
    home = household(village_a)
    many = person(home, born=datetime.date(1940, 1, 1))
    spouse = person(home)
    contract(many, method=SignMethod.ELECTRONIC)
    unsigned(spouse, UnsignedReason.AWAY)
    for disease in (d.hypertension, d.diabetes):
        ChronicRegistration.objects.create(
            person=many, disease=disease, diagnosed_on=datetime.date(2015, 1, 1)
        )
        SpecialDiseaseDiagnosis.objects.create(
            person=many, disease=disease, diagnosed_on=datetime.date(2015, 1, 1)
        )
    fulfil(many, FulfilmentKind.FOLLOW_UP, datetime.date(2018, 2, 1))
    fulfil(many, FulfilmentKind.FOLLOW_UP, datetime.date(2018, 3, 1))
    fulfil(many, FulfilmentKind.BROCHURE, datetime.date(2018, 2, 1))
    fulfil(many, FulfilmentKind.BROCHURE, datetime.date(2018, 5, 1))
    _case(many, d.esrd)
    _case(many, leukaemia, CaseStatus.REFUSED)
    stay(many)
    stay(many, total="300", personal="30", in_county=False)

    # A household of persons who are not on this year's roster: nothing of theirs counts.
    away = household(village_b)
    for stranger in (person(away, year=YEAR - 1), person(away, year=YEAR - 1)):
        contract(stranger, method=SignMethod.ELECTRONIC)
        ChronicRegistration.objects.create(
            person=stranger, disease=d.hypertension, diagnosed_on=datetime.date(2015, 1, 1)
        )
        fulfil(stranger, FulfilmentKind.BROCHURE)
        _case(stranger, d.esrd)
        stay(stranger)
    return many


def test_a_person_with_several_rows_counts_once(crowd, village_a):
    values = compute_table(PERIOD).row_for(village_a).values
    assert values["roster_persons"] == 2
    assert values["roster_households"] == 1
    assert values["chronic_patients"] == 1
    assert values["followup_compliant"] == 1
    assert values["special_disease_persons"] == 1
    assert values["e_signed_hypertension"] == 1
    assert values["e_signed_diabetes"] == 1
    assert values["e_signed_elderly"] == 1
    assert values["unsigned_away"] == 1


def test_records_are_summed_per_person(crowd, village_a):
    values = compute_table(PERIOD).row_for(village_a).values
    assert values["brochures"] == 2
    assert (values["major_screened"], values["major_treated"], values["major_refused"]) == (2, 1, 1)
    assert (values["stays"], values["stays_in_county"]) == (2, 1)
    assert values["stay_total_cost"] == Decimal("1300")
    assert values["stay_personal_payment"] == Decimal("230")


def test_nothing_of_persons_off_the_roster_counts(crowd, village_b):
    values = compute_table(PERIOD).row_for(village_b).values
    counts = [i.code for i in ind.INDICATORS if i.kind == ind.COUNT]
    assert {code: values[code] for code in counts} == dict.fromkeys(counts, 0)
    assert values["stay_total_cost"] == 0


@pytest.mark.parametrize("code", ind.CODES)
def test_every_list_matches_its_figure(crowd, county, county_user, code):
    indicator = ind.REGISTRY[code]
    row = compute_table(PERIOD).row_for(county)
    listed = indicator_rows(indicator=indicator, place=county, period=PERIOD, user=county_user)
    assert listed.count() == row.values[indicator.list_code]


def test_a_flag_table_without_matching_rows_gives_no_one_the_flag(crowd, village_a):
    # Only follow-ups and brochures exist: the served_* flags read an empty set of rows.
    from signing.models import YearPolicy

    YearPolicy.objects.update_or_create(
        year=YEAR, defaults={"required_items": ["reminder_slip"], "followups_per_year": 4}
    )
    values = compute_table(PERIOD).row_for(village_a).values
    assert values["fulfilled"] == 0
    fulfil(crowd, FulfilmentKind.REMINDER_SLIP)
    assert compute_table(PERIOD).row_for(village_a).values["fulfilled"] == 1


def test_a_place_alone_has_the_figures_it_has_in_the_county(crowd, village_a, township_a):
    # One village is computed from its own persons' rows (looked up by person); a township
    # from every row, as the county is.
    whole = compute_table(PERIOD).by_place()
    for root in (village_a, township_a):
        alone = compute_table(PERIOD, root=root).by_place()
        for place_id, row in alone.items():
            assert row.values == whole[place_id].values, root.name
