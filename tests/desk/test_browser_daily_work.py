"""A day's work on a fresh demo county, as a new user does it in the browser.

A township user on a phone opens an overdue follow-up from the home page, records a full visit
with an unsatisfactory control and finds the patient due again within two weeks; a county user
is stopped before a roster file takes 40% of a township off the roster, applies a correct file,
undoes it and finds every figure as it was.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from healthpov.accounts.models import User
from healthpov.places.demo import DEMO_PASSWORD
from households import selectors as household_selectors
from households.idnumber import make_resident_id
from signing.followups import RECHECK_DAYS

pytestmark = pytest.mark.browser

SCREENSHOTS = "test-results/screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
LEAVING_TOWNSHIP = "朱口镇"
NEWBORN_BIRTH = datetime.date(2026, 1, 15)


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}{reverse('login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form[data-testid=login-form] button[type=submit]").click()
    expect(page.get_by_test_id("current-user")).to_be_attached()


def _collect_errors(page, errors: list[str]) -> None:
    page.on(
        "console",
        lambda message: (
            errors.append(f"console {message.type}: {message.text}")
            if message.type in {"error", "assert"}
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))


def _roster_file(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(household_selectors.EXPORT_HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _current_roster() -> list[list]:
    """The whole county's roster in the roster file's columns, full ID numbers and phones."""
    county = User.objects.get(username="county")
    persons = household_selectors.person_search(
        user=county, filters=household_selectors.PersonFilters()
    ).order_by("pk")
    return list(household_selectors.roster_export_rows(persons=persons, reveal=True))


def _upload(page, base_url: str, path: Path) -> None:
    page.goto(f"{base_url}{reverse('households:import_upload')}")
    form = page.get_by_test_id("upload-form")
    form.locator("select[name=kind]").select_option("roster")
    form.locator("input[name=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已校验", timeout=60_000)


def _county_figures(page, base_url: str) -> dict[str, str]:
    page.goto(f"{base_url}{reverse('home')}")
    return {
        "households": page.get_by_test_id("total-households").inner_text(),
        "persons": page.get_by_test_id("total-persons").inner_text(),
        "tiles": page.get_by_test_id("work-tiles").inner_text(),
        "townships": page.get_by_test_id("place-counts").inner_text(),
    }


def test_a_township_and_a_county_user_do_a_days_work_on_a_fresh_demo(
    page, browser, live_server, browser_errors, tmp_path
):
    call_command("seed_demo", verbosity=0)
    base_url = live_server.url
    today = timezone.localdate()

    # --- A township user on a phone: today's work, an overdue follow-up, a full visit.
    phone_context = browser.new_context(**PHONE)
    phone = phone_context.new_page()
    _collect_errors(phone, browser_errors)
    _log_in(phone, base_url, "shancheng")
    expect(phone.get_by_test_id("work-tiles")).to_be_visible()
    overdue_tile = phone.get_by_test_id("tile-followups_overdue")
    expect(overdue_tile).to_contain_text("逾期随访")
    assert int(overdue_tile.get_attribute("data-count")) > 0
    phone.screenshot(path=f"{SCREENSHOTS}/daily-work-township-home-phone.png", full_page=True)
    overdue_tile.tap()

    first = phone.get_by_test_id("worklist-table").locator("tbody tr").first
    expect(first).to_contain_text("逾期")
    household_number = first.locator("td").nth(2).inner_text().strip()
    patient = first.locator("td").nth(3).inner_text().strip()
    first.get_by_role("link", name="查看").tap()

    expect(phone.get_by_test_id("household-title")).to_contain_text(household_number)
    phone.wait_for_load_state("load")  # the inline forms open through htmx, loaded deferred
    member = phone.get_by_test_id("signing-section").locator(
        "tr[data-testid^=signing-member-]", has_text=patient
    )
    member.get_by_test_id("open-followup").tap()
    form = phone.get_by_test_id("record-form-followup")
    expect(form).to_be_visible()
    visit_on = datetime.date.fromisoformat(form.locator("#id_served_on").input_value())
    form.locator("#id_method").select_option("home")
    form.get_by_test_id("field-symptoms").get_by_label("头痛头晕").check()
    form.locator("#id_systolic").fill("162")
    form.locator("#id_diastolic").fill("98")
    form.locator("#id_weight_kg").fill("68.5")
    form.locator("#id_height_cm").fill("165")
    form.locator("#id_adherence").select_option("intermittent")
    form.locator("#id_classification").select_option("unsatisfactory")
    next_visit = visit_on + datetime.timedelta(days=RECHECK_DAYS)
    form.locator("#id_next_visit_on").fill(next_visit.isoformat())
    form.get_by_test_id("save").tap()
    expect(phone.get_by_text("随访已保存")).to_be_visible()

    phone.goto(f"{base_url}{reverse('signing:worklist', args=['followups'])}")
    phone.locator("#f-q").fill(household_number)
    phone.locator("form.signing-filters button:not([type=button])").first.tap()
    row = phone.get_by_test_id("worklist-table").locator("tbody tr", has_text=patient)
    expect(row).to_contain_text(next_visit.isoformat())
    assert visit_on == today
    phone.screenshot(path=f"{SCREENSHOTS}/daily-work-followups-phone.png", full_page=True)
    phone_context.close()

    # --- A county user: a roster file taking 40% of a township off is stopped; a correct one
    # is applied and undone, and every figure is back.
    _log_in(page, base_url, "county")
    figures_before = _county_figures(page, base_url)
    roster = _current_roster()
    township_column = household_selectors.EXPORT_HEADERS.index("乡镇")
    leaving = [row for row in roster if row[township_column] == LEAVING_TOWNSHIP]
    leaving = leaving[: len(leaving) * 2 // 5]
    staying = [row for row in roster if row not in leaving]
    _upload(page, base_url, _roster_file(tmp_path / "花名册-少了朱口镇.xlsx", staying))
    expect(page.get_by_test_id("confirm-leavers")).to_be_visible()
    expect(page.get_by_test_id("apply-form")).to_contain_text(str(len(leaving)))
    page.screenshot(path=f"{SCREENSHOTS}/daily-work-roster-confirm.png", full_page=True)
    # Declined: the number is not typed, the page is left; nothing was applied.
    page.get_by_test_id("apply-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已校验")
    assert _county_figures(page, base_url) == figures_before

    # The correct file: one phone corrected, one child born into a listed household.
    headers = household_selectors.EXPORT_HEADERS
    roster[0][headers.index("联系电话")] = "13912345678"
    newborn = list(roster[0])
    newborn[headers.index("身份证号")] = make_resident_id("350429", NEWBORN_BIRTH, 777)
    newborn[headers.index("姓名")] = "新生儿"
    newborn[headers.index("出生日期")] = NEWBORN_BIRTH
    newborn[headers.index("与户主关系")] = "之子"
    newborn[headers.index("性别")] = "男"
    newborn[headers.index("联系电话")] = ""
    _upload(page, base_url, _roster_file(tmp_path / "花名册-更正.xlsx", [*roster, newborn]))
    expect(page.get_by_test_id("confirm-leavers")).to_have_count(0)
    expect(page.get_by_test_id("count-persons_changed")).to_have_text("1")
    expect(page.get_by_test_id("count-persons_new")).to_have_text("1")
    page.get_by_test_id("apply-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("applied")).to_be_visible(timeout=60_000)
    batch_url = page.url
    # The figures follow the import (recomputed in the background, no manual step).
    persons_before = int(figures_before["persons"].replace(",", ""))
    page.goto(f"{base_url}{reverse('home')}")
    expect(page.get_by_test_id("total-persons")).to_have_text(str(persons_before + 1))
    expect(page.get_by_test_id("place-counts")).not_to_have_text(figures_before["townships"])

    page.goto(batch_url)
    page.get_by_test_id("undo-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("undone")).to_be_visible(timeout=60_000)
    page.goto(f"{base_url}{reverse('home')}")
    expect(page.get_by_test_id("total-persons")).to_have_text(figures_before["persons"])
    expect(page.get_by_test_id("place-counts")).to_have_text(figures_before["townships"])
    assert _county_figures(page, base_url) == figures_before
