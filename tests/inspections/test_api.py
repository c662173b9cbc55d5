from django.urls import reverse

from tests.inspections.factories import FindingFactory


def test_inspector_sees_only_group_findings(
    client, campaign, group_a, inspector, township_a, township_b
):
    FindingFactory(campaign=campaign, township=township_a, description="杉城问题")
    FindingFactory(campaign=campaign, township=township_b, description="朱口问题")
    client.force_login(inspector)
    body = client.get(reverse("inspection-finding-list")).json()
    assert [f["description"] for f in body["results"]] == ["杉城问题"]


def test_county_sees_all_findings(client, campaign, county_user, township_a, township_b):
    FindingFactory(campaign=campaign, township=township_a)
    FindingFactory(campaign=campaign, township=township_b)
    client.force_login(county_user)
    assert client.get(reverse("inspection-finding-list")).json()["count"] == 2


def test_township_b_campaign_detail_is_404_for_a(client, campaign, county, user_a, township_b):
    from tests.inspections.factories import CampaignFactory, InspectionGroupFactory

    other = CampaignFactory(place=county)
    InspectionGroupFactory(campaign=other, places=[township_b])
    client.force_login(user_a)
    assert client.get(reverse("inspection-campaign-detail", args=[other.pk])).status_code == 404


def test_finding_list_query_count(
    client, campaign, county_user, township_a, django_assert_max_num_queries
):
    for _ in range(8):
        FindingFactory(campaign=campaign, township=township_a)
    client.force_login(county_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("inspection-finding-list")).status_code == 200
