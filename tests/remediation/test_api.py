from django.urls import reverse

from remediation.models import ItemState
from tests.remediation.factories import ItemFactory


def test_township_staff_see_own_items(client, user_a, township_a, township_b):
    ItemFactory(township=township_a, problem="杉城事项")
    ItemFactory(township=township_b, problem="朱口事项")
    client.force_login(user_a)
    body = client.get(reverse("remediation-item-list")).json()
    assert [i["problem"] for i in body["results"]] == ["杉城事项"]


def test_transition_by_api_and_stale_state_is_409(client, user_a, township_a):
    item = ItemFactory(township=township_a)
    client.force_login(user_a)
    url = reverse("remediation-item-transition", args=[item.pk])
    first = client.post(
        url, {"action": "start", "expected_state": "on_ledger"}, content_type="application/json"
    )
    second = client.post(
        url, {"action": "start", "expected_state": "on_ledger"}, content_type="application/json"
    )
    assert first.status_code == 200
    assert first.json()["state"] == ItemState.IN_PROGRESS
    assert second.status_code == 409


def test_transition_not_allowed_is_400(client, county_user, township_a):
    item = ItemFactory(township=township_a)
    client.force_login(county_user)
    response = client.post(
        reverse("remediation-item-transition", args=[item.pk]),
        {"action": "close", "expected_state": "on_ledger"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_item_of_b_is_404_for_a(client, user_a, township_b):
    item = ItemFactory(township=township_b)
    client.force_login(user_a)
    assert client.get(reverse("remediation-item-detail", args=[item.pk])).status_code == 404
    url = reverse("remediation-item-transition", args=[item.pk])
    assert client.post(url, {"action": "start", "expected_state": "on_ledger"}).status_code == 404
