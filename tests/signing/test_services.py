import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from signing import services
from signing.models import (
    Booklet,
    BookletStatus,
    Contract,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SignMethod,
    UnsignedReason,
    UnsignedRecord,
)
from tests.signing.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    DiagnosisFactory,
    DiseaseFactory,
    HouseholdFactory,
    PersonFactory,
    TeamFactory,
    hypertension,
)

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English here; test_messages checks the Chinese ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def person_a(village_a):
    return PersonFactory(household=HouseholdFactory(village=village_a), birth_date=D(1950, 1, 1))


@pytest.fixture
def person_b(village_b):
    return PersonFactory(household=HouseholdFactory(village=village_b))


def sign(person, actor, **kwargs):
    values = {"year": 2018, "signed_on": D(2018, 3, 1), "method": SignMethod.ELECTRONIC}
    values.update(kwargs)
    return services.contract_sign(person=person, actor=actor, **values)


def test_sign_creates_contract_valid_to_year_end(person_a, user_a):
    contract = sign(person_a, user_a)
    assert contract.valid_until == D(2018, 12, 31)
    assert contract.is_electronic
    assert contract.history.count() == 1


def test_sign_person_of_another_township_is_refused(person_b, user_a):
    with pytest.raises(ValidationError, match="not in your area"):
        sign(person_b, user_a)
    assert not Contract.objects.exists()


def test_second_contract_same_year_is_refused(person_a, user_a):
    sign(person_a, user_a)
    with pytest.raises(ValidationError, match="already has a contract for 2018"):
        sign(person_a, user_a, signed_on=D(2018, 4, 1))
    assert Contract.objects.count() == 1


def test_sign_date_in_future_is_refused(person_a, user_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        sign(person_a, user_a, year=tomorrow.year, signed_on=tomorrow)
    assert not Contract.objects.exists()


def test_sign_date_before_birth_is_refused(person_a, user_a):
    with pytest.raises(ValidationError, match=r"before .* was born"):
        sign(person_a, user_a, year=1949, signed_on=D(1949, 5, 1))


def test_sign_with_team_of_another_township_is_refused(person_a, user_a, centre_b):
    with pytest.raises(ValidationError, match="team is not in your area"):
        sign(person_a, user_a, team=TeamFactory(institution=centre_b))


def test_county_user_may_not_sign(person_a, county_user):
    with pytest.raises(PermissionDenied):
        sign(person_a, county_user)


def test_renew_signs_next_year_with_same_team(person_a, user_a, centre_a):
    team = TeamFactory(institution=centre_a)
    contract = sign(person_a, user_a, team=team)
    renewed = services.contract_renew(contract=contract, signed_on=D(2018, 12, 20), actor=user_a)
    assert (renewed.year, renewed.team, renewed.method) == (2019, team, SignMethod.ELECTRONIC)


def test_unsigned_reason_recorded(person_a, user_a):
    record = services.unsigned_record(
        person=person_a,
        year=2018,
        reason=UnsignedReason.AWAY,
        recorded_on=D(2018, 3, 2),
        contact_note="电话三次未接通",
        actor=user_a,
    )
    assert record.recorded_by == user_a


def test_unsigned_reason_needs_contact_note(person_a, user_a):
    with pytest.raises(ValidationError, match="how the person was contacted"):
        services.unsigned_record(
            person=person_a,
            year=2018,
            reason=UnsignedReason.AWAY,
            recorded_on=D(2018, 3, 2),
            contact_note=" ",
            actor=user_a,
        )
    assert not UnsignedRecord.objects.exists()


def test_unsigned_reason_refused_when_signed(person_a, user_a):
    ContractFactory(person=person_a)
    with pytest.raises(ValidationError, match="has a contract for 2018"):
        services.unsigned_record(
            person=person_a,
            year=2018,
            reason=UnsignedReason.REFUSED,
            recorded_on=D(2018, 3, 2),
            contact_note="本人拒签",
            actor=user_a,
        )


def test_brochure_is_one_record_per_household(village_a, user_a):
    household = HouseholdFactory(village=village_a)
    members = [PersonFactory(household=household) for _ in range(3)]
    other = PersonFactory(household=HouseholdFactory(village=village_a))
    records = services.fulfilment_record(
        persons=[*members, other],
        kind=FulfilmentKind.BROCHURE,
        served_on=D(2018, 5, 1),
        actor=user_a,
    )
    assert sorted(r.person_id for r in records) == sorted([members[0].pk, other.pk])


def test_reminder_slip_is_one_record_per_person(village_a, user_a):
    household = HouseholdFactory(village=village_a)
    members = [PersonFactory(household=household) for _ in range(2)]
    services.fulfilment_record(
        persons=members, kind=FulfilmentKind.REMINDER_SLIP, served_on=D(2018, 5, 1), actor=user_a
    )
    assert FulfilmentRecord.objects.count() == 2


def test_followup_for_non_patient_is_refused(person_a, user_a):
    with pytest.raises(ValidationError, match="only for key chronic patients"):
        services.followup_record(person=person_a, served_on=D(2018, 5, 1), actor=user_a)
    assert not FulfilmentRecord.objects.exists()


def test_followup_before_registration_is_refused(person_a, user_a):
    ChronicRegistrationFactory(person=person_a, diagnosed_on=D(2018, 6, 1))
    with pytest.raises(ValidationError, match="only for key chronic patients"):
        services.followup_record(person=person_a, served_on=D(2018, 5, 1), actor=user_a)


def test_followup_for_patient_is_saved(person_a, user_a):
    ChronicRegistrationFactory(person=person_a)
    record = services.followup_record(person=person_a, served_on=D(2018, 5, 1), actor=user_a)
    assert record.kind == FulfilmentKind.FOLLOW_UP


def test_fulfilment_mixed_scope_saves_nothing(person_a, person_b, user_a):
    with pytest.raises(ValidationError):
        services.fulfilment_record(
            persons=[person_a, person_b],
            kind=FulfilmentKind.POLICY_PUBLICITY,
            served_on=D(2018, 5, 1),
            actor=user_a,
        )
    assert not FulfilmentRecord.objects.exists()


def test_chronic_register_refuses_non_key_disease(person_a, user_a):
    with pytest.raises(ValidationError, match="not a key chronic disease"):
        services.chronic_register(
            person=person_a,
            disease=DiseaseFactory(name="冠心病"),
            diagnosed_on=D(2017, 1, 1),
            actor=user_a,
        )


def test_chronic_register_key_disease(person_a, user_a):
    registration = services.chronic_register(
        person=person_a, disease=hypertension(), diagnosed_on=D(2017, 1, 1), actor=user_a
    )
    assert registration.disease.is_key_chronic


def test_health_check_in_future_is_refused(person_a, user_a):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.health_check_record(
            person=person_a,
            checked_on=timezone.localdate() + datetime.timedelta(days=1),
            actor=user_a,
        )
    assert not HealthCheck.objects.exists()


def test_special_diagnosis_starts_a_pending_booklet(person_a, user_a):
    disease = DiseaseFactory(name="冠心病", is_special_outpatient=True)
    diagnosis = services.special_diagnosis_record(
        person=person_a, disease=disease, diagnosed_on=D(2016, 1, 1), actor=user_a
    )
    assert diagnosis.booklet.status == BookletStatus.PENDING


def test_booklet_without_diagnosis_is_refused(user_a):
    with pytest.raises(ValidationError, match="needs a special-disease diagnosis"):
        services.booklet_update(diagnosis=None, status=BookletStatus.ISSUED, actor=user_a)
    assert not Booklet.objects.exists()


def test_booklet_issued_needs_number(person_a, user_a):
    diagnosis = DiagnosisFactory(person=person_a)
    with pytest.raises(ValidationError, match="needs its number"):
        services.booklet_update(
            diagnosis=diagnosis, status=BookletStatus.ISSUED, issued_on=D(2018, 3, 1), actor=user_a
        )


def test_booklet_issued_and_valid(person_a, user_a):
    diagnosis = DiagnosisFactory(person=person_a)
    booklet = services.booklet_update(
        diagnosis=diagnosis,
        status=BookletStatus.ISSUED,
        number="MB-001",
        issued_on=D(2018, 3, 1),
        expires_on=D(2019, 2, 28),
        actor=user_a,
    )
    assert booklet.is_valid_on(D(2018, 6, 4))
    assert booklet.effective_status(D(2019, 3, 1)) == BookletStatus.PENDING


def test_booklet_of_another_township_is_refused(person_b, user_a):
    diagnosis = DiagnosisFactory(person=person_b)
    with pytest.raises(ValidationError, match="not in your area"):
        services.booklet_update(diagnosis=diagnosis, status=BookletStatus.APPLIED, actor=user_a)
