"""A year without its own catalogue, packages or policy uses the newest earlier year's."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from signing import services
from signing.catalogue import diseases_in_force, packages_in_force
from signing.forms import ChronicForm, ContractForm, DiagnosisForm
from signing.models import ChronicKind, Disease, ServicePackage, SignMethod, YearPolicy
from tests.signing.factories import DiseaseFactory, HouseholdFactory, PersonFactory, hypertension

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue_2024():
    hypertension(2024)
    DiseaseFactory(year=2024, name="冠心病", is_special_outpatient=True)
    DiseaseFactory(year=2022, name="旧病种", is_special_outpatient=True)
    return ServicePackage.objects.create(year=2024, name="基础包")


@pytest.fixture
def member(village_a):
    return PersonFactory(household=HouseholdFactory(village=village_a))


def _choices(form, field: str) -> list[str]:
    return [str(label) for value, label in form.fields[field].choices if value != ""]


def test_chronic_form_of_a_later_year_offers_the_previous_years_key_chronic_diseases(
    catalogue_2024, member, user_a
):
    form = ChronicForm(members=[member], user=user_a, year=2026)
    assert _choices(form, "disease") == ["高血压 (2024)"]


def test_diagnosis_form_of_a_later_year_offers_the_previous_years_special_diseases(
    catalogue_2024, member, user_a
):
    form = DiagnosisForm(members=[member], user=user_a, year=2026)
    assert _choices(form, "disease") == ["冠心病 (2024)", "高血压 (2024)"]


def test_contract_form_of_a_later_year_offers_the_previous_years_packages(
    catalogue_2024, member, user_a
):
    form = ContractForm(members=[member], user=user_a, year=2026)
    assert _choices(form, "package") == ["基础包 (2024)"]


def test_a_year_with_its_own_catalogue_uses_only_its_own(catalogue_2024):
    DiseaseFactory(year=2026, name="新病种", is_special_outpatient=True)
    assert [d.name for d in diseases_in_force(2026, is_special_outpatient=True)] == ["新病种"]


def test_a_year_before_every_package_uses_the_earliest(catalogue_2024):
    assert [p.year for p in packages_in_force(2019)] == [2024]


def test_contract_signed_in_a_later_year_takes_the_package_in_force(catalogue_2024, member, user_a):
    contract = services.contract_sign(
        person=member,
        year=2026,
        signed_on=datetime.date(2026, 1, 5),
        method=SignMethod.PAPER,
        package=catalogue_2024,
        actor=user_a,
    )
    assert contract.package == catalogue_2024


def test_contract_form_page_of_the_current_year_lists_last_years_packages(
    client_a, village_a, member
):
    this_year = timezone.localdate().year
    ServicePackage.objects.create(year=this_year - 1, name="B1")
    url = reverse("signing:household_form", args=[member.household.pk, "contract"])
    response = client_a.get(url, {"person": member.pk})
    assert "B1" in response.content.decode()


def test_year_policy_of_a_year_without_one_is_the_newest_earlier_years():
    YearPolicy.objects.create(year=2020, required_items=["brochure"], followups_per_year=2)
    YearPolicy.objects.create(year=2023, required_items=["brochure"], followups_per_year=6)
    assert YearPolicy.for_year(2026).followups_per_year == 6


def test_year_policy_before_every_saved_one_is_the_default():
    YearPolicy.objects.create(year=2023, required_items=["brochure"], followups_per_year=6)
    assert YearPolicy.for_year(2019).followups_per_year == 4


def test_year_start_copies_the_catalogue_packages_and_policy_in_force(catalogue_2024, user_a):
    YearPolicy.objects.create(year=2024, required_items=["brochure"], followups_per_year=2)
    copied = services.year_start(year=2026, actor=user_a)
    assert copied == {"diseases": 2, "packages": 1, "policies": 1}
    assert sorted(Disease.objects.filter(year=2026).values_list("name", flat=True)) == [
        "冠心病",
        "高血压",
    ]
    assert Disease.objects.get(year=2026, name="高血压").chronic_kind == ChronicKind.HYPERTENSION
    assert YearPolicy.objects.get(year=2026).followups_per_year == 2


def test_year_start_twice_copies_nothing_the_second_time(catalogue_2024, user_a):
    services.year_start(year=2026, actor=user_a)
    assert services.year_start(year=2026, actor=user_a) == {
        "diseases": 0,
        "packages": 0,
        "policies": 0,
    }
    assert Disease.objects.filter(year=2026).count() == 2
