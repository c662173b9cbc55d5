from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.browser_conftest import TEST_PASSWORD


def token_for(client: APIClient, username: str, password: str = TEST_PASSWORD):
    return client.post(reverse("api-token"), {"username": username, "password": password})


def test_token_endpoint_returns_the_users_token(user_a):
    response = token_for(APIClient(), "staff_a")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=user_a).key


def test_token_authenticates_api_requests(user_a):
    client = APIClient()
    key = token_for(client, "staff_a").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(reverse("api-me"))
    assert response.status_code == 200
    assert response.json()["username"] == "staff_a"


def test_wrong_password_gets_no_token(user_a):
    response = token_for(APIClient(), "staff_a", "wrong")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_token_endpoint_locks_after_five_failures(user_a):
    client = APIClient()
    for _ in range(5):
        token_for(client, "staff_a", "wrong")
    response = token_for(client, "staff_a")
    assert response.status_code == 403
    assert "token" not in response.json()
    assert "15" in response.json()["detail"]


def test_bad_token_is_refused(user_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.get(reverse("api-me")).status_code == 401


def test_places_api_lists_own_subtree_only(user_a, township_a, village_a, village_b, county):
    client = APIClient()
    client.force_authenticate(user_a)
    response = client.get(reverse("place-list"))
    names = {row["name"] for row in response.json()["results"]}
    assert names == {township_a.name, village_a.name}


def test_places_api_filter_cannot_reach_other_township(user_a, township_b, village_b):
    client = APIClient()
    client.force_authenticate(user_a)
    response = client.get(reverse("place-list"), {"parent": township_b.pk})
    assert response.json()["results"] == []


def test_places_api_detail_of_other_township_is_404(user_a, village_b):
    client = APIClient()
    client.force_authenticate(user_a)
    assert client.get(reverse("place-detail", kwargs={"pk": village_b.pk})).status_code == 404


def test_places_api_county_user_sees_both_townships(county_user, village_a, village_b):
    client = APIClient()
    client.force_authenticate(county_user)
    names = {row["name"] for row in client.get(reverse("place-list")).json()["results"]}
    assert {village_a.name, village_b.name} <= names


def test_schema_requires_authentication(db):
    assert APIClient().get(reverse("api-schema")).status_code in {401, 403}


def test_schema_is_served_to_signed_in_users(user_a):
    client = APIClient()
    client.force_authenticate(user_a)
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    assert "/api/places/" in response.json()["paths"]


def test_docs_page_has_no_inline_script(client_a):
    response = client_a.get(reverse("api-docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in html
    assert "<style>" not in html
    assert "?script=" in html


def test_docs_start_up_script_is_javascript(client_a):
    response = client_a.get(reverse("api-docs"), {"script": ""})
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_docs_require_authentication(client, db):
    assert client.get(reverse("api-docs")).status_code in {302, 401, 403}


def test_favicon_redirects_to_the_static_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url.endswith("favicon.svg")
