"""One click from a registry record to a finding."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inspections.models import Finding, FindingCategory
from tests.households.factories import PersonFactory
from tests.inspections.factories import CampaignFactory, InspectionGroupFactory
from tests.signing.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    FulfilmentFactory,
    RosterEntryFactory,
    UnsignedRecordFactory,
)
from tests.treatment.factories import CallFactory, CaseFactory, StayFactory

TODAY = timezone.localdate()


@pytest.fixture
def running(county, inspector, township_a):
    today = timezone.localdate()
    campaign = CampaignFactory(
        place=county, starts_on=today - dt.timedelta(days=5), ends_on=today + dt.timedelta(days=5)
    )
    InspectionGroupFactory(campaign=campaign, members=[inspector], places=[township_a])
    return campaign


def raise_(client, kind, pk, **extra):
    return client.post(
        reverse("inspections:raise_finding"),
        {"source_kind": kind, "source_id": pk, "next": "/", **extra},
    )


def refused(client, kind, pk) -> str:
    """The page the refusal lands on, with its message."""
    response = client.post(
        reverse("inspections:raise_finding"),
        {"source_kind": kind, "source_id": pk, "next": reverse("inspections:finding_list")},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_stay_with_deposit_becomes_a_finding(client, running, inspector, village_a):
    stay = StayFactory(
        person=PersonFactory(household__village=village_a), deposit_taken=True, one_stop=False
    )
    client.force_login(inspector)
    response = raise_(client, "stay", stay.pk)
    finding = Finding.objects.get()
    assert response["Location"] == reverse("inspections:finding_detail", args=[finding.pk])
    assert finding.category == FindingCategory.STAY_BREACH
    assert finding.person == stay.person
    assert finding.place == village_a
    assert "押金" in finding.description or "deposit" in finding.description


def test_stay_share_over_cap_is_a_breach(client, running, county_user, village_a):
    stay = StayFactory(
        person=PersonFactory(household__village=village_a),
        personal_payment=Decimal("1500.00"),
        supplementary_insurance=Decimal("0"),
        medical_assistance=Decimal("500.00"),
    )
    client.force_login(county_user)
    raise_(client, "stay", stay.pk)
    assert Finding.objects.get().source_id == stay.pk


def test_clean_stay_is_not_raised(client, running, county_user, village_a):
    stay = StayFactory(person=PersonFactory(household__village=village_a))
    client.force_login(county_user)
    page = refused(client, "stay", stay.pk)
    assert "未违反政策" in page
    assert Finding.objects.count() == 0


def test_unsigned_person_raised_once(client, running, county_user, village_a):
    person = RosterEntryFactory(person__household__village=village_a).person
    client.force_login(county_user)
    first = raise_(client, "unsigned_person", person.pk)
    second = raise_(client, "unsigned_person", person.pk)
    finding = Finding.objects.get()
    assert finding.category == FindingCategory.UNSIGNED_NO_REASON
    assert first["Location"] == second["Location"]


def test_inspector_cannot_raise_outside_group(client, running, inspector, village_b):
    person = PersonFactory(household__village=village_b)
    client.force_login(inspector)
    assert raise_(client, "unsigned_person", person.pk).status_code == 404
    assert Finding.objects.count() == 0


def test_no_running_campaign_is_explained(client, county_user, village_a):
    person = PersonFactory(household__village=village_a)
    client.force_login(county_user)
    response = raise_(client, "unsigned_person", person.pk)
    assert response["Location"] == "/"
    assert Finding.objects.count() == 0


def test_unknown_kind_is_404(client, county_user):
    client.force_login(county_user)
    assert raise_(client, "nonsense", 1).status_code == 404


def test_next_must_be_local(client, county_user, village_a):
    person = PersonFactory(household__village=village_a)
    client.force_login(county_user)
    response = raise_(client, "unsigned_person", person.pk, next="https://evil.example/")
    assert response["Location"] == reverse("inspections:finding_list")


def test_signing_unsigned_list_offers_the_button_to_county_staff(
    client, county_user, user_a, village_a
):
    person = PersonFactory(household__village=village_a, name="王五")
    # The unsigned list holds persons of this year's roster.
    RosterEntryFactory(person=person)
    client.force_login(county_user)
    page = client.get(reverse("signing:worklist", args=["unsigned"])).content.decode()
    assert f'data-testid="raise-unsigned_person-{person.pk}"' in page
    client.force_login(user_a)
    page = client.get(reverse("signing:worklist", args=["unsigned"])).content.decode()
    assert "raise-unsigned_person" not in page


def test_the_follow_up_list_offers_the_button_on_overdue_rows_only(client, county_user, village_a):
    overdue = PersonFactory(household__village=village_a, name="逾期")
    ChronicRegistrationFactory(person=overdue, diagnosed_on=dt.date(2017, 1, 1))
    due = PersonFactory(household__village=village_a, name="本季应访")
    # Registered after the first quarter: only the current quarter's visit is asked for.
    ChronicRegistrationFactory(person=due, diagnosed_on=dt.date(2018, 4, 10))
    for person in (overdue, due):
        RosterEntryFactory(person=person, year=2018)
    client.force_login(county_user)
    page = client.get(
        reverse("signing:worklist", args=["followups"]), {"as_of": "2018-06-04"}
    ).content.decode()
    assert "逾期" in page and "本季应访" in page
    assert f'data-testid="raise-followup_person-{overdue.pk}"' in page
    assert f'data-testid="raise-followup_person-{due.pk}"' not in page


def test_a_signed_person_is_not_raised_as_unsigned(client, running, county_user, village_a):
    person = RosterEntryFactory(person__household__village=village_a).person
    ContractFactory(
        person=person, year=TODAY.year, signed_on=TODAY, valid_until=dt.date(TODAY.year, 12, 31)
    )
    client.force_login(county_user)
    page = refused(client, "unsigned_person", person.pk)
    assert "并非无原因未签约" in page
    assert Finding.objects.count() == 0


def test_a_person_with_a_reason_is_not_raised_as_unsigned(client, running, county_user, village_a):
    person = RosterEntryFactory(person__household__village=village_a).person
    UnsignedRecordFactory(person=person, year=TODAY.year, recorded_on=TODAY)
    client.force_login(county_user)
    page = refused(client, "unsigned_person", person.pk)
    assert "并非无原因未签约" in page
    assert Finding.objects.count() == 0


def test_a_person_off_the_roster_is_not_raised_as_unsigned(client, running, county_user, village_a):
    person = PersonFactory(household__village=village_a)
    client.force_login(county_user)
    page = refused(client, "unsigned_person", person.pk)
    assert "并非无原因未签约" in page
    assert Finding.objects.count() == 0


def test_an_overdue_chronic_patient_is_raised(client, running, county_user, village_a):
    person = PersonFactory(household__village=village_a, name="赵六")
    ChronicRegistrationFactory(person=person, diagnosed_on=dt.date(TODAY.year - 1, 1, 1))
    client.force_login(county_user)
    raise_(client, "followup_person", person.pk)
    finding = Finding.objects.get()
    assert finding.category == FindingCategory.FOLLOWUP_OVERDUE
    assert "赵六" in finding.description


def test_a_person_without_a_chronic_disease_is_not_raised_as_overdue(
    client, running, county_user, village_a
):
    person = PersonFactory(household__village=village_a)
    client.force_login(county_user)
    page = refused(client, "followup_person", person.pk)
    assert "没有登记慢病" in page
    assert Finding.objects.count() == 0


def test_a_chronic_patient_followed_up_in_time_is_not_raised(
    client, running, county_user, village_a
):
    person = PersonFactory(household__village=village_a)
    # Registered today: no past period of the year asked for a follow-up yet.
    ChronicRegistrationFactory(person=person, diagnosed_on=TODAY)
    FulfilmentFactory(person=person, served_on=TODAY)
    client.force_login(county_user)
    page = refused(client, "followup_person", person.pk)
    assert "随访未逾期" in page
    assert Finding.objects.count() == 0


def test_a_case_without_a_call_for_90_days_is_raised(client, running, county_user, village_a):
    case = CaseFactory(
        person=PersonFactory(household__village=village_a),
        screening_date=TODAY - dt.timedelta(days=200),
    )
    client.force_login(county_user)
    raise_(client, "followup_case", case.pk)
    assert Finding.objects.get().source_id == case.pk


def test_a_case_called_recently_is_not_raised(client, running, county_user, village_a):
    case = CaseFactory(
        person=PersonFactory(household__village=village_a),
        screening_date=TODAY - dt.timedelta(days=200),
    )
    CallFactory(case=case, called_on=TODAY - dt.timedelta(days=10))
    client.force_login(county_user)
    page = refused(client, "followup_case", case.pk)
    assert "90天内有随访电话" in page
    assert Finding.objects.count() == 0


@pytest.mark.parametrize("source_id", ["²", "9" * 30, "-1", "abc"])
def test_a_source_id_that_is_not_an_id_is_not_found(client, running, inspector, source_id):
    client.force_login(inspector)
    assert raise_(client, "unsigned_person", source_id).status_code == 404
    assert not Finding.objects.exists()
