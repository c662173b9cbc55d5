"""In a real browser, the issue's story: an inspector records a finding with a photo, a county
user puts it on the ledger with a deadline, township staff submit evidence, a different county
user closes it; a second item passes its deadline, the beat job marks it overdue and the
township sees it."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from inspections.models import Finding
from remediation import tasks
from remediation.models import Item, ItemState
from tests.inspections.factories import (
    CampaignFactory,
    ChecklistItemFactory,
    InspectionGroupFactory,
)
from tests.remediation.factories import ItemFactory

pytestmark = pytest.mark.browser
SCREENSHOTS = "test-results/screenshots"


def jpeg(colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def switch_user(page, log_in, user):
    # Leave the page first, so its badge request cannot race the next login.
    page.goto("about:blank")
    page.context.clear_cookies()
    log_in(user)


def test_finding_to_closed_item_and_overdue_item(
    page,
    log_in,
    live_url,
    county,
    inspector,
    county_user,
    county_user_2,
    user_a,
    township_a,
    village_a,
    township_b,
):
    today = timezone.localdate()
    campaign = CampaignFactory(
        place=county,
        name="后评估排查督查",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=20),
    )
    InspectionGroupFactory(
        campaign=campaign, name="第一督查组", members=[inspector], places=[township_a]
    )
    ChecklistItemFactory(campaign=campaign, number=1, title="未按规定做好慢性病签约服务")

    # 1. The inspector records a finding with a photo in a village of the group's township.
    log_in(inspector)
    page.goto(live_url("inspections:campaign_detail", campaign.pk))
    page.get_by_test_id("finding-new").click()
    form = page.get_by_test_id("finding-form")
    expect(form.locator("#id_place")).not_to_contain_text(township_b.name)
    form.locator("#id_place").select_option(label=f"— {village_a.name}")
    form.locator("#id_checklist_item").select_option(index=1)
    form.locator("#id_description").fill("3名高血压签约患者本年度无随访记录")
    form.locator("#id_person_times").fill("3")
    form.locator("#id_photos").set_input_files(
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.get_by_test_id("finding-save").click()
    expect(page.get_by_test_id("finding-description")).to_contain_text("无随访记录")
    expect(page.get_by_test_id("finding-photos").locator("img")).to_have_count(1)
    finding = Finding.objects.get()
    page.screenshot(path=f"{SCREENSHOTS}/finding.png", full_page=True)

    # 2. A county user puts it on the ledger with a deadline.
    switch_user(page, log_in, county_user)
    page.goto(live_url("inspections:finding_detail", finding.pk))
    page.get_by_test_id("finding-to-item").click()
    item_form = page.get_by_test_id("item-form")
    item_form.locator("#id_responsible_leader").fill("陈副院长")
    item_form.locator("#id_responsible_unit_text").fill("杉城镇卫生院公卫科")
    item_form.locator("#id_deadline").fill(f"{today + dt.timedelta(days=10):%Y-%m-%d}")
    page.get_by_test_id("item-save").click()
    expect(page.get_by_test_id("item-state")).to_have_text("挂账")
    item = Item.objects.get(finding=finding)

    # 3. Township staff see the new item, start it and submit evidence.
    switch_user(page, log_in, user_a)
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.goto(live_url("remediation:item_detail", item.pk))
    page.get_by_test_id("action-start").locator("button[type=submit]").click()
    expect(page.get_by_test_id("item-state")).to_have_text("整改中")
    submit = page.get_by_test_id("action-submit")
    submit.locator("textarea").fill("已入户补做随访并录入系统")
    submit.locator("input[type=file]").set_input_files(
        {"name": "随访.jpg", "mimeType": "image/jpeg", "buffer": jpeg((40, 160, 60))}
    )
    submit.locator("button[type=submit]").click()
    expect(page.get_by_test_id("item-state")).to_have_text("待核验")
    expect(page.get_by_test_id("item-evidence").locator("img")).to_have_count(1)

    # 4. A different county user verifies and closes it.
    switch_user(page, log_in, county_user_2)
    page.goto(live_url("remediation:item_detail", item.pk))
    page.get_by_test_id("action-close").locator("button[type=submit]").click()
    expect(page.get_by_test_id("item-state")).to_have_text("销号")
    expect(page.get_by_test_id("item-history")).to_contain_text("核验销号")
    page.screenshot(path=f"{SCREENSHOTS}/item-closed.png", full_page=True)
    assert Item.objects.get(pk=item.pk).state == ItemState.CLOSED

    # 5. A second item passes its deadline; the beat job marks it overdue; the township sees it.
    late = ItemFactory(
        township=township_a, problem="村卫生室门诊日志缺失", deadline=today - dt.timedelta(days=1)
    )
    tasks.mark_overdue()
    switch_user(page, log_in, user_a)
    page.goto(live_url("remediation:item_list", "ledger"))
    row = page.get_by_test_id(f"item-row-{late.pk}")
    expect(row).to_contain_text("村卫生室门诊日志缺失")
    expect(row.get_by_test_id("overdue-badge")).to_have_text("逾期")
    page.get_by_test_id("nav-notifications").click()
    expect(page.get_by_test_id("notification-list")).to_contain_text("已逾期")
    page.screenshot(path=f"{SCREENSHOTS}/overdue.png", full_page=True)
