"""No 500 on any parameter: every GET URL of the project, as every role, with bad values.

The URLs and their path arguments come from the permission matrix (``tests/permissions.py``):
each app's cases build the records their URLs are about, so every page opens on a real
object. Every role asks every URL with query strings full of malformed values; then the county
user (who sees the most) asks again with each parameter alone, so that one bad value cannot
hide another. Nothing may answer 5xx. A few pages are checked to say which value was ignored.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from healthpov.accounts.models import User
from tests.factories import PlaceFactory, UserFactory
from tests.permissions import all_cases

HUGE = "9" * 30
# Per parameter a few bad values, not the cross product: malformed, negative, huge,
# impossible, repeated with different values.
BAD_VALUES: dict[str, list[Any]] = {
    "year": ["-2018", HUGE, "二〇一八", ["2018", "2019"], "0"],
    "as_of": ["2018-02-30", "2026-13-45", HUGE, "-1", ["2018-01-01", "2018-06-01"]],
    "township": [HUGE, "-1", "abc", ["1", "2"], "²"],
    "village": [HUGE, "-1", "abc", ["1", "2"], "1.5"],
    "place": [HUGE, "-1", "abc", ["1", "2"], "0"],
    "parent": [HUGE, "-1", "abc", ["1", "2"], "0"],
    "page": [HUGE, "-1", "abc", ["1", "2"], "0"],
    "sort": [HUGE, "-" + HUGE, "x" * 300, ["a", "b"], "pk"],
    # filters of lists and of the API's filter sets
    "person": [HUGE, "-1", "abc", ["1", "2"], "0"],
    "household": [HUGE, "-1", "abc", ["1", "2"], "0"],
    "campaign": [HUGE, "-1", "abc", ["1", "2"], "0"],
    "team": [HUGE, "-1", "abc", ["1", "2"], "0"],
    "disease": [HUGE, "-1", "abc", ["1", "2"], "0"],
    "status": [HUGE, "-1", "x" * 300, ["open", "closed"], "\x00"],
    "state": [HUGE, "-1", "x" * 300, ["due", "overdue"], "\x00"],
    "code": [HUGE, "-1", "x" * 300, ["a", "b"], "\x00"],
    "date": ["2018-02-30", "2026-13-45", HUGE, "-1", ["2018-01-01", "2018-06-01"]],
    "ordering": [HUGE, "-" + HUGE, "x" * 300, ["a", "b"], "pk"],
    "q": ["\x00", "x" * 2000, HUGE, ["a", "b"], "%"],
    "breach": [HUGE, "-1", "abc", ["1", "0"], "1"],
}
ROUNDS = len(next(iter(BAD_VALUES.values())))
ROLE_ROUNDS = (0, 3)  # huge or impossible values, then repeated keys
KEY_PARAMETERS = {"year", "as_of", "township", "village", "place", "page", "sort"}

GET_CASES = {}
for _case in all_cases():
    if "get" in _case.methods:
        GET_CASES.setdefault(_case.url_name, _case)


def combined_query(round_: int) -> dict[str, Any]:
    """Every parameter at once, each with its ``round_``-th bad value."""
    return {key: values[round_] for key, values in BAD_VALUES.items()}


def role_clients(cast) -> dict[str, Client]:
    """One client per role (and one anonymous), on the cast's county under a city."""
    city = PlaceFactory(name="三明市", level="city")
    cast.county.parent = city
    cast.county.save()
    city_user = UserFactory(username="city_walk", role=User.Role.CITY_BUREAU, place=city)
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role, user in {
        "township": cast.user_a,
        "village_doctor": cast.village_doctor_a,
        "county": cast.county_user,
        "city": city_user,
        "inspector": cast.inspector,
        "admin": cast.admin_user,
    }.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[role] = client
    return clients


def shown(value: Any) -> Any:
    return value[:40] if isinstance(value, str) else value


@pytest.mark.parametrize("url_name", sorted(GET_CASES))
def test_no_bad_parameter_gives_a_5xx(url_name, cast):
    target = GET_CASES[url_name].make(cast)
    url = reverse(url_name, kwargs=target.kwargs)
    clients = role_clients(cast)
    failures = []
    # every role, every parameter at once; the county user with every round of values
    for role, client in clients.items():
        for round_ in range(ROUNDS) if role == "county" else ROLE_ROUNDS:
            status = client.get(url, {**target.query, **combined_query(round_)}).status_code
            if status >= 500:
                failures.append((role, f"round {round_}", status))
    # the county user, who sees the most, with each parameter alone
    for key, values in BAD_VALUES.items():
        for value in values[: 3 if key in KEY_PARAMETERS else 1]:
            status = clients["county"].get(url, {**target.query, key: value}).status_code
            if status >= 500:
                failures.append(("county", key, shown(value), status))
    assert not failures, f"{url}: {failures}"


def warnings_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


@pytest.mark.parametrize(
    "url_name, kwargs, query, shown",
    [
        ("treatment:township_summary", {}, {"as_of": "2018-02-30"}, "2018-02-30"),
        ("treatment:risk_watch", {}, {"as_of": "2026-13-45"}, "2026-13-45"),
        ("treatment:no_call_list", {}, {"as_of": "2018-02-30"}, "2018-02-30"),
        ("treatment:case_list", {}, {"year": HUGE}, HUGE[:40]),
        ("treatment:stay_list", {}, {"township": HUGE}, HUGE[:40]),
        ("signing:worklists", {}, {"as_of": "2026-13-45"}, "2026-13-45"),
        ("signing:worklist", {"slug": "followups"}, {"village": HUGE}, HUGE[:40]),
    ],
)
def test_a_page_says_which_value_it_ignored(cast, client, url_name, kwargs, query, shown):
    client.force_login(cast.county_user)
    response = client.get(reverse(url_name, kwargs=kwargs), query)
    assert response.status_code == 200
    assert shown in warnings_of(response)
    assert shown in response.content.decode()


def test_the_api_answers_400_naming_the_bad_date(cast, client):
    client.force_login(cast.county_user)
    response = client.get("/api/signing/followups/", {"as_of": "2018-02-30"})
    assert response.status_code == 400
    assert "2018-02-30" in response.content.decode()
