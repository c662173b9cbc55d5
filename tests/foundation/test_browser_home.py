"""The first browser tests: log in through the form and land on the role's home page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SCREENSHOTS = "test-results/screenshots"


def test_township_user_sees_township_home_in_chinese(page, log_in, user_a, village_a, village_b):
    log_in(user_a)
    expect(page.get_by_test_id("home-township")).to_have_text("杉城镇")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("link", name="首页")).to_be_visible()
    table = page.get_by_test_id("place-counts")
    expect(table).to_contain_text("南会村")
    expect(table).not_to_contain_text("朱口村")
    page.screenshot(path=f"{SCREENSHOTS}/home-township.png", full_page=True)


def test_county_user_sees_townships_table_in_chinese(
    page, log_in, county_user, village_a, village_b
):
    log_in(county_user)
    expect(page.get_by_test_id("home-county")).to_contain_text("工作概况")
    table = page.get_by_test_id("place-counts")
    expect(table).to_contain_text("杉城镇")
    expect(table).to_contain_text("朱口镇")
    page.screenshot(path=f"{SCREENSHOTS}/home-county.png", full_page=True)


def test_phone_shows_collapsed_navigation(page, log_in, user_a):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(user_a)
    toggle = page.get_by_test_id("nav-toggle")
    expect(toggle).to_be_visible()
    expect(page.get_by_test_id("main-nav")).to_be_hidden()
    toggle.click()
    expect(page.get_by_test_id("main-nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.get_by_role("link", name="首页")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/home-phone.png", full_page=True)


def test_language_switch_turns_the_page_english(page, log_in, user_a):
    log_in(user_a)
    page.get_by_test_id("language-switch").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()


def test_log_out_returns_to_login(page, log_in, log_out, live_url, user_a):
    log_in(user_a)
    log_out()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.goto(live_url("home"))
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_api_docs_load_without_csp_violation(page, log_in, live_url, user_a):
    log_in(user_a)
    page.goto(live_url("api-docs"))
    expect(page.locator("#swagger-ui .info")).to_be_visible(timeout=15_000)
    expect(page.locator("#swagger-ui")).to_contain_text("/api/places/")


def test_print_layout_hides_navigation(page, log_in, user_a, village_a):
    log_in(user_a)
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_test_id("place-counts")).to_be_visible()
    page.pdf(path=f"{SCREENSHOTS}/home-township.pdf", format="A4")


def test_login_page_switches_to_english(page, live_url, db):
    page.goto(live_url("login"))
    expect(page.get_by_label("用户名")).to_be_visible()
    page.get_by_test_id("language-switch").get_by_role("button").click()
    expect(page.get_by_label("Username")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/login-en.png")
