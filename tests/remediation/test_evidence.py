"""Evidence of a remediation item: photos or PDF documents; a refused file keeps what was
typed; messages meant for county users are not shown to township users."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from remediation import services
from remediation.models import ItemEvidence, ItemState
from tests.inspections.factories import image_upload
from tests.remediation.factories import ItemFactory

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def pdf_upload(content=PDF, name="整改报告.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def item(township_a):
    item = ItemFactory(township=township_a, state=ItemState.IN_PROGRESS)
    return item


def submit(item, actor, files):
    return services.item_transition(
        item_id=item.pk, action="submit", actor=actor, note="已整改", photos=files
    )


def test_a_pdf_is_accepted_as_evidence_and_served_as_a_download(client, item, user_a):
    submit(item, user_a, [pdf_upload()])
    evidence = ItemEvidence.objects.get()
    client.force_login(user_a)
    response = client.get(reverse("remediation:evidence", args=[evidence.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF


def test_a_photo_is_still_accepted(item, user_a):
    submit(item, user_a, [image_upload()])
    assert ItemEvidence.objects.get().image.name.endswith(".jpg")


@pytest.mark.parametrize(
    "upload",
    [
        pdf_upload(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"),  # cut off: no %%EOF
        pdf_upload(
            PDF.replace(
                b"/Type /Catalog",
                b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
            )
        ),
        SimpleUploadedFile(
            "report.pdf", b"MZ\x90\x00 not a document", content_type="application/pdf"
        ),
    ],
    ids=["truncated", "script", "not-a-pdf"],
)
def test_a_bad_file_is_refused_on_the_evidence_field(item, user_a, upload):
    with pytest.raises(ValidationError) as caught:
        submit(item, user_a, [upload])
    assert "photos" in caught.value.message_dict
    assert not ItemEvidence.objects.exists()
    item.refresh_from_db()
    assert item.state == ItemState.IN_PROGRESS


def test_a_pdf_over_the_size_limit_is_refused(item, user_a, settings):
    settings.EVIDENCE_PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        submit(item, user_a, [pdf_upload(PDF + b"%" * 200 + b"\n%%EOF\n")])
    assert "photos" in caught.value.message_dict


def test_a_refused_file_keeps_what_was_typed(client, item, user_a):
    client.force_login(user_a)
    with translation.override("zh-hans"):
        response = client.post(
            reverse("remediation:item_transition", args=[item.pk]),
            {
                "action": "submit",
                "expected_state": "in_progress",
                "note": "已为12户补签协议并补录随访记录",
                "photos": [
                    SimpleUploadedFile("scan.pdf", b"not really", content_type="application/pdf")
                ],
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    body = response.content.decode()
    assert response.status_code == 400
    assert "已为12户补签协议并补录随访记录</textarea>" in body
    assert "scan.pdf" in body
    item.refresh_from_db()
    assert item.state == ItemState.IN_PROGRESS


def test_a_township_submitter_is_not_shown_the_county_only_notice(client, item, user_a):
    submit(item, user_a, [image_upload()])
    client.force_login(user_a)
    with translation.override("zh-hans"):
        body = client.get(
            reverse("remediation:item_detail", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert "另一位县级用户" not in body


def test_a_county_submitter_is_shown_the_county_only_notice(client, item, county_user):
    submit(item, county_user, [image_upload()])
    client.force_login(county_user)
    body = client.get(
        reverse("remediation:item_detail", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "另一位县级用户" in body
