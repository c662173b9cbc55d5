import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from healthpov.accounts.models import FileDownloadLog, User
from tests.factories import UserFactory
from tests.treatment.factories import (
    CallFactory,
    CaseFactory,
    MajorDiseaseFactory,
    PersonFactory,
    StayFactory,
)
from treatment.models import CaseStatus, FollowUpCall, InpatientStay, MajorIllnessCase

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stay_post(**overrides):
    data = {
        "hospital_name": "泰宁县总医院",
        "in_county": "on",
        "one_stop": "on",
        "admitted_on": "2018-03-01",
        "discharged_on": "2018-03-09",
        "total_cost": "8000.00",
        "policy_cost": "7500",
        "basic_insurance": "5000",
        "critical_insurance": "1500",
        "medical_assistance": "700",
        "supplementary_insurance": "400",
        "personal_payment": "400",
    }
    data.update(overrides)
    return data


def test_case_list_shows_own_township_only(
    client_a, village_a, village_b, django_assert_max_num_queries
):
    for _ in range(5):
        CaseFactory(person=PersonFactory(household__village=village_a))
    CaseFactory(person=PersonFactory(household__village=village_b, name="乙镇病人"))
    with django_assert_max_num_queries(9):
        response = client_a.get(reverse("treatment:case_list"), {"year": 2018})
    assert response.status_code == 200
    assert "乙镇病人" not in response.content.decode()


@pytest.mark.parametrize(
    "query", [{}, {"status": "treated"}, {"status": "counted_treated"}, {"status": "refused"}]
)
def test_case_list_total_is_the_number_of_listed_cases(client_a, village_a, village_b, query):
    for status in [CaseStatus.SCREENED, CaseStatus.TREATED, CaseStatus.TREATED, CaseStatus.DIED]:
        CaseFactory(
            person=PersonFactory(household__village=village_a),
            status=status,
            treatment_date=datetime.date(2018, 2, 1),
        )
    CaseFactory(person=PersonFactory(household__village=village_b), status=CaseStatus.TREATED)
    page = client_a.get(reverse("treatment:case_list"), {"year": 2018, **query}).context["page"]
    assert page.paginator.count == len(page.object_list)
    assert (
        page.paginator.count
        == {"": 4, "treated": 2, "counted_treated": 3, "refused": 0}[query.get("status", "")]
    )


def test_case_list_htmx_returns_fragment(client_a, village_a):
    CaseFactory(person=PersonFactory(household__village=village_a))
    response = client_a.get(reverse("treatment:case_list"), {"year": 2018}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b'data-testid="case-table"' in response.content


def test_case_detail_of_other_township_is_404(client_a, village_b):
    case = CaseFactory(person=PersonFactory(household__village=village_b))
    assert client_a.get(reverse("treatment:case_detail", args=[case.pk])).status_code == 404


def test_case_create_by_id_number(client_a, village_a):
    person = PersonFactory(household__village=village_a)
    disease = MajorDiseaseFactory()
    response = client_a.post(
        reverse("treatment:case_create"),
        {
            "id_number": f" {person.id_number.lower()} ",
            "disease": disease.pk,
            "screening_date": "2018-02-01",
            "hospital_name": "三明市第一医院",
            "status": CaseStatus.SCREENED,
        },
    )
    case = MajorIllnessCase.objects.get()
    assert response.status_code == 302
    assert case.person == person


def test_case_create_for_id_of_other_township_is_refused(client_a, village_b):
    person = PersonFactory(household__village=village_b)
    response = client_a.post(
        reverse("treatment:case_create"),
        {
            "id_number": person.id_number,
            "disease": MajorDiseaseFactory().pk,
            "screening_date": "2018-02-01",
            "status": CaseStatus.SCREENED,
        },
    )
    assert response.status_code == 200
    assert "花名册" in response.content.decode() or "roster" in response.content.decode()
    assert not MajorIllnessCase.objects.exists()


def test_county_user_may_not_open_case_form(client, county_user):
    client.force_login(county_user)
    assert client.get(reverse("treatment:case_create")).status_code == 403


def test_refusal_with_pdf_proof_then_proof_is_served(client_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    response = client_a.post(
        reverse("treatment:case_refuse", args=[case.pk]),
        {
            "reason": "随父母外出务工,拒绝回乡治疗",
            "note": "",
            "proof": SimpleUploadedFile("x.pdf", PDF),
        },
    )
    assert response.status_code == 302
    proof = client_a.get(reverse("treatment:refusal_proof", args=[case.pk]))
    assert proof["Content-Type"] == "application/pdf"
    assert b"".join(proof.streaming_content) == PDF


def test_refusal_without_reason_shows_message_and_keeps_status(client_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    response = client_a.post(
        reverse("treatment:case_refuse", args=[case.pk]), {"reason": "", "note": "电话告知"}
    )
    assert response.status_code == 200
    assert b'data-testid="field-error"' in response.content
    case.refresh_from_db()
    assert case.status == CaseStatus.SCREENED


def test_refusal_with_html_disguised_as_pdf_is_refused(client_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    client_a.post(
        reverse("treatment:case_refuse", args=[case.pk]),
        {"reason": "拒绝", "proof": SimpleUploadedFile("x.pdf", b"<script>alert(1)</script>")},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SCREENED


def test_proof_of_other_township_is_404(client_a, village_b):
    case = CaseFactory(person=PersonFactory(household__village=village_b))
    assert client_a.get(reverse("treatment:refusal_proof", args=[case.pk])).status_code == 404


def test_call_is_recorded(client_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    response = client_a.post(
        reverse("treatment:call_create", args=[case.pk]),
        {"called_on": "2018-05-02", "note": "病情稳定"},
    )
    assert response.status_code == 302
    assert FollowUpCall.objects.get().case == case


def test_no_call_list_as_of(client_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a, name="久未回访"))
    CallFactory(case=case, called_on=datetime.date(2018, 1, 20))
    response = client_a.get(reverse("treatment:no_call_list"), {"as_of": "2018-06-04"})
    assert "久未回访" in response.content.decode()


def test_stay_create_saves(client_a, village_a):
    person = PersonFactory(household__village=village_a)
    response = client_a.post(
        reverse("treatment:stay_create"), stay_post(id_number=person.id_number)
    )
    assert response.status_code == 302
    assert InpatientStay.objects.get().total_cost == Decimal("8000.00")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"personal_payment": "-400"}, "负"),
        ({"total_cost": "八千"}, "金额"),
        ({"discharged_on": "2018-02-01"}, "出院"),
        ({"personal_payment": "300"}, "100.00"),
    ],
)
def test_bad_stay_shows_chinese_message_and_saves_nothing(client_a, village_a, overrides, expected):
    person = PersonFactory(household__village=village_a)
    response = client_a.post(
        reverse("treatment:stay_create"), stay_post(id_number=person.id_number, **overrides)
    )
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not InpatientStay.objects.exists()


def test_stay_list_highlights_breach(client_a, village_a):
    StayFactory(person=PersonFactory(household__village=village_a), deposit_taken=True)
    StayFactory(person=PersonFactory(household__village=village_a))
    response = client_a.get(reverse("treatment:stay_list"), {"year": 2018})
    assert response.content.decode().count('data-breach="1"') == 1


def test_list_rows_escape_names_and_show_every_badge(client_a, village_a):
    person = PersonFactory(household__village=village_a, name="<i>王五</i>")
    StayFactory(
        person=person,
        hospital_name="省<立>医院",
        in_county=False,
        referral=True,
        deposit_taken=True,
        one_stop=False,
    )
    CaseFactory(person=person)
    stays = client_a.get(reverse("treatment:stay_list"), {"year": 2018}).content.decode()
    row = stays[stays.index('data-breach="1"') :]
    row = row[: row.index("</tr>")]
    assert "&lt;i&gt;王五&lt;/i&gt;" in row and "<i>" not in row
    assert "省&lt;立&gt;医院" in row
    for badge in ("县域外", "转诊", "收取押金", "未一站式结算"):
        assert badge in row, badge
    assert "10,000.00" in row and "5.0%" in row
    assert "raise-stay" not in row  # the township user may not raise
    cases = client_a.get(reverse("treatment:case_list"), {"year": 2018}).content.decode()
    assert "&lt;i&gt;王五&lt;/i&gt;" in cases and "<i>王五" not in cases


@pytest.mark.parametrize(("query", "expected"), [({}, 3), ({"breach": "1"}, 2)])
def test_stay_list_total_is_the_number_of_listed_stays(
    client_a, village_a, village_b, query, expected
):
    StayFactory(person=PersonFactory(household__village=village_a), deposit_taken=True)
    StayFactory(person=PersonFactory(household__village=village_a), one_stop=False)
    StayFactory(person=PersonFactory(household__village=village_a))
    StayFactory(person=PersonFactory(household__village=village_b), deposit_taken=True)
    page = client_a.get(reverse("treatment:stay_list"), {"year": 2018, **query}).context["page"]
    assert page.paginator.count == len(page.object_list) == expected


def test_township_summary_and_risk_pages(client_a, village_a):
    StayFactory(
        person=PersonFactory(household__village=village_a, name="高额自付"),
        personal_payment=Decimal("10500.00"),
        total_cost=Decimal("20000.00"),
    )
    assert client_a.get(reverse("treatment:township_summary"), {"year": 2018}).status_code == 200
    response = client_a.get(reverse("treatment:risk_watch"), {"as_of": "2018-06-04"})
    assert "高额自付" in response.content.decode()


def test_household_section_lists_cases(rf, user_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a, name="户内病人"))
    request = rf.get("/")
    request.user = user_a
    html = render_to_string(
        "treatment/snippets/household_section.html",
        {"household": case.person.household, "members": [case.person], "user": user_a},
        request=request,
    )
    assert "户内病人" in html


def test_stay_list_query_count_is_pinned(client_a, village_a, django_assert_max_num_queries):
    for _ in range(8):
        StayFactory(person=PersonFactory(household__village=village_a))
    with django_assert_max_num_queries(9):
        response = client_a.get(reverse("treatment:stay_list"), {"year": 2018})
    assert response.content.decode().count("<tr") == 9


def test_no_call_list_query_count_is_pinned(client_a, village_a, django_assert_max_num_queries):
    for _ in range(8):
        CaseFactory(person=PersonFactory(household__village=village_a))
    with django_assert_max_num_queries(10):
        response = client_a.get(reverse("treatment:no_call_list"), {"as_of": "2018-06-04"})
    assert response.content.decode().count("<tr") == 9


def test_risk_watch_query_count_is_pinned(client_a, village_a, django_assert_max_num_queries):
    for _ in range(4):
        StayFactory(
            person=PersonFactory(household__village=village_a),
            total_cost=Decimal("30000.00"),
            policy_cost=Decimal("29000.00"),
            basic_insurance=Decimal("15000.00"),
            critical_insurance=Decimal("2000.00"),
            personal_payment=Decimal("11500.00"),
        )
    with django_assert_max_num_queries(10):
        response = client_a.get(reverse("treatment:risk_watch"), {"as_of": "2018-06-04"})
    assert response.content.decode().count('data-testid="risk-household"') == 4


def test_history_restore_gets_the_whole_page(client_a):
    response = client_a.get(
        reverse("treatment:case_list"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert b"<html" in response.content


def test_edit_of_refused_case_keeps_refused_status_available(client_a, village_a):
    case = CaseFactory(
        person=PersonFactory(household__village=village_a),
        status=CaseStatus.REFUSED,
        refusal_reason="拒绝",
        refusal_note="电话告知",
    )
    response = client_a.post(
        reverse("treatment:case_edit", args=[case.pk]),
        {
            "disease": case.disease_id,
            "screening_date": "2018-01-10",
            "hospital_name": "泰宁县总医院",
            "status": CaseStatus.REFUSED,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.hospital_name) == (CaseStatus.REFUSED, "泰宁县总医院")


def test_printable_household_sheet_has_the_treatment_section(client_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a, name="一户一档病人"))
    StayFactory(person=case.person)
    response = client_a.get(reverse("signing:household_sheet", args=[case.person.household_id]))
    assert response.status_code == 200
    assert b'data-testid="treatment-sheet"' in response.content


def test_case_list_narrows_to_a_township_and_counted_treated(
    county_user, client, village_a, village_b
):
    client.force_login(county_user)
    CaseFactory(
        person=PersonFactory(household__village=village_a, name="甲镇已救治"),
        status=CaseStatus.TREATED,
        treatment_date=datetime.date(2018, 2, 1),
    )
    CaseFactory(person=PersonFactory(household__village=village_b, name="乙镇已排查"))
    response = client.get(
        reverse("treatment:case_list"),
        {"year": 2018, "township": village_a.parent_id, "status": "counted_treated"},
    )
    content = response.content.decode()
    assert "甲镇已救治" in content
    assert "乙镇已排查" not in content


def test_township_parameter_cannot_widen_the_scope(client_a, village_b):
    CaseFactory(person=PersonFactory(household__village=village_b, name="乙镇病人"))
    response = client_a.get(
        reverse("treatment:case_list"), {"year": 2018, "township": village_b.parent_id}
    )
    assert "乙镇病人" not in response.content.decode()


def test_county_user_can_raise_a_stay_breach_as_a_finding(client, county_user, village_a):
    stay = StayFactory(person=PersonFactory(household__village=village_a), deposit_taken=True)
    client.force_login(county_user)
    response = client.get(reverse("treatment:stay_list"), {"year": 2018})
    assert f'data-testid="raise-stay-{stay.pk}"'.encode() in response.content


def test_household_page_shows_the_treatment_section(client_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a, name="户页病人"))
    StayFactory(person=case.person)
    response = client_a.get(
        reverse("households:household_detail", args=[case.person.household_id]), {"year": 2018}
    )
    content = response.content.decode()
    assert 'data-testid="treatment-section"' in content
    assert reverse("treatment:case_detail", args=[case.pk]) in content


def _case_with_proof(client_a, village_a) -> MajorIllnessCase:
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    client_a.post(
        reverse("treatment:case_refuse", args=[case.pk]),
        {"reason": "拒绝", "proof": SimpleUploadedFile("x.pdf", PDF)},
    )
    return case


def test_proof_is_refused_to_a_user_covering_the_township_who_may_not_reveal(
    client, client_a, village_a, county
):
    case = _case_with_proof(client_a, village_a)
    client.force_login(UserFactory(role=User.Role.CITY_BUREAU, place=county))
    assert client.get(reverse("treatment:refusal_proof", args=[case.pk])).status_code == 403


def test_proof_download_is_audited(client_a, user_a, village_a):
    case = _case_with_proof(client_a, village_a)
    client_a.get(reverse("treatment:refusal_proof", args=[case.pk]))
    case.refresh_from_db()
    log = FileDownloadLog.objects.get()
    assert (log.user, log.file) == (user_a, case.refusal_proof.name)


def _jpeg_with_gps() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x8825] = {1: "N", 2: (26.0, 54.0, 0.0), 3: "E", 4: (117.0, 10.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_photo_proof_is_served_without_its_exif(client_a, village_a):
    from PIL import Image

    case = CaseFactory(person=PersonFactory(household__village=village_a))
    photo = _jpeg_with_gps()
    assert b"CameraMaker" in photo
    client_a.post(
        reverse("treatment:case_refuse", args=[case.pk]),
        {"reason": "拒绝", "proof": SimpleUploadedFile("x.jpg", photo)},
    )
    proof = client_a.get(reverse("treatment:refusal_proof", args=[case.pk]))
    served = b"".join(proof.streaming_content)
    assert b"CameraMaker" not in served
    assert not Image.open(io.BytesIO(served)).getexif()


def _decompression_bomb() -> bytes:
    """A 1-bit PNG of 20,000 × 20,000 pixels: 50 KB on disk, 1.2 GB once decoded as RGB."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def test_decompression_bomb_proof_is_refused_with_a_message(client_a, village_a):
    case = CaseFactory(person=PersonFactory(household__village=village_a))
    response = client_a.post(
        reverse("treatment:case_refuse", args=[case.pk]),
        {"reason": "拒绝", "proof": SimpleUploadedFile("x.png", _decompression_bomb())},
    )
    assert response.status_code == 200
    assert "像素" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SCREENED


def test_pdf_proof_is_served_as_an_attachment(client_a, village_a):
    case = _case_with_proof(client_a, village_a)
    proof = client_a.get(reverse("treatment:refusal_proof", args=[case.pk]))
    assert proof["Content-Disposition"].startswith("attachment")
