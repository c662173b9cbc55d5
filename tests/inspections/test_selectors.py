from decimal import Decimal

from inspections import selectors
from tests.inspections.factories import ChecklistItemFactory, FindingFactory


def test_township_score_is_start_minus_deductions(
    campaign, group_a, county_user, township_a, township_b, one_stop_item
):
    FindingFactory(
        campaign=campaign,
        township=township_a,
        checklist_item=one_stop_item,
        category="",
        person_times=3,
    )
    FindingFactory(
        campaign=campaign, township=township_a, category="ledger_incomplete", person_times=5
    )
    capacity = ChecklistItemFactory(
        campaign=campaign, number=4, title="卫生院服务能力未达标", deduction=Decimal("0.2")
    )
    FindingFactory(campaign=campaign, township=township_b, checklist_item=capacity, category="")
    scores = {row.name: row for row in selectors.township_scores(campaign, county_user)}
    assert scores[township_a.name].deductions == Decimal("0.60")
    assert scores[township_a.name].score == Decimal("99.40")
    assert scores[township_a.name].findings == 2
    assert scores[township_b.name].score == Decimal("99.80")


def test_township_user_sees_only_own_score(
    campaign, group_a, user_a, township_a, township_b, one_stop_item
):
    FindingFactory(
        campaign=campaign, township=township_b, checklist_item=one_stop_item, category=""
    )
    names = [row.name for row in selectors.township_scores(campaign, user_a)]
    assert names == [township_a.name]


def test_institution_scores(campaign, county_user, township_a, centre_a, one_stop_item):
    FindingFactory(
        campaign=campaign,
        township=township_a,
        institution=centre_a,
        checklist_item=one_stop_item,
        category="",
        person_times=2,
    )
    rows = selectors.institution_scores(campaign, county_user)
    assert [(r.name, r.score) for r in rows] == [(centre_a.name, Decimal("99.60"))]


def test_inspector_sees_campaign_of_group(campaign, group_a, inspector, user_b):
    assert list(selectors.campaigns_for(inspector)) == [campaign]


def test_township_b_does_not_see_campaign_not_inspecting_it(campaign, group_a, user_b):
    assert list(selectors.campaigns_for(user_b)) == []


def test_finding_list_query_count(campaign, county_user, township_a, django_assert_max_num_queries):
    for _ in range(5):
        FindingFactory(campaign=campaign, township=township_a)
    with django_assert_max_num_queries(2):
        rows = list(selectors.findings_for(county_user, campaign=campaign))
        [r.township.name + r.inspector.username for r in rows]
    assert len(rows) == 5
