"""Every figure shown in two places is the same figure.

A county of three townships and four villages is built with records on the edges of the
rules (a follow-up on 31 March or 1 April, a booklet expiring on the as-of date, a stay
discharged on 31 December of the year before, a contract signed the day after the as-of
date, a person who left the roster before it, a person on no roster with a stay and a case).
Then, through the public paths, for the county and each township:

dashboard tile (snapshot) = API figure = report form cell (page and .xlsx) = drill-down list
length = treatment summary = work-list count.
"""

from __future__ import annotations

import datetime
import io
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coverage import indicators as ind
from coverage.exports import FORMS, plain_value
from coverage.services import recompute_coverage
from households.models import Cause, PersonStatus, PovertyStatus, RosterEntry
from signing.models import (
    Booklet,
    BookletStatus,
    ChronicRegistration,
    Disease,
    FulfilmentKind,
    HealthCheck,
    SignMethod,
    SpecialDiseaseDiagnosis,
    UnsignedReason,
)
from tests.coverage.factories import (
    catalogue,
    contract,
    fulfil,
    household,
    person,
    stay,
    unsigned,
)
from tests.factories import TownshipFactory, VillageFactory
from treatment.models import CaseStatus, MajorIllnessCase

YEAR = 2018
DAY = datetime.timedelta(days=1)
D = datetime.date
COUNT_CODES = [i.code for i in ind.INDICATORS if i.kind == ind.COUNT]
RATE_PLACES = Decimal("0.000001")

pytestmark = pytest.mark.django_db


SCREENED = D(2018, 1, 10)


def _case(p, disease, status, *, screened=SCREENED, treated=None):
    return MajorIllnessCase.objects.create(
        person=p,
        disease=disease,
        year=YEAR,
        screening_date=screened,
        status=status,
        treatment_date=treated,
        refusal_reason="本人拒绝" if status == CaseStatus.REFUSED else "",
    )


def _booklet(p, disease, *, issued=None, expires=None, status=BookletStatus.ISSUED):
    diagnosis = SpecialDiseaseDiagnosis.objects.create(
        person=p, disease=disease, diagnosed_on=D(2016, 1, 1)
    )
    if status is not None:
        Booklet.objects.create(
            diagnosis=diagnosis, status=status, issued_on=issued, expires_on=expires
        )
    return diagnosis


def build_county(county, township_a, township_b, village_a, village_b, as_of) -> SimpleNamespace:
    """Three townships, four villages; every record sits on an edge relative to ``as_of``."""
    d = catalogue()
    leukaemia = Disease.objects.create(year=YEAR, name="儿童白血病", is_major_illness=True)
    village_a2 = VillageFactory(name="际溪村", parent=township_a)
    township_c = TownshipFactory(name="上青乡", parent=county)
    village_c = VillageFactory(name="上青村", parent=township_c)

    # Village A: a household poor because of illness, not yet out.
    home = household(village_a, status=PovertyStatus.NOT_OUT, cause=Cause.ILLNESS)
    elder = person(home, born=D(1950, 1, 1))
    contract(elder, method=SignMethod.ELECTRONIC, signed_on=D(2018, 3, 1))
    ChronicRegistration.objects.create(
        person=elder, disease=d.hypertension, diagnosed_on=D(2017, 5, 1)
    )
    fulfil(elder, FulfilmentKind.FOLLOW_UP, D(2018, 3, 31))
    fulfil(elder, FulfilmentKind.FOLLOW_UP, D(2018, 4, 1))
    _booklet(elder, d.hypertension, issued=D(2017, 1, 1), expires=as_of)  # valid on the day
    HealthCheck.objects.create(person=elder, checked_on=D(2018, 1, 1), summary="正常")
    fulfil(elder, FulfilmentKind.BROCHURE, D(2018, 1, 2))
    late_signer = person(home)
    contract(late_signer, signed_on=as_of + DAY)  # not signed as of the day: no reason either

    other = household(village_a)
    unsigned(person(other), UnsignedReason.AWAY, on=D(2018, 2, 1))
    unsigned(person(other), UnsignedReason.REFUSED, on=as_of + DAY)  # no reason as of the day
    left = person(other)
    RosterEntry.objects.filter(person=left).update(left_on=as_of - DAY)
    contract(left, signed_on=D(2018, 2, 1))
    stay(left, deposit_taken=True)  # off the roster by the day: counts nowhere
    dead = person(other)
    dead.status = PersonStatus.DIED
    dead.save(update_fields=["status"])
    unsigned(dead, UnsignedReason.DIED, on=D(2018, 2, 1))

    # Village A2: a patient registered on the last day of the first quarter.
    third = household(village_a2)
    patient = person(third)
    contract(patient, method=SignMethod.ELECTRONIC, signed_on=D(2018, 1, 5))
    ChronicRegistration.objects.create(
        person=patient, disease=d.diabetes, diagnosed_on=D(2018, 3, 31)
    )
    fulfil(patient, FulfilmentKind.FOLLOW_UP, D(2018, 4, 1))
    _booklet(patient, d.diabetes, issued=D(2017, 1, 1), expires=as_of - DAY)  # expired
    _case(patient, d.esrd, CaseStatus.TREATED, treated=D(2018, 2, 1))
    stay(patient, deposit_taken=True, personal="50", basic="750")
    relative = person(third)
    contract(relative, signed_on=D(2018, 1, 5))
    _case(relative, d.esrd, CaseStatus.DIED, treated=D(2018, 2, 1))
    _case(relative, leukaemia, CaseStatus.REFUSED, screened=D(2018, 3, 1))
    last_year = stay(relative, one_stop=False)
    last_year.admitted_on, last_year.discharged_on = D(2017, 12, 20), D(2017, 12, 31)
    last_year.save(update_fields=["admitted_on", "discharged_on"])
    new_year = stay(relative, in_county=False)
    new_year.admitted_on, new_year.discharged_on = D(2017, 12, 25), D(2018, 1, 1)
    new_year.save(update_fields=["admitted_on", "discharged_on"])

    # Village B: a patient never followed up, a diagnosis without a booklet, and a person on
    # last year's roster only who still had a stay and a case this year.
    fourth = household(village_b, status=PovertyStatus.NOT_OUT)
    neglected = person(fourth, born=D(1953, 6, 1))
    contract(neglected, signed_on=D(2018, 2, 1))
    ChronicRegistration.objects.create(
        person=neglected, disease=d.hypertension, diagnosed_on=D(2016, 1, 1)
    )
    _booklet(neglected, d.hypertension, status=None)
    stay(neglected, one_stop=False, personal="300", basic="500")
    _case(neglected, leukaemia, CaseStatus.SCREENED, screened=as_of + DAY)  # after the day
    stranger = person(fourth, year=YEAR - 1)
    stay(stranger, deposit_taken=True)
    _case(stranger, d.esrd, CaseStatus.TREATED, treated=D(2018, 2, 1))
    fulfil(stranger, FulfilmentKind.BROCHURE, D(2018, 2, 1))

    # Township C: last year's records and a stay on the as-of date.
    fifth = household(village_c)
    unsigned_nobody = person(fifth)
    contract(unsigned_nobody, year=YEAR - 1, signed_on=D(2017, 3, 1))
    fulfil(unsigned_nobody, FulfilmentKind.BROCHURE, D(2017, 12, 31))
    HealthCheck.objects.create(person=unsigned_nobody, checked_on=D(2017, 12, 31), summary="正常")
    on_the_day = stay(person(fifth), personal="100", basic="700")
    on_the_day.admitted_on, on_the_day.discharged_on = as_of - 3 * DAY, as_of
    on_the_day.save(update_fields=["admitted_on", "discharged_on"])
    after = stay(person(fifth))
    after.admitted_on, after.discharged_on = as_of, as_of + DAY
    after.save(update_fields=["admitted_on", "discharged_on"])

    return SimpleNamespace(townships=[township_a, township_b, township_c], county=county)


AS_OF_DATES = [D(2018, 3, 31), D(2018, 4, 1), D(2018, 6, 4)]


@pytest.fixture(params=AS_OF_DATES, ids=lambda day: day.isoformat())
def world(request, county, township_a, township_b, village_a, village_b, county_user, client):
    as_of = request.param
    built = build_county(county, township_a, township_b, village_a, village_b, as_of)
    recompute_coverage(year=YEAR, as_of=as_of)
    client.force_login(county_user)
    built.as_of = as_of
    built.query = {"year": YEAR, "as_of": as_of.isoformat()}
    built.client = client
    built.places = [county, *built.townships]
    built.api = _api_values(built)
    return built


def _api_values(world) -> dict[int, dict]:
    data = world.client.get(
        reverse("coverage-place-figures", kwargs={"pk": world.county.pk}), world.query
    ).json()
    return {row["place_id"]: row["values"] for row in data}


def _rate(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def test_the_edges_fall_where_the_rules_say(world):
    county = world.api[world.county.pk]
    # Off the roster by the day: the person who left it and the one on last year's only.
    assert county["roster_persons"] == 11
    # Not the stays of the off-roster persons, of 31 December 2017 or after the as-of date.
    assert county["stays"] == 4
    assert (county["major_screened"], county["major_treated"]) == (3, 2)
    # A contract or a reason dated the day after counts as none.
    assert (county["signed"], county["unsigned_no_reason"], county["unsigned_died"]) == (4, 5, 1)
    # Valid on the day it expires; expired the day before; never issued.
    assert (county["booklets_handled"], county["booklets_pending"]) == (1, 2)
    # From 1 April the first quarter has elapsed: a follow-up on 1 April does not cover it.
    compliant = 3 if world.as_of == D(2018, 3, 31) else 1
    assert (county["chronic_patients"], county["followup_compliant"]) == (3, compliant)


def test_dashboard_tiles_equal_the_api(world):
    for place in world.places:
        response = world.client.get(
            reverse("coverage:place", kwargs={"pk": place.pk}),
            {"year": YEAR, "as_of": world.as_of.isoformat()},
        )
        tiles = response.context["values"]
        assert response.context["date"] == world.as_of
        shown = {code: plain_value(ind.REGISTRY[code], tiles.get(code)) for code in ind.CODES}
        assert shown == world.api[place.pk], place.name


@pytest.mark.parametrize("code", COUNT_CODES)
def test_drilldown_lists_are_as_long_as_their_figures(world, code):
    for place in world.places:
        response = world.client.get(
            reverse("coverage:drilldown", kwargs={"pk": place.pk, "code": code}), world.query
        )
        assert response.context["page"].paginator.count == world.api[place.pk][code], place.name


@pytest.mark.parametrize("slug", sorted(FORMS))
def test_report_form_cells_equal_the_api(world, slug):
    form = FORMS[slug]
    codes = [leaf.code for leaf in form.leaves if leaf.code]
    page = world.client.get(
        reverse("coverage:form", kwargs={"pk": world.county.pk, "slug": slug}), world.query
    )
    for line in page.context["lines"]:
        cells = {indicator.code: plain_value(indicator, raw) for indicator, raw in line.cells}
        assert cells == {code: world.api[line.place.place_id][code] for code in codes}

    workbook = load_workbook(
        io.BytesIO(
            world.client.get(
                reverse("coverage:form_xlsx", kwargs={"pk": world.county.pk, "slug": slug}),
                world.query,
            ).content
        )
    )
    sheet = workbook.active
    names = {place.name: place.pk for place in world.places}
    names["合计"] = names["Total"] = world.county.pk
    columns = {c: leaf.code for c, leaf in enumerate(form.leaves, start=1) if leaf.code}
    place_column = next(c for c, leaf in enumerate(form.leaves, start=1) if leaf.key == "place")
    seq_column = next(c for c, leaf in enumerate(form.leaves, start=1) if leaf.key == "seq")
    checked = 0
    for row in range(3 + form.depth, sheet.max_row + 1):
        label = sheet.cell(row=row, column=place_column).value
        if label not in names:
            label = sheet.cell(row=row, column=seq_column).value
        values = world.api[names[label]]
        for column, code in columns.items():
            assert sheet.cell(row=row, column=column).value == values[code], (label, code)
        checked += 1
    assert checked == len(world.townships) + 1


def test_treatment_summary_equals_the_registry(world):
    response = world.client.get(reverse("treatment:township_summary"), world.query)
    by_place = {world.county.pk: (response.context["total_cases"], response.context["total_stays"])}
    for row in response.context["rows"]:
        by_place[row["township_id"]] = (row["cases"], row["stays"])
    assert set(by_place) == {p.pk for p in world.places}
    for pk, (cases, stays) in by_place.items():
        api = world.api[pk]
        assert (cases.screened, cases.treated, cases.refused, cases.died) == (
            api["major_screened"],
            api["major_treated"],
            api["major_refused"],
            api["major_died"],
        )
        assert stays.stays == api["stays"]
        assert (
            float(stays.total_cost),
            float(stays.personal_payment),
            float(stays.policy_cost),
            float(stays.reimbursed),
        ) == (
            api["stay_total_cost"],
            api["stay_personal_payment"],
            api["stay_policy_cost"],
            api["stay_paid"],
        )
        for figure, code in [
            ("personal_share", "personal_share"),
            ("reimbursement_ratio", "reimbursement_ratio"),
            ("in_county_rate", "in_county_rate"),
            ("one_stop_rate", "one_stop_rate"),
            ("no_deposit_rate", "no_deposit_rate"),
        ]:
            value = _rate(getattr(stays, figure))
            expected = plain_value(ind.REGISTRY[code], value)
            assert expected == api[code], (pk, code)
        assert stays.in_county == api["stays_in_county"]
        assert stays.one_stop == api["stays_one_stop"]
        assert stays.no_deposit == api["stays_no_deposit"]


def _worklist_totals(world, **params) -> dict[str, int]:
    as_of = world.as_of.isoformat()
    response = world.client.get(reverse("signing:worklists"), {"as_of": as_of, **params})
    return {item.slug: total for item, total in response.context["items"]}


def test_work_list_counts_equal_the_registry(world):
    county = world.api[world.county.pk]
    assert _worklist_totals(world)["unsigned"] == county["unsigned_no_reason"]
    overdue = county["chronic_patients"] - county["followup_compliant"]
    assert _worklist_totals(world, state="overdue")["followups"] == overdue
    assert _worklist_totals(world, state="pending")["booklets"] == county["booklets_pending"]


def test_work_list_counts_of_a_township_user_equal_the_townships_figures(
    world, client_a, township_a
):
    world.client = client_a
    township = world.api[township_a.pk]
    totals = _worklist_totals(world)
    assert totals["unsigned"] == township["unsigned_no_reason"]
    assert _worklist_totals(world, state="pending")["booklets"] == township["booklets_pending"]


def test_follow_up_api_equals_the_registry(world):
    county = world.api[world.county.pk]
    url = reverse("signing-followup-list")
    as_of = world.as_of.isoformat()
    compliant = world.client.get(url, {"as_of": as_of, "state": "compliant"}).json()["count"]
    overdue = world.client.get(url, {"as_of": as_of, "state": "overdue"}).json()["count"]
    assert (compliant, overdue) == (
        county["followup_compliant"],
        county["chronic_patients"] - county["followup_compliant"],
    )
