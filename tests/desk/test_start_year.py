"""Starting a year: administrators copy every yearly catalogue and parameter into it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from coverage.models import IndicatorTarget
from signing.models import Disease, ServicePackage, YearPolicy
from tests.signing.factories import hypertension
from treatment.models import TreatmentPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2024():
    hypertension(2024)
    ServicePackage.objects.create(year=2024, name="基础包")
    YearPolicy.objects.create(year=2024, required_items=["brochure"], followups_per_year=4)
    TreatmentPolicy.objects.create(year=2024, personal_share_cap=Decimal("0.08"))
    IndicatorTarget.objects.create(
        year=2024, code="signing_rate", direction="min", target=Decimal("0.95")
    )


def _counts(year: int) -> tuple[int, ...]:
    return tuple(
        model.objects.filter(year=year).count()
        for model in (Disease, ServicePackage, YearPolicy, TreatmentPolicy, IndicatorTarget)
    )


def test_administrator_starts_a_year_with_copies_of_every_kind(client, admin_user, year_2024):
    client.force_login(admin_user)
    response = client.post(reverse("start_year"), {"year": "2026"})
    assert response.status_code == 302
    assert _counts(2026) == (1, 1, 1, 1, 1)


def test_starting_a_year_twice_copies_nothing_more(client, admin_user, year_2024):
    client.force_login(admin_user)
    client.post(reverse("start_year"), {"year": "2026"})
    client.post(reverse("start_year"), {"year": "2026"})
    assert _counts(2026) == (1, 1, 1, 1, 1)


def test_an_impossible_year_is_named_on_the_form(client, admin_user, year_2024):
    client.force_login(admin_user)
    response = client.post(reverse("start_year"), {"year": "20x6"})
    assert response.status_code == 200
    assert "20x6" in response.content.decode()
    assert _counts(2026) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("role", ["user_a", "county_user", "village_doctor_a", "inspector"])
def test_only_administrators_start_a_year(client, role, request, year_2024):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("start_year")).status_code == 403
    assert client.post(reverse("start_year"), {"year": "2026"}).status_code == 403
    assert _counts(2026) == (0, 0, 0, 0, 0)


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("start_year"))
    assert response.status_code == 302
    assert "login" in response["Location"]
