import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from healthpov.notifications.models import Notification
from remediation import services
from remediation.models import (
    Item,
    ItemEvidence,
    ItemSource,
    ItemState,
    ItemTransition,
    ProgressReport,
    Revisit,
)
from tests.inspections.factories import CampaignFactory, FindingFactory, image_upload
from tests.remediation.factories import ItemFactory

A = ItemTransition.Action


def create(actor, place, **kwargs):
    defaults = {
        "source": ItemSource.FEEDBACK,
        "feedback_document": "卫巡办通〔2026〕5号",
        "problem": "部分贫困人口不知道自己的家庭签约医生",
        "deadline": timezone.localdate() + dt.timedelta(days=30),
        "responsible_unit_text": "医政医改科",
    }
    defaults.update(kwargs)
    return services.item_create(place=place, actor=actor, **defaults)


def step(item, action, actor, **kwargs):
    return services.item_transition(item_id=item.pk, action=action, actor=actor, **kwargs)


def submitted_item(township, actor):
    item = ItemFactory(township=township)
    step(item, A.START, actor)
    return step(item, A.SUBMIT, actor, note="已入户补签", photos=[image_upload()])


def test_item_from_finding_takes_its_place_and_notifies_unit(
    county, county_user, user_a, township_a, village_a
):
    finding = FindingFactory(
        campaign=CampaignFactory(place=county), township=township_a, place=village_a
    )
    item = create(
        county_user, finding.place, source=ItemSource.FINDING, finding=finding, feedback_document=""
    )
    assert item.township == township_a
    assert item.state == ItemState.ON_LEDGER
    assert Notification.objects.get(recipient=user_a).kind == Notification.Kind.NEW_ITEM
    assert item.transitions.get().action == A.CREATE


def test_deadline_in_the_past_is_refused(county_user, township_a):
    with pytest.raises(ValidationError) as info:
        create(county_user, township_a, deadline=timezone.localdate() - dt.timedelta(days=1))
    assert "deadline" in info.value.message_dict
    assert Item.objects.count() == 0


def test_feedback_needs_document_number(county_user, township_a):
    with pytest.raises(ValidationError) as info:
        create(county_user, township_a, feedback_document=" ")
    assert "feedback_document" in info.value.message_dict


def test_township_staff_cannot_put_items_on_ledger(user_a, township_a):
    with pytest.raises(PermissionError):
        create(user_a, township_a)


def test_full_cycle_closed_by_another_county_user(county_user, county_user_2, user_a, township_a):
    item = submitted_item(township_a, user_a)
    assert item.state == ItemState.SUBMITTED
    assert item.evidence.count() == 1
    closed = step(item, A.CLOSE, county_user_2, expected_state=ItemState.SUBMITTED)
    assert closed.state == ItemState.CLOSED
    assert closed.closed_by == county_user_2
    actions = list(closed.transitions.values_list("action", flat=True))
    assert actions == [A.START, A.SUBMIT, A.CLOSE]


def test_county_user_cannot_close_own_submission(county_user, township_a):
    item = submitted_item(township_a, county_user)
    with pytest.raises(ValidationError, match=r"另一位县级用户|another county user"):
        step(item, A.CLOSE, county_user)
    item.refresh_from_db()
    assert item.state == ItemState.SUBMITTED
    assert item.transitions.filter(action=A.CLOSE).count() == 0


def test_township_staff_cannot_close(user_a, township_a):
    item = submitted_item(township_a, user_a)
    with pytest.raises(PermissionError):
        step(item, A.CLOSE, user_a)


def test_close_from_in_progress_is_not_allowed(county_user, township_a):
    item = ItemFactory(township=township_a, state=ItemState.IN_PROGRESS)
    with pytest.raises(services.TransitionError, match=r"不能|not possible"):
        step(item, A.CLOSE, county_user)
    item.refresh_from_db()
    assert item.state == ItemState.IN_PROGRESS


def test_send_back_needs_reason(county_user, user_a, township_a):
    item = submitted_item(township_a, user_a)
    with pytest.raises(ValidationError) as info:
        step(item, A.SEND_BACK, county_user, note="  ")
    assert "note" in info.value.message_dict


def test_send_back_returns_to_in_progress_and_notifies_unit(county_user, user_a, township_a):
    item = submitted_item(township_a, user_a)
    back = step(item, A.SEND_BACK, county_user, note="佐证照片不清晰")
    assert back.state == ItemState.IN_PROGRESS
    assert Notification.objects.filter(recipient=user_a, kind=Notification.Kind.SENT_BACK).exists()
    assert back.transitions.last().note == "佐证照片不清晰"


def test_submit_needs_evidence_photo(user_a, township_a):
    item = ItemFactory(township=township_a, state=ItemState.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        step(item, A.SUBMIT, user_a, note="已整改")
    assert "photos" in info.value.message_dict


def test_submit_with_non_image_saves_nothing(user_a, township_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = ItemFactory(township=township_a, state=ItemState.IN_PROGRESS)
    with pytest.raises(ValidationError):
        step(item, A.SUBMIT, user_a, note="已整改", photos=[SimpleUploadedFile("x.png", b"<svg/>")])
    item.refresh_from_db()
    assert item.state == ItemState.IN_PROGRESS
    assert ItemEvidence.objects.count() == 0


def test_stale_page_is_told_someone_else_acted(county_user, county_user_2, user_a, township_a):
    item = submitted_item(township_a, user_a)
    step(item, A.SEND_BACK, county_user, note="材料不全", expected_state=ItemState.SUBMITTED)
    with pytest.raises(services.TransitionConflict, match=r"其他用户|Someone else"):
        step(item, A.CLOSE, county_user_2, expected_state=ItemState.SUBMITTED)
    item.refresh_from_db()
    assert item.state == ItemState.IN_PROGRESS


def test_deadlines_mark_overdue_once_and_notify_unit_and_county(county_user, user_a, township_a):
    today = timezone.localdate()
    item = ItemFactory(township=township_a, deadline=today - dt.timedelta(days=1))
    first = services.items_process_deadlines(today=today)
    second = services.items_process_deadlines(today=today)
    item.refresh_from_db()
    assert item.overdue_since == today
    assert first["marked_overdue"] == 1 and second["marked_overdue"] == 0
    overdue = Notification.objects.filter(
        kind=Notification.Kind.OVERDUE, link=reverse("remediation:item_detail", args=[item.pk])
    )
    assert set(overdue.values_list("recipient__username", flat=True)) == {
        user_a.username,
        county_user.username,
    }


def test_closed_item_is_never_overdue(township_a):
    today = timezone.localdate()
    item = ItemFactory(
        township=township_a, deadline=today - dt.timedelta(days=3), state=ItemState.CLOSED
    )
    services.items_process_deadlines(today=today)
    item.refresh_from_db()
    assert item.overdue_since is None


def test_due_within_seven_days_reminded_once(user_a, user_b, township_a):
    today = timezone.localdate()
    ItemFactory(township=township_a, deadline=today + dt.timedelta(days=5))
    ItemFactory(township=township_a, deadline=today + dt.timedelta(days=20))
    services.items_process_deadlines(today=today)
    services.items_process_deadlines(today=today)
    assert Notification.objects.filter(kind=Notification.Kind.DUE_SOON).count() == 1
    assert Notification.objects.get(kind=Notification.Kind.DUE_SOON).recipient == user_a


def test_email_sent_when_enabled(
    settings, user_a, county_user, township_a, django_capture_on_commit_callbacks
):
    settings.EMAIL_NOTIFICATIONS = True
    user_a.email = "staff-a@example.org"
    user_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        create(county_user, township_a)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["staff-a@example.org"]
    assert Notification.objects.get(recipient=user_a).emailed_at is not None


def test_no_email_when_disabled(
    settings, user_a, county_user, township_a, django_capture_on_commit_callbacks
):
    settings.EMAIL_NOTIFICATIONS = False
    user_a.email = "staff-a@example.org"
    user_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        create(county_user, township_a)
    assert mail.outbox == []


def test_revisit_created_six_months_after_closing_once(county_user, township_a):
    closed_at = timezone.make_aware(dt.datetime(2026, 1, 31, 10))
    item = ItemFactory(township=township_a, state=ItemState.CLOSED, closed_at=closed_at)
    assert services.revisits_create_due(today=dt.date(2026, 7, 30)) == 0
    assert services.revisits_create_due(today=dt.date(2026, 7, 31)) == 1
    assert services.revisits_create_due(today=dt.date(2026, 8, 1)) == 0
    assert Revisit.objects.get().item == item
    assert Revisit.objects.get().due_on == dt.date(2026, 7, 31)


def test_recurred_problem_reopens_as_new_linked_item(county_user, township_a):
    item = ItemFactory(township=township_a, state=ItemState.CLOSED, closed_at=timezone.now())
    revisit = Revisit.objects.create(item=item, due_on=timezone.localdate())
    done = services.revisit_complete(
        revisit_id=revisit.pk,
        recurred=True,
        note="仍有未随访人员",
        actor=county_user,
        deadline=timezone.localdate() + dt.timedelta(days=15),
    )
    assert done.new_item.reopened_from == item
    assert done.new_item.source == ItemSource.REVISIT
    assert done.new_item.state == ItemState.ON_LEDGER
    with pytest.raises(services.TransitionConflict):
        services.revisit_complete(
            revisit_id=revisit.pk, recurred=False, note="x", actor=county_user
        )


def test_weekly_report_is_kept_and_rebuilt_idempotently(county, township_a, township_b):
    ItemFactory(township=township_a)
    ItemFactory(township=township_b, state=ItemState.CLOSED, closed_at=timezone.now())
    today = timezone.localdate()
    first = services.progress_report_build(
        kind=ProgressReport.Kind.WEEKLY, county_id=county.pk, today=today
    )
    second = services.progress_report_build(
        kind=ProgressReport.Kind.WEEKLY, county_id=county.pk, today=today
    )
    assert first.pk == second.pk
    assert second.data["totals"]["total"] == 2
    assert second.data["totals"]["closed_in_period"] == 1
    assert [t["township"] for t in second.data["townships"]] == [township_a.name, township_b.name]


def test_monthly_report_covers_last_month(county):
    report = services.progress_report_build(
        kind=ProgressReport.Kind.MONTHLY, county_id=county.pk, today=dt.date(2026, 3, 1)
    )
    assert (report.period_start, report.period_end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_accountability_items_must_match_unit_township(county_user, township_a, township_b):
    item_b = ItemFactory(township=township_b)
    with pytest.raises(ValidationError):
        services.accountability_record(
            kind="notice",
            place=township_a,
            held_on=timezone.localdate(),
            reason="整改不力",
            items=[item_b],
            actor=county_user,
        )


def test_add_months_clamps_to_month_end():
    assert services.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
