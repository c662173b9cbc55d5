import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from healthpov.accounts.models import FileDownloadLog
from inspections.models import Campaign, Finding, FindingPhoto
from tests.inspections.factories import FindingFactory, image_upload


def post_finding(client, campaign, place, **extra):
    data = {
        "place": place.pk,
        "category": "ledger_incomplete",
        "description": "慢病随访记录缺失",
        "person_times": 1,
        "found_on": timezone.localdate().isoformat(),
    }
    data.update(extra)
    return client.post(reverse("inspections:finding_create", args=[campaign.pk]), data)


def test_inspector_records_finding_with_photo(client, campaign, group_a, inspector, village_a):
    client.force_login(inspector)
    response = post_finding(client, campaign, village_a, photos=[image_upload()])
    finding = Finding.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:finding_detail", args=[finding.pk])
    assert finding.photos.count() == 1


def test_inspector_form_offers_only_group_places(
    client, campaign, group_a, inspector, village_a, village_b
):
    client.force_login(inspector)
    page = client.get(reverse("inspections:finding_create", args=[campaign.pk])).content.decode()
    assert village_a.name in page
    assert village_b.name not in page


def test_non_image_photo_shows_chinese_message_and_saves_nothing(
    client, campaign, group_a, inspector, township_a
):
    client.force_login(inspector)
    fake = SimpleUploadedFile("a.jpg", b"GIF89a-not-really", content_type="image/jpeg")
    response = post_finding(client, campaign, township_a, photos=[fake])
    assert response.status_code == 200
    assert "不是照片" in response.content.decode()
    assert Finding.objects.count() == 0


def test_photo_served_to_county_user(client, campaign, county_user, township_a):
    from inspections import services

    finding = FindingFactory(campaign=campaign, township=township_a)
    photo = services.finding_add_photos(
        finding=finding, photos=[image_upload()], actor=county_user
    )[0]
    client.force_login(county_user)
    response = client.get(reverse("inspections:photo", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_photo_of_township_b_is_404_for_inspector_of_a(
    client, campaign, group_a, inspector, county_user, township_b
):
    from inspections import services

    finding = FindingFactory(campaign=campaign, township=township_b)
    photo = services.finding_add_photos(
        finding=finding, photos=[image_upload()], actor=county_user
    )[0]
    client.force_login(inspector)
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 404
    assert FindingPhoto.objects.count() == 1


def test_photo_files_live_outside_static(campaign, county_user, township_a, settings):
    from inspections import services

    finding = FindingFactory(campaign=campaign, township=township_a)
    photo = services.finding_add_photos(
        finding=finding, photos=[image_upload()], actor=county_user
    )[0]
    assert str(settings.MEDIA_ROOT) in photo.image.path
    assert not photo.image.path.startswith(str(settings.STATIC_ROOT))


def test_report_xlsx_neutralises_formulas(client, campaign, county_user, township_a, one_stop_item):
    FindingFactory(campaign=campaign, township=township_a, description='=HYPERLINK("http://x","y")')
    client.force_login(county_user)
    response = client.get(reverse("inspections:campaign_report_xlsx", args=[campaign.pk]))
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb.worksheets[2]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert '\'=HYPERLINK("http://x","y")' in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    assert sheet["A3"].value == "序号" or sheet["A4"].value == "序号"


def test_report_page_shows_scores(
    client, campaign, group_a, county_user, township_a, one_stop_item
):
    FindingFactory(
        campaign=campaign,
        township=township_a,
        checklist_item=one_stop_item,
        category="",
        person_times=2,
    )
    client.force_login(county_user)
    page = client.get(reverse("inspections:campaign_report", args=[campaign.pk])).content.decode()
    assert "99.60" in page


def test_county_creates_campaign(client, county_user):
    client.force_login(county_user)
    response = client.post(
        reverse("inspections:campaign_create"),
        {
            "name": "2026年健康扶贫暗访",
            "kind": "unannounced",
            "document_number": "泰卫〔2026〕3号",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
            "starting_score": "100",
        },
    )
    assert response.status_code == 302
    assert Campaign.objects.get().place == county_user.place


def test_campaign_end_before_start_is_refused(client, county_user):
    client.force_login(county_user)
    response = client.post(
        reverse("inspections:campaign_create"),
        {
            "name": "x",
            "kind": "unannounced",
            "starts_on": "2026-03-31",
            "ends_on": "2026-03-01",
            "starting_score": "100",
        },
    )
    assert response.status_code == 200
    assert Campaign.objects.count() == 0


def test_campaign_list_query_count(client, county_user, county, django_assert_max_num_queries):
    for n in range(5):
        Campaign.objects.create(
            name=f"c{n}",
            kind="supervision",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 2, 1),
            place=county,
        )
    client.force_login(county_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("inspections:campaign_list")).status_code == 200


def test_inspector_posting_a_place_outside_group_saves_nothing(
    client, campaign, group_a, inspector, village_b
):
    client.force_login(inspector)
    response = post_finding(client, campaign, village_b)
    assert response.status_code == 200
    assert (
        "选择一个有效的选项" in response.content.decode() or "督查组" in response.content.decode()
    )
    assert Finding.objects.count() == 0


def test_photo_is_refused_to_an_inspector_who_did_not_upload_it(
    client, campaign, group_a, inspector, county_user, township_a
):
    from inspections import services

    finding = FindingFactory(campaign=campaign, township=township_a)
    photo = services.finding_add_photos(
        finding=finding, photos=[image_upload()], actor=county_user
    )[0]
    client.force_login(inspector)
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 403


def test_photo_is_served_to_the_inspector_who_uploaded_it(
    client, campaign, group_a, inspector, village_a
):
    client.force_login(inspector)
    post_finding(client, campaign, village_a, photos=[image_upload()])
    photo = FindingPhoto.objects.get()
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 200


def test_photo_download_is_audited(client, campaign, county_user, township_a):
    from inspections import services

    finding = FindingFactory(campaign=campaign, township=township_a)
    photo = services.finding_add_photos(
        finding=finding, photos=[image_upload()], actor=county_user
    )[0]
    client.force_login(county_user)
    client.get(reverse("inspections:photo", args=[photo.pk]))
    log = FileDownloadLog.objects.get()
    assert (log.user, log.file) == (county_user, photo.image.name)
