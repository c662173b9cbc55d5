"""The Django admin works under our CSP, in Chinese."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_admin_index_and_place_list_in_chinese(page, log_in, live_url, admin_user, village_a):
    log_in(admin_user)
    page.goto(live_url("admin:index"))
    expect(page.locator("#site-name")).to_contain_text("健康扶贫管理系统")
    expect(page.get_by_role("link", name="地区", exact=True).first).to_be_visible()
    page.goto(live_url("admin:places_place_changelist"))
    expect(page.locator("#result_list")).to_contain_text("南会村")
    page.goto(live_url("admin:places_place_history", village_a.pk))
    expect(page.locator("#content")).to_be_visible()
    page.screenshot(path="test-results/screenshots/admin-places.png", full_page=True)
