"""Security headers and deployment configuration.

Every page the suite renders is also parsed for inline code by ``response_scan``; the walk
below opens every argument-free page as each role, so the pages exist in that scan even when
no app test opens them.
"""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token

from tests.hardening.urls import argument_free_paths

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "healthpov.settings.production",
    "SECRET_KEY": "k" * 20 + "-production-like-secret-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "healthpov.example.cn",
    "DATABASE_URL": "sqlite:////tmp/healthpov-deploy-check.sqlite3",
    # Production needs a broker URL; nothing connects to it during these checks.
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}
SKIP_PATHS = ("/admin/logout/", "/admin/autocomplete/")


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture
def production_settings(monkeypatch) -> dict:
    """The values healthpov.settings.production computes, read without switching settings."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    module = importlib.import_module("healthpov.settings.production")
    module = importlib.reload(module)
    names = [n for n in dir(module) if n.startswith(("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_"))]
    return {name: getattr(module, name) for name in names}


def test_csp_forbids_inline_and_eval_scripts(client, db):
    directives = csp_directives(client.get("/accounts/login/"))
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in directives.get("style-src", [])
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_login_page_sends_nosniff_frame_and_referrer_headers(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_signed_in_page_is_not_stored_by_caches(client_a):
    response = client_a.get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_api_answer_to_a_token_is_not_stored_by_caches(client, user_a):
    token = Token.objects.create(user=user_a)
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_session_cookie_is_http_only(client, user_a):
    response = client.post(
        "/accounts/login/", {"username": "staff_a", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]


def test_production_settings_send_hsts_and_secure_cookies(client, user_a, production_settings):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert (
        production_settings["SESSION_COOKIE_SECURE"] and production_settings["CSRF_COOKIE_SECURE"]
    )
    with override_settings(**production_settings):
        redirect = client.get("/accounts/login/")
        response = client.get("/accounts/login/", secure=True)
    assert redirect.status_code == 301 and redirect["Location"].startswith("https://")
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_check_deploy_is_clean_on_production_settings():
    env = {**os.environ, **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("role", ["user_a", "county_user", "admin_user"])
def test_every_argument_free_page_serves_with_headers(client, role, request):
    """Every page without arguments: no 5xx, the headers above, no inline code (via the scan)."""
    user = request.getfixturevalue(role)
    client.force_login(user)
    paths = [p for p in argument_free_paths(include_admin=True) if not p.startswith(SKIP_PATHS)]
    failures = []
    for path in paths:
        response = client.get(path)
        if response.status_code >= 500:
            failures.append(f"{path}: {response.status_code}")
            continue
        if "Content-Security-Policy" not in response and response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            failures.append(f"{path}: no Content-Security-Policy")
        if response.get("X-Content-Type-Options") != "nosniff":
            failures.append(f"{path}: no nosniff")
        if response.status_code == 200 and "no-store" not in response.get("Cache-Control", ""):
            failures.append(f"{path}: Cache-Control {response.get('Cache-Control')!r}")
    assert not failures, "\n".join(failures)
