"""The phone app's pages: the field page's shell, the service worker and the manifest."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from desk.phone import SHELL_STATIC


@pytest.mark.parametrize("role", ["user_a", "village_doctor_a"])
def test_field_workers_open_the_field_page(role, cast, client):
    client.force_login(getattr(cast, role))
    response = client.get(reverse("field"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize("role", ["county_user", "inspector", "admin_user"])
def test_other_roles_are_refused_the_field_page(role, cast, client):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("field")).status_code == 403


def test_the_field_page_is_a_shell_without_anybodys_data(cast, client):
    """The service worker keeps one copy for every user of the phone."""
    user = cast.village_doctor_a
    user.last_name = "林秀英"
    user.save(update_fields=["last_name"])
    client.force_login(user)
    html = client.get(reverse("field")).content.decode()
    assert "林秀英" not in html
    assert user.username not in html
    assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
    assert "data-user-id" not in html


def test_the_service_worker_is_served_from_the_root_for_every_page(client):
    response = client.get(reverse("service_worker"))
    assert reverse("service_worker") == "/sw.js"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert '"fieldUrl": "/field/"' in body
    for name in SHELL_STATIC:
        assert f"/static/{name}" in body


def test_the_service_worker_changes_when_its_files_change(client, monkeypatch):
    from desk import phone

    first = client.get(reverse("service_worker")).content
    monkeypatch.setattr(phone, "SHELL_STATIC", (*phone.SHELL_STATIC[:-1], "css/print.css"))
    assert client.get(reverse("service_worker")).content != first


def test_the_manifest_opens_the_field_page(client):
    response = client.get(reverse("web_manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == reverse("field")
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_every_page_links_the_manifest_and_names_its_user(client_a, user_a):
    html = client_a.get(reverse("home")).content.decode()
    assert f'href="{reverse("web_manifest")}"' in html
    assert f'data-user-id="{user_a.pk}"' in html
    assert "js/offline.js" in html
    assert "data-offline-download" in html  # "Take my villages offline"


def test_the_log_in_page_erases_the_offline_data(client):
    html = client.get(reverse("login")).content.decode()
    assert "data-offline-signed-out" in html
    assert "data-user-id" not in html
