"""The pages ``bench/load.py`` measures: their query counts are pinned and do not grow with the
data (more households, more members of the household shown, more villages under the place).

At 60,000 persons a query per row or per member would cost far more than the page's own work;
these tests catch one before the benchmark has to.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.load import PAGES as LOAD_PAGES
from coverage.services import recompute_coverage
from households.models import Household, PovertyStatus
from signing.models import (
    Booklet,
    BookletStatus,
    ChronicRegistration,
    FulfilmentKind,
    SpecialDiseaseDiagnosis,
    YearPolicy,
)
from tests.coverage.factories import AS_OF, YEAR, catalogue, contract, fulfil, household, stay
from tests.coverage.factories import person as make_person
from tests.factories import VillageFactory
from treatment.models import CaseStatus, MajorIllnessCase


def _records(member, index: int, diseases: SimpleNamespace) -> None:
    """Every kind of record the measured pages show, for one person."""
    contract(member)
    if index % 3 == 0:
        ChronicRegistration.objects.create(
            person=member, disease=diseases.hypertension, diagnosed_on=datetime.date(2017, 5, 1)
        )
        fulfil(member, FulfilmentKind.FOLLOW_UP, on=datetime.date(2018, 2, 1))
        diagnosis = SpecialDiseaseDiagnosis.objects.create(
            person=member, disease=diseases.hypertension, diagnosed_on=datetime.date(2017, 5, 1)
        )
        Booklet.objects.create(
            diagnosis=diagnosis,
            status=BookletStatus.ISSUED,
            number=f"BK{member.pk}",
            issued_on=datetime.date(2017, 6, 1),
            expires_on=datetime.date(2019, 5, 31),
        )
    if index % 3 == 1:
        stay(member)
        MajorIllnessCase.objects.create(
            person=member,
            disease=diseases.esrd,
            year=YEAR,
            screening_date=datetime.date(2018, 2, 1),
            status=CaseStatus.TREATED,
            treatment_date=datetime.date(2018, 3, 1),
        )


def grow(village, households: int, *, into: Household | None = None, members: int = 3) -> None:
    """``households`` more households of ``members`` persons (and ``members`` more persons in
    ``into``), each with their records; then the coverage snapshots again."""
    diseases = catalogue()
    targets = [household(village, status=PovertyStatus.NOT_OUT) for _ in range(households)]
    if into is not None:
        targets.append(into)
    for target in targets:
        for index in range(members):
            _records(make_person(target), index, diseases)
    recompute_coverage(year=YEAR, as_of=AS_OF)


@dataclass(frozen=True)
class Page:
    name: str
    user: str  # a fixture of tests/conftest.py
    url: Callable[[SimpleNamespace, Household], str]
    most: int  # queries, measured when pinned


PAGES = [
    Page("roster list", "user_a", lambda c, h: "/households/", 5),
    Page("roster search", "user_a", lambda c, h: "/households/?q=%E5%B1%85%E6%B0%91", 4),
    Page("roster filter", "user_a", lambda c, h: "/households/?poverty_status=not_out", 5),
    Page("case file", "user_a", lambda c, h: f"/households/{h.pk}/", 15),
    Page("signing section", "user_a", lambda c, h: f"/signing/households/{h.pk}/", 10),
    # The page's patients' status from their records: the policy, registrations, follow-ups.
    Page("follow-up list", "user_a", lambda c, h: "/signing/lists/followups/", 9),
    Page("unsigned list", "user_a", lambda c, h: "/signing/lists/unsigned/", 4),
    Page("booklet list", "user_a", lambda c, h: "/signing/lists/booklets/", 4),
    Page("major illness cases", "user_a", lambda c, h: "/treatment/cases/", 5),
    Page("inpatient stays", "user_a", lambda c, h: "/treatment/stays/", 5),
    Page("township dashboard", "user_a", lambda c, h: f"/coverage/places/{c.township_a.pk}/", 8),
    Page("county dashboard", "county_user", lambda c, h: f"/coverage/places/{c.county.pk}/", 9),
]


def queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    # Savepoint names carry a counter; the statement is what counts.
    return [re.sub(r'"s\d+_x\d+"', '"s"', query["sql"]) for query in captured]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_query_count_is_pinned_and_flat_in_the_data(page, cast, client):
    YearPolicy.objects.update_or_create(
        year=YEAR, defaults={"required_items": ["health_check"], "followups_per_year": 4}
    )
    shown = household(cast.village_a, status=PovertyStatus.NOT_OUT)
    grow(cast.village_a, 1, into=shown)
    grow(cast.village_b, 1)
    client.force_login(getattr(cast, page.user))
    url = page.url(cast, shown)
    url += ("&" if "?" in url else "?") + f"as_of={AS_OF.isoformat()}"
    client.get(url)  # the session's first request may differ
    small = queries(client, url)

    grow(cast.village_a, 6, into=shown, members=4)
    grow(VillageFactory(name="新村", parent=cast.township_a), 3)
    grow(VillageFactory(name="后村", parent=cast.township_b), 3)
    large = queries(client, url)

    extra = "\n".join(sorted(set(large) - set(small)))
    assert len(large) == len(small), (
        f"{page.name}: {len(small)} queries with 2 households, {len(large)} with 11:\n{extra}"
    )
    assert len(large) <= page.most, f"{page.name}: {len(large)} queries, pinned at {page.most}"


def _shape(path: str) -> str:
    """A path without its query string, numbers as 1: /households/1/."""
    return re.sub(r"\d+", "1", path.split("?")[0])


def test_every_page_the_benchmark_requests_is_pinned_here():
    dummy = SimpleNamespace(pk=1, township_a=SimpleNamespace(pk=1), county=SimpleNamespace(pk=1))
    pinned = {_shape(page.url(dummy, dummy)) for page in PAGES}
    for entries in LOAD_PAGES.values():
        for _user, template in entries:
            assert _shape(re.sub(r"\{\w+\}", "1", template)) in pinned, template
