"""Today's work on a phone: the tiles fit the screen and each opens its list."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SCREENSHOTS = "test-results/screenshots"


def test_township_user_on_a_phone_opens_overdue_follow_ups_from_home(page, log_in, user_a, work):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(user_a)
    tiles = page.get_by_test_id("work-tiles")
    expect(tiles).to_be_visible()
    # No sideways scrolling: the tiles wrap inside the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{SCREENSHOTS}/home-township-work-phone.png", full_page=True)
    overdue = page.get_by_test_id("tile-followups_overdue")
    expect(overdue).to_contain_text("逾期随访")
    expect(overdue).to_contain_text("2")
    overdue.click()
    expect(page.get_by_test_id("worklist-total")).to_have_text("2")
