"""Every page opened without ``?year=`` shows the working year, even where only an older year
has records or snapshots (docs/domain.md, "Reporting period")."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coverage.services import recompute_coverage
from tests.coverage.factories import build_world
from tests.treatment.factories import CaseFactory, PersonFactory, StayFactory

pytestmark = pytest.mark.django_db

OLD_YEAR = 2018


@pytest.fixture
def only_an_old_year(village_a, village_b):
    """Cases, stays and snapshots of 2018, nothing of the working year."""
    build_world(village_a, village_b)
    person = PersonFactory(household__village=village_a, name="旧年病人")
    CaseFactory(person=person, screening_date=datetime.date(OLD_YEAR, 3, 1))
    StayFactory(
        person=person,
        admitted_on=datetime.date(OLD_YEAR, 3, 1),
        discharged_on=datetime.date(OLD_YEAR, 3, 9),
    )
    recompute_coverage(year=OLD_YEAR, as_of=datetime.date(OLD_YEAR, 6, 4))


@pytest.mark.parametrize(
    "url_name", ["treatment:case_list", "treatment:stay_list", "treatment:township_summary"]
)
def test_a_treatment_page_opens_on_the_working_year(client_a, only_an_old_year, url_name):
    response = client_a.get(reverse(url_name))
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year
    assert "旧年病人" not in response.content.decode()


def test_a_treatment_page_still_shows_the_year_asked_for(client_a, only_an_old_year):
    response = client_a.get(reverse("treatment:case_list"), {"year": OLD_YEAR})
    assert response.context["year"] == OLD_YEAR
    assert "旧年病人" in response.content.decode()


def test_the_dashboard_opens_on_the_working_year_and_offers_the_older_one(
    client, county_user, county, only_an_old_year
):
    client.force_login(county_user)
    response = client.get(reverse("coverage:place", kwargs={"pk": county.pk}))
    year = timezone.localdate().year
    assert response.context["year"] == year
    assert response.context["years"] == [year, OLD_YEAR]
    content = response.content.decode()
    assert f'<option value="{year}" selected>' in content
    assert 'data-testid="no-snapshot"' in content  # the working year has no figures yet


def test_the_dashboard_shows_the_older_year_when_asked(
    client, county_user, county, only_an_old_year
):
    client.force_login(county_user)
    response = client.get(reverse("coverage:place", kwargs={"pk": county.pk}), {"year": OLD_YEAR})
    assert response.context["year"] == OLD_YEAR
    assert 'data-testid="no-snapshot"' not in response.content.decode()
