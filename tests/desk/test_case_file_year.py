"""The case file and the household sheet show one year: the working year, or ``?year=``."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from signing.models import FulfilmentKind
from tests.signing.factories import (
    ContractFactory,
    FulfilmentFactory,
    HouseholdFactory,
    PersonFactory,
)
from tests.treatment.factories import CaseFactory, MajorDiseaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(village_a):
    household = HouseholdFactory(village=village_a)
    person = PersonFactory(household=household, name="张三")
    ContractFactory(person=person, year=2018, signed_on=datetime.date(2018, 3, 1))
    FulfilmentFactory(
        person=person, kind=FulfilmentKind.FOLLOW_UP, served_on=datetime.date(2018, 5, 2)
    )
    FulfilmentFactory(
        person=person, kind=FulfilmentKind.FOLLOW_UP, served_on=datetime.date(2019, 5, 3)
    )
    CaseFactory(person=person, disease=MajorDiseaseFactory(year=2018, name="胃癌"))
    return household


def _page(client, name: str, household, **query) -> str:
    response = client.get(reverse(name, args=[household.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_case_file_opens_on_the_working_year(client_a, household):
    page = _page(client_a, "households:household_detail", household)
    assert f"{timezone.localdate().year} 年度签约" in page
    assert 'data-testid="year-switch"' in page
    assert "胃癌" not in page  # a 2018 case is not this year's


def test_case_file_shows_the_year_asked_for(client_a, household):
    page = _page(client_a, "households:household_detail", household, year="2018")
    assert "2018 年度签约" in page
    assert "2018-03-01" in page
    assert "胃癌" in page


def test_case_file_names_an_impossible_year_and_shows_the_working_year(client_a, household):
    page = _page(client_a, "households:household_detail", household, year="20x8")
    assert "20x8" in page
    assert f"{timezone.localdate().year} 年度签约" in page


def test_household_sheet_holds_the_records_of_one_year(client_a, household):
    page = _page(client_a, "signing:household_sheet", household, year="2018")
    assert "2018-05-02" in page
    assert "2019-05-03" not in page
    assert "胃癌" in page
