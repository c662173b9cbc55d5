"""The county dashboard in a real browser: charts render and a figure opens its list."""

import pytest
from playwright.sync_api import expect

from coverage.services import recompute_coverage
from tests.coverage.factories import AS_OF, YEAR, build_world

pytestmark = pytest.mark.browser

SCREENSHOTS = "test-results/screenshots"


@pytest.fixture
def world(village_a, village_b):
    w = build_world(village_a, village_b)
    recompute_coverage(year=YEAR, as_of=AS_OF)
    return w


def test_county_dashboard_charts_and_drilldown(page, log_in, live_url, county_user, county, world):
    log_in(county_user)
    page.goto(live_url("coverage:place", pk=county.pk) + f"?year={YEAR}")
    expect(page.locator("#coverage-bar canvas")).to_be_visible()
    expect(page.locator("#coverage-bar")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#coverage-trend")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("ranking")).to_contain_text("杉城镇")
    page.screenshot(path=f"{SCREENSHOTS}/coverage-county.png", full_page=True)

    signed = page.get_by_test_id("count-signed").locator("a.coverage-figure")
    expect(signed).to_have_text("4")
    signed.click()
    expect(page.get_by_test_id("drilldown-count")).to_have_attribute("data-count", "4")
    expect(page.get_by_test_id("drilldown-row")).to_have_count(4)


def test_recompute_button_shows_the_finished_run(
    page, log_in, live_url, county_user, county, world
):
    log_in(county_user)
    page.goto(live_url("coverage:place", pk=county.pk) + f"?year={YEAR}")
    page.get_by_test_id("recompute").click()
    expect(page.get_by_test_id("recompute-run")).to_have_attribute("data-status", "done")
