"""Runs the permission matrix (see ``tests/permissions.py``) over every URL of the project."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.hardening.response_scan import _body_bytes, _texts_of
from tests.permissions import PermissionCase, Target, all_cases

CASES = all_cases()

# URL names without a PermissionCase, each with the reason and where it is tested instead.
EXEMPT: dict[str, str] = {
    "favicon": "public redirect to the static icon",
    "service_worker": "public script naming static files only (tests/desk/test_phone.py)",
    "web_manifest": "public web app manifest, static names only (tests/desk/test_phone.py)",
    "login": "public by nature; tests/foundation/test_login.py",
    "logout": "only ends the caller's own session",
    "set_language": "public; stores a cookie only (tests/foundation/test_i18n.py)",
    "api-schema": "the schema, auth required (tests/foundation/test_api.py)",
    "api-docs": "static docs page, auth required (tests/foundation/test_api.py)",
    "api-token": "obtains a token with a password (tests/foundation/test_api.py)",
    "start_year": "administrators only, every other role 403 (tests/desk/test_start_year.py)",
}
# URLs merged before their cases, each naming who adds the case. Keep this empty: a name here
# is a URL nobody has proved scoped. test_known_gaps_are_still_gaps fails once a case exists.
KNOWN_GAPS: dict[str, str] = {}
# The admin: staff only; test_non_staff_users_are_kept_out_of_the_admin covers each model.
EXEMPT_PREFIXES: dict[str, str] = {"admin:": "Django admin, staff only"}

# Query parameters a list view might read to pick a place: pointing them at township B (alone
# or duplicated next to A's) must never widen what user A sees.
PLACE_PARAMETERS = ("township", "village", "place", "parent")


def walk_url_names(patterns: list, namespace: str = "") -> tuple[set[str], list[str]]:
    """Every URL name of ``patterns`` with its namespace, and the routes that have no name."""
    names: set[str] = set()
    unnamed: list[str] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            inner_names, inner_unnamed = walk_url_names(entry.url_patterns, inner)
            names |= inner_names
            unnamed += [f"{entry.pattern}{route}" for route in inner_unnamed]
        elif isinstance(entry, URLPattern):
            if entry.name:
                names.add(f"{namespace}{entry.name}")
            else:
                unnamed.append(str(entry.pattern))
    return names, unnamed


def is_exempt(name: str) -> bool:
    return name in EXEMPT or any(name.startswith(prefix) for prefix in EXEMPT_PREFIXES)


def test_every_url_has_a_case():
    names, unnamed = walk_url_names(get_resolver().url_patterns)
    covered = {case.url_name for case in CASES}
    missing = sorted(
        name
        for name in names
        if name not in covered and not is_exempt(name) and name not in KNOWN_GAPS
    )
    unnamed = [route for route in unnamed if not route.startswith("admin/")]
    assert not missing, (
        "URLs without a PermissionCase (add one to tests/<app>/permission_cases.py): "
        + ", ".join(missing)
    )
    assert not unnamed, f"URL patterns without a name cannot be checked: {unnamed}"


def test_known_gaps_are_still_gaps():
    names, _unnamed = walk_url_names(get_resolver().url_patterns)
    covered = {case.url_name for case in CASES}
    closed = sorted(name for name in KNOWN_GAPS if name in covered or name not in names)
    assert not closed, f"remove these from KNOWN_GAPS in {__file__}: {closed}"


def test_every_case_names_an_existing_url():
    names, _unnamed = walk_url_names(get_resolver().url_patterns)
    stale = sorted({case.url_name for case in CASES} - names)
    assert not stale, f"PermissionCases for URLs that no longer exist: {stale}"


def test_exemptions_are_real_urls():
    names, _unnamed = walk_url_names(get_resolver().url_patterns)
    assert set(EXEMPT) <= names, set(EXEMPT) - names


def send(client: Client, method: str, url: str, target: Target, query: Any, api: bool):
    if method == "get":
        return client.get(url, query)
    if url_query := "&".join(f"{key}={value}" for key, value in target.query.items()):
        url = f"{url}?{url_query}"
    if api or method in {"put", "patch", "delete"}:
        return client.generic(
            method.upper(), url, json.dumps(target.data), content_type="application/json"
        )
    return client.post(url, target.data)


def body(response) -> str:
    """The text a user would read: HTML, JSON and CSV as text, the XML inside .xlsx files."""
    return "\n".join(_texts_of(response, _body_bytes(response)))


def widened_queries(query: dict[str, Any], cast) -> list[dict[str, Any]]:
    """The case's own query, then variants that point place parameters at township B."""
    b_values = {
        "township": cast.township_b.pk,
        "village": cast.village_b.pk,
        "place": cast.township_b.pk,
        "parent": cast.township_b.pk,
    }
    a_values = {
        "township": cast.township_a.pk,
        "village": cast.village_a.pk,
        "place": cast.township_a.pk,
        "parent": cast.township_a.pk,
    }
    variants: list[dict[str, Any]] = [dict(query)]
    for key in PLACE_PARAMETERS:
        variants.append({**query, key: b_values[key]})
        variants.append({**query, key: [a_values[key], b_values[key]]})
        variants.append({**query, key: [b_values[key], a_values[key]]})
    for key, value in query.items():
        variants.append({**query, key: [value, value]})
    return variants


def check_anonymous(case: PermissionCase, method: str, url: str, target: Target) -> None:
    response = send(Client(), method, url, target, target.query, case.api)
    if case.api:
        assert response.status_code in {401, 403}, (method, url, response.status_code)
    else:
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.url.startswith(reverse("login")), response.url


def check_user_a(case: PermissionCase, method: str, url: str, target: Target, cast) -> None:
    client = Client()
    client.force_login(cast.user_a)
    if case.kind == "list" and method == "get":
        for query in widened_queries(target.query, cast):
            response = send(client, method, url, target, query, case.api)
            assert response.status_code < 500, (url, query, response.status_code)
            assert target.marker not in body(response), f"{url} {query} shows B's record to A"
        response = send(client, method, url, target, target.query, case.api)
        assert response.status_code == 200, (url, response.status_code)
        return
    response = send(client, method, url, target, target.query, case.api)
    if case.kind == "detail":
        assert response.status_code == 404, (method, url, response.status_code)
    elif case.kind == "list":
        assert response.status_code == 200, (method, url, response.status_code)
        assert target.marker not in body(response), f"{method} {url} shows B's record to A"
    elif case.kind == "county_only":
        assert response.status_code in {403, 404}, (method, url, response.status_code)
    else:  # own
        assert response.status_code < 400, (method, url, response.status_code)


def check_county_user(case: PermissionCase, method: str, url: str, target: Target, cast) -> None:
    client = Client()
    client.force_login(cast.county_user)
    response = send(client, method, url, target, target.query, case.api)
    assert response.status_code < 500, (method, url, response.status_code)
    if case.kind == "detail" and method == "get":
        assert response.status_code != 404, f"the county user cannot reach {url}: the case is wrong"
    elif case.kind == "list":
        assert response.status_code == 200, (method, url, response.status_code)
        assert target.marker in body(response), (
            f"the county user does not see the marker {target.marker!r} at {url}: "
            "the case cannot fail, fix it"
        )
    elif case.kind == "county_only":
        assert response.status_code not in {403, 404}, (method, url, response.status_code)
    # "own": only the caller's own things; a county user may be refused a township-only form.


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_permission_case(case: PermissionCase, cast):
    target = case.make(cast)
    if case.kind == "list":
        assert target.marker, f"list case {case.url_name} needs a marker"
    url = reverse(case.url_name, kwargs=target.kwargs)
    for method in case.methods:
        check_anonymous(case, method, url, target)
        check_user_a(case, method, url, target, cast)
        check_county_user(case, method, url, target, cast)


def admin_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
    return urls


@pytest.mark.parametrize("username", ["user_a", "county_user", "inspector"])
def test_non_staff_users_are_kept_out_of_the_admin(username, cast, client):
    client.force_login(getattr(cast, username))
    for url in [reverse("admin:index"), *admin_urls()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
