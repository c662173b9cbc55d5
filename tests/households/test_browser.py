"""A township user searches the registry, opens a household, edits a person, sees the history."""

import pytest
from playwright.sync_api import expect

from tests.households.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = "test-results/screenshots"


def test_township_user_edits_a_person_and_sees_the_history(
    page, log_in, live_url, user_a, village_a, village_b
):
    PersonFactory(household=HouseholdFactory(village=village_a, number="HA-BR-1"), name="张浏览")
    PersonFactory(household=HouseholdFactory(village=village_b, number="HB-BR-1"), name="李他乡")
    log_in(user_a)
    page.goto(live_url("households:search"))
    page.locator("#f-q").fill("浏览")
    page.get_by_test_id("search-form").locator("button[type=submit]").click()
    results = page.get_by_test_id("results-table")
    expect(results).to_contain_text("张浏览")
    expect(results).not_to_contain_text("李他乡")
    results.get_by_role("link", name="HA-BR-1").click()
    expect(page.get_by_test_id("household-title")).to_contain_text("HA-BR-1")

    page.get_by_test_id("edit-person").first.click()
    page.locator("#id_name").fill("张浏览改")
    page.get_by_test_id("registry-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("members")).to_contain_text("张浏览改")

    page.get_by_test_id("change-status").first.click()
    page.locator("#id_status").select_option("away")
    page.locator("#id_changed_on").fill("2021-03-04")
    page.locator("#id_reason").fill("外出务工")
    page.get_by_test_id("registry-form").locator("button[type=submit]").click()
    history = page.get_by_test_id("status-history")
    expect(history).to_contain_text("外出务工")
    expect(history).to_contain_text("长期外出")
    expect(history).to_contain_text("2021-03-04")
    page.screenshot(path=f"{SCREENSHOTS}/household-case-file.png", full_page=True)
