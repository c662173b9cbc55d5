import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from healthpov.accounts.models import FileDownloadLog, User
from healthpov.notifications.models import Notification
from remediation import services
from remediation.models import Item, ItemState
from tests.factories import UserFactory
from tests.inspections.factories import CampaignFactory, FindingFactory, image_upload
from tests.remediation.factories import ItemFactory

# The ledger page and its export, whatever the number of items (pinned below).
LIST_QUERIES = 7
EXPORT_QUERIES = 3


def test_ledger_export_has_government_layout(client, county_user, township_a):
    ItemFactory(township=township_a, problem="=cmd|' /C calc'!A0")
    client.force_login(county_user)
    response = client.get(reverse("remediation:item_list_xlsx", args=["ledger"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "整改台账"
    assert "A1:M1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A3"].value == "序号"
    assert "A3:A4" in {str(r) for r in sheet.merged_cells.ranges}  # 序号 spans both header rows
    groups = [sheet.cell(row=3, column=c).value for c in range(1, 14)]
    assert "责任" in groups and "整改进展" in groups
    assert sheet["A5"].value == 1
    problems = [sheet.cell(row=5, column=c).value for c in range(1, 14)]
    assert "'=cmd|' /C calc'!A0" in problems


def test_four_lists_have_their_columns(client, county_user, township_a):
    ItemFactory(township=township_a, responsible_leader="陈副局长")
    client.force_login(county_user)
    responsibilities = client.get(
        reverse("remediation:item_list", args=["responsibilities"])
    ).content.decode()
    problems = client.get(reverse("remediation:item_list", args=["problems"])).content.decode()
    assert "陈副局长" in responsibilities
    assert "陈副局长" not in problems


def test_unknown_list_is_404(client, county_user):
    client.force_login(county_user)
    assert client.get(reverse("remediation:item_list", args=["nonsense"])).status_code == 404


def test_filter_by_overdue(client, county_user, township_a):
    ItemFactory(township=township_a, problem="逾期事项", overdue_since=dt.date(2026, 1, 2))
    ItemFactory(township=township_a, problem="按期事项")
    client.force_login(county_user)
    page = client.get(
        reverse("remediation:item_list", args=["ledger"]), {"overdue": "on"}
    ).content.decode()
    assert "逾期事项" in page
    assert "按期事项" not in page


def test_filter_by_due_within_a_week(client, county_user, township_a):
    today = timezone.localdate()
    ItemFactory(township=township_a, problem="本周到期", deadline=today + dt.timedelta(days=7))
    ItemFactory(township=township_a, problem="下周以后", deadline=today + dt.timedelta(days=8))
    ItemFactory(township=township_a, problem="已销号", deadline=today, state=ItemState.CLOSED)
    client.force_login(county_user)
    page = client.get(
        reverse("remediation:item_list", args=["ledger"]), {"due_soon": "on"}
    ).content.decode()
    assert "本周到期" in page
    assert "下周以后" not in page
    assert "已销号" not in page


def test_htmx_filter_returns_only_the_table(client, county_user, township_a):
    ItemFactory(township=township_a)
    client.force_login(county_user)
    response = client.get(reverse("remediation:item_list", args=["ledger"]), HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b'data-testid="item-table"' in response.content


def test_list_query_count(client, county_user, township_a, django_assert_max_num_queries):
    for _ in range(10):
        ItemFactory(township=township_a)
    client.force_login(county_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("remediation:item_list", args=["ledger"]))
    assert response.status_code == 200


def _items_in_villages(township_a, village_a, township_b, village_b, count: int) -> None:
    for n in range(count):
        ItemFactory(township=township_a, place=village_a, problem=f"甲村事项{n}")
        ItemFactory(township=township_b, place=village_b, problem=f"乙村事项{n}")
    ItemFactory(township=township_a, problem="乡镇事项")


def test_every_list_shows_township_and_village(
    client, county_user, township_a, village_a, township_b, village_b
):
    _items_in_villages(township_a, village_a, township_b, village_b, 1)
    client.force_login(county_user)
    for kind in ("problems", "responsibilities", "tasks", "ledger"):
        response = client.get(reverse("remediation:item_list", args=[kind]))
        headers = [str(column.header) for column in response.context["columns"]]
        assert headers[headers.index("乡镇") + 1] == "行政村", kind
        rows = {item.problem: values for item, values in response.context["rows"]}
        village = headers.index("行政村")
        assert rows["甲村事项0"][village] == village_a.name
        assert rows["乙村事项0"][village] == village_b.name
        assert rows["乡镇事项"][village] == ""


def test_the_export_names_township_and_village_of_every_row(
    client, county_user, township_a, village_a, township_b, village_b
):
    _items_in_villages(township_a, village_a, township_b, village_b, 1)
    client.force_login(county_user)
    response = client.get(reverse("remediation:item_list_xlsx", args=["problems"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[4]: row[2:4] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["甲村事项0"] == (township_a.name, village_a.name)
    assert rows["乙村事项0"] == (township_b.name, village_b.name)
    assert rows["乡镇事项"][0] == township_a.name and not rows["乡镇事项"][1]


def test_the_lists_and_export_take_the_same_queries_for_3_or_21_items(
    client, county_user, township_a, village_a, township_b, village_b, django_assert_num_queries
):
    """The township and village columns are read through select_related: no query per row."""
    client.force_login(county_user)
    client.get(reverse("remediation:item_list", args=["ledger"]))  # session, caches
    for count in (1, 10):
        _items_in_villages(township_a, village_a, township_b, village_b, count)
        with django_assert_num_queries(LIST_QUERIES):
            client.get(reverse("remediation:item_list", args=["ledger"]))
        with django_assert_num_queries(EXPORT_QUERIES):
            client.get(reverse("remediation:item_list_xlsx", args=["ledger"]))
        Item.objects.all().delete()


def test_finding_becomes_item_via_page(client, county, county_user, township_a):
    finding = FindingFactory(campaign=CampaignFactory(place=county), township=township_a)
    client.force_login(county_user)
    response = client.post(
        reverse("remediation:item_create_from_finding", args=[finding.pk]),
        {
            "problem": finding.description,
            "responsible_unit_text": "杉城镇卫生院",
            "deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        },
    )
    item = Item.objects.get()
    assert response.status_code == 302
    assert item.finding == finding


def test_past_deadline_shows_chinese_message(client, county, county_user, township_a):
    finding = FindingFactory(campaign=CampaignFactory(place=county), township=township_a)
    client.force_login(county_user)
    response = client.post(
        reverse("remediation:item_create_from_finding", args=[finding.pk]),
        {"problem": "x", "responsible_unit_text": "杉城镇卫生院", "deadline": "2020-01-01"},
    )
    assert "完成时限不能早于今天" in response.content.decode()
    assert Item.objects.count() == 0


def test_closing_own_submission_shows_message(client, county_user, township_a):
    item = ItemFactory(township=township_a)
    services.item_transition(item_id=item.pk, action="start", actor=county_user)
    services.item_transition(
        item_id=item.pk, action="submit", actor=county_user, note="已整改", photos=[image_upload()]
    )
    client.force_login(county_user)
    response = client.post(
        reverse("remediation:item_transition", args=[item.pk]),
        {"action": "close", "expected_state": "submitted"},
        follow=True,
    )
    assert "另一位县级用户" in response.content.decode()
    item.refresh_from_db()
    assert item.state == ItemState.SUBMITTED


def test_stale_page_is_told(client, county_user, township_a):
    item = ItemFactory(township=township_a, state=ItemState.IN_PROGRESS)
    client.force_login(county_user)
    response = client.post(
        reverse("remediation:item_transition", args=[item.pk]),
        {"action": "start", "expected_state": "on_ledger"},
        follow=True,
    )
    assert "其他用户刚刚处理" in response.content.decode()


def test_a_notification_about_an_item_opens_the_item_and_is_read(client, user_a, township_a):
    item = ItemFactory(township=township_a)
    services.notify(recipients=[user_a], kind="new_item", item=item, message="新整改事项")
    note = Notification.objects.get(recipient=user_a)
    client.force_login(user_a)
    badge = client.get(reverse("notifications:notification_count")).content.decode()
    assert 'data-testid="unread-count">1<' in badge
    response = client.post(reverse("notifications:notification_read", args=[note.pk]))
    assert response["Location"] == reverse("remediation:item_detail", args=[item.pk])
    note.refresh_from_db()
    assert note.read_at is not None


def test_disallowed_transition_shows_chinese_message(client, county_user, township_a):
    item = ItemFactory(township=township_a, state=ItemState.IN_PROGRESS)
    client.force_login(county_user)
    response = client.post(
        reverse("remediation:item_transition", args=[item.pk]),
        {"action": "close", "expected_state": "in_progress"},
        follow=True,
    )
    assert "不能执行“核验销号”" in response.content.decode()
    item.refresh_from_db()
    assert item.state == ItemState.IN_PROGRESS


def test_send_back_without_reason_shows_message(client, county_user, user_a, township_a):
    item = ItemFactory(township=township_a)
    services.item_transition(item_id=item.pk, action="start", actor=user_a)
    services.item_transition(
        item_id=item.pk, action="submit", actor=user_a, note="已整改", photos=[image_upload()]
    )
    client.force_login(county_user)
    response = client.post(
        reverse("remediation:item_transition", args=[item.pk]),
        {"action": "send_back", "expected_state": "submitted", "note": ""},
        follow=True,
    )
    assert "退回须填写原因" in response.content.decode()


def test_county_records_a_notice_for_the_accountability_list(client, county_user, township_a):
    item = ItemFactory(township=township_a, overdue_since=dt.date(2026, 1, 5))
    client.force_login(county_user)
    response = client.post(
        reverse("remediation:accountability_create"),
        {
            "kind": "notice",
            "place": township_a.pk,
            "document_number": "泰卫健通〔2026〕7号",
            "held_on": "2026-02-01",
            "reason": "整改逾期",
            "items": [item.pk],
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("remediation:accountability_list")).content.decode()
    assert "泰卫健通〔2026〕7号" in page
    assert "通报" in page


def _evidence_of_a(user_a, township_a, village_a):
    item = ItemFactory(township=township_a, place=village_a)
    services.item_transition(item_id=item.pk, action="start", actor=user_a)
    services.item_transition(
        item_id=item.pk, action="submit", actor=user_a, note="已整改", photos=[image_upload()]
    )
    return item.evidence.get()


def test_evidence_is_refused_to_a_user_covering_the_township_who_may_not_reveal(
    client, user_a, county, township_a, village_a
):
    evidence = _evidence_of_a(user_a, township_a, village_a)
    client.force_login(UserFactory(role=User.Role.CITY_BUREAU, place=county))
    assert client.get(reverse("remediation:evidence", args=[evidence.pk])).status_code == 403


def test_evidence_download_is_audited(client_a, user_a, township_a, village_a):
    evidence = _evidence_of_a(user_a, township_a, village_a)
    client_a.get(reverse("remediation:evidence", args=[evidence.pk]))
    log = FileDownloadLog.objects.get()
    assert (log.user, log.file) == (user_a, evidence.image.name)
