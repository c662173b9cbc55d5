import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.treatment.factories import CaseFactory, MajorDiseaseFactory, PersonFactory
from treatment import services
from treatment.models import CaseStatus, FollowUpCall, InpatientStay, MajorIllnessCase

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def stay_kwargs(**overrides):
    values = {
        "admitted_on": datetime.date(2018, 3, 1),
        "discharged_on": datetime.date(2018, 3, 9),
        "total_cost": Decimal("8000.00"),
        "policy_cost": Decimal("7500.00"),
        "basic_insurance": Decimal("5000.00"),
        "critical_insurance": Decimal("1500.00"),
        "medical_assistance": Decimal("700.00"),
        "supplementary_insurance": Decimal("400.00"),
        "personal_payment": Decimal("400.00"),
        "hospital_name": "泰宁县总医院",
    }
    values.update(overrides)
    return values


def test_case_create_takes_year_from_catalogue(user_a, village_a):
    person = PersonFactory(household__village=village_a)
    case = services.case_create(
        person=person,
        disease=MajorDiseaseFactory(year=2018),
        screening_date=datetime.date(2018, 2, 1),
        actor=user_a,
    )
    assert case.year == 2018
    assert case.history.count() == 1


def test_case_create_for_person_outside_scope_is_refused(user_a, village_b):
    person = PersonFactory(household__village=village_b)
    with pytest.raises(ValidationError) as excinfo:
        services.case_create(
            person=person,
            disease=MajorDiseaseFactory(),
            screening_date=datetime.date(2018, 2, 1),
            actor=user_a,
        )
    assert "person" in excinfo.value.message_dict
    assert not MajorIllnessCase.objects.exists()


def test_county_user_cannot_write(county_user, village_a):
    with pytest.raises(PermissionDenied):
        services.case_create(
            person=PersonFactory(household__village=village_a),
            disease=MajorDiseaseFactory(),
            screening_date=datetime.date(2018, 2, 1),
            actor=county_user,
        )


def test_case_create_matches_known_hospital(user_a, village_a, centre_a):
    case = services.case_create(
        person=PersonFactory(household__village=village_a),
        disease=MajorDiseaseFactory(),
        screening_date=datetime.date(2018, 2, 1),
        hospital_name=" 杉城镇卫生院 ",
        actor=user_a,
    )
    assert case.hospital == centre_a
    assert case.hospital_name == ""


def test_refusal_without_reason_saves_nothing(user_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    with pytest.raises(ValidationError) as excinfo:
        services.case_record_refusal(case=case, reason=" ", note="电话告知政策", actor=user_a)
    assert "refusal_reason" in excinfo.value.message_dict
    case.refresh_from_db()
    assert case.status == CaseStatus.SCREENED


def test_refusal_with_photo_proof_is_kept_under_our_name_as_a_reencoded_jpeg(user_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    proof = SimpleUploadedFile("告知书.exe", png_bytes(), content_type="application/octet-stream")
    case = services.case_record_refusal(case=case, reason="拒绝回乡治疗", proof=proof, actor=user_a)
    assert case.status == CaseStatus.REFUSED
    assert case.refusal_proof.name.endswith(".jpg")
    assert case.refusal_proof_by == user_a


def test_refusal_proof_that_is_not_pdf_or_image_is_refused(user_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    fake = SimpleUploadedFile(
        "proof.pdf", b"<html>not a pdf</html>", content_type="application/pdf"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.case_record_refusal(case=case, reason="拒绝", proof=fake, actor=user_a)
    assert "refusal_proof" in excinfo.value.message_dict


def test_refusal_proof_too_big_is_refused(user_a, village_a, settings):
    settings.TREATMENT_PROOF_MAX_BYTES = 10
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    big = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 " + b"x" * 100)
    with pytest.raises(ValidationError):
        services.case_record_refusal(case=case, reason="拒绝", proof=big, actor=user_a)


def test_call_record_names_the_caller(user_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    call = services.call_record(case=case, called_on=datetime.date(2018, 5, 1), actor=user_a)
    assert call.caller == user_a
    assert FollowUpCall.objects.count() == 1


def test_stay_record_saves_decimals(user_a, village_a):
    stay = services.stay_record(
        person=PersonFactory(household__village=village_a), actor=user_a, **stay_kwargs()
    )
    stay.refresh_from_db()
    assert stay.personal_payment == Decimal("400.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"personal_payment": Decimal("-400.00"), "total_cost": Decimal("7200.00")},
            "personal_payment",
        ),
        ({"discharged_on": datetime.date(2018, 2, 1)}, "discharged_on"),
        ({"personal_payment": Decimal("300.00")}, "total_cost"),
        ({"policy_cost": Decimal("9000.00")}, "policy_cost"),
    ],
)
def test_bad_stay_is_refused_and_nothing_saved(user_a, village_a, overrides, field):
    person = PersonFactory(household__village=village_a)
    with pytest.raises(ValidationError) as excinfo:
        services.stay_record(person=person, actor=user_a, **stay_kwargs(**overrides))
    assert field in excinfo.value.message_dict
    assert not InpatientStay.objects.exists()


def test_stay_for_person_of_other_township_is_refused(user_a, village_b):
    with pytest.raises(ValidationError):
        services.stay_record(
            person=PersonFactory(household__village=village_b), actor=user_a, **stay_kwargs()
        )
    assert not InpatientStay.objects.exists()
