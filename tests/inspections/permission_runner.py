"""Runs this app's PermissionCase list until the project-wide matrix test covers it.

Semantics follow tests/permissions.py: detail → user A 404, county not 404; list → A 200
without the marker, county 200 with it; county_only → A 403/404; anonymous → login or 401/403.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse

from tests.permissions import PermissionCase


def build_cast(request) -> SimpleNamespace:
    names = [
        "county",
        "township_a",
        "township_b",
        "village_a",
        "village_b",
        "centre_a",
        "centre_b",
        "user_a",
        "user_b",
        "county_user",
        "county_user_2",
        "inspector",
    ]
    cast = SimpleNamespace(**{name: request.getfixturevalue(name) for name in names})
    return cast


def page_text(response) -> str:
    """The visible text of a response; for a workbook, the text of every cell."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value
        )
    return response.content.decode()


def check_case(case: PermissionCase, cast: SimpleNamespace, client) -> None:
    target = case.make(cast)
    url = reverse(case.url_name, kwargs=target.kwargs)
    for method in case.methods:
        call = getattr(client, method)
        kwargs = {"data": target.query} if method == "get" else {"data": target.data}
        client.logout()
        anonymous = call(url, **kwargs)
        if case.api:
            assert anonymous.status_code in {401, 403}, (case.id, anonymous.status_code)
        else:
            assert anonymous.status_code == 302 and "login" in anonymous["Location"], (
                case.id,
                anonymous.status_code,
            )
        client.force_login(cast.user_a)
        as_a = call(url, **kwargs)
        client.force_login(cast.county_user)
        as_county = call(url, **kwargs)
        if case.kind == "detail":
            assert as_a.status_code == 404, (case.id, method, as_a.status_code)
            assert as_county.status_code != 404, (case.id, method, as_county.status_code)
        elif case.kind == "list":
            assert as_a.status_code == 200, (case.id, as_a.status_code)
            assert target.marker and target.marker not in page_text(as_a), case.id
            assert as_county.status_code == 200, (case.id, as_county.status_code)
            assert target.marker in page_text(as_county), case.id
        elif case.kind == "county_only":
            assert as_a.status_code in {403, 404}, (case.id, method, as_a.status_code)
            assert as_county.status_code not in {403, 404}, (case.id, method, as_county.status_code)
