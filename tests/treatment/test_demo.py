from decimal import Decimal

import pytest

from healthpov.places.demo import build_places
from households import demo as households_demo
from households.demo import DemoCalendar
from signing import demo as signing_demo
from treatment import demo, selectors
from treatment.models import CaseStatus, FollowUpCall, InpatientStay, MajorIllnessCase

SEED = DemoCalendar.seed()  # 2018 as of 2018-06-04
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_county(db):
    county = build_places()
    households_demo.build_demo(county, SEED)
    signing_demo.build_demo(county, SEED)
    demo.build_demo(county, SEED)
    return county


@pytest.fixture
def county_admin(admin_user):
    return admin_user


# Building the demo takes seconds, so one test checks the whole picture against seed 000.
def test_demo_matches_seed_000(demo_county, county_admin):
    figures = selectors.case_figures(selectors.cases_of_year(county_admin, 2018, demo.AS_OF))
    assert (figures.screened, figures.treated, figures.refused, figures.died) == (31, 29, 2, 1)
    refused = MajorIllnessCase.objects.filter(status=CaseStatus.REFUSED)
    assert all(case.refusal_reason and case.refusal_note for case in refused)
    assert any("佛山" in case.refusal_reason for case in refused)
    stays = InpatientStay.objects.all()
    assert 250 <= stays.count() <= 400
    assert all(stay.parts_sum == stay.total_cost for stay in stays)
    figures = selectors.stay_figures(
        selectors.stays_of_year(county_admin, 2018, demo.AS_OF), cap=Decimal("0.1")
    )
    assert 1 <= figures.breaches <= 20
    assert figures.personal_share < Decimal("0.1")
    assert Decimal("0.85") < figures.reimbursement_ratio <= Decimal("1")
    watch = selectors.return_to_poverty_watch(county_admin, as_of=demo.AS_OF)
    assert len(watch.households) >= 3
    assert selectors.cases_without_recent_call(county_admin, as_of=demo.AS_OF).exists()


def test_demo_is_idempotent(demo_county):
    counts = (
        MajorIllnessCase.objects.count(),
        FollowUpCall.objects.count(),
        InpatientStay.objects.count(),
    )
    demo.build_demo(demo_county, SEED)
    assert counts == (
        MajorIllnessCase.objects.count(),
        FollowUpCall.objects.count(),
        InpatientStay.objects.count(),
    )
