"""Issue 4's browser test: a township user opens a household from a work list, signs a member
electronically, records a follow-up and a brochure, and sees the work lists change."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from signing.models import Contract, FulfilmentKind, FulfilmentRecord, SignMethod
from tests.signing.factories import (
    ChronicRegistrationFactory,
    HouseholdFactory,
    PersonFactory,
    RosterEntryFactory,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = "test-results/screenshots"


@pytest.fixture
def household(village_a):
    household = HouseholdFactory(village=village_a, number="35042900990001", head_name="张三")
    patient = PersonFactory(household=household, name="张三")
    # Registered this quarter: only the current quarter's follow-up is due.
    today = timezone.localdate()
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    ChronicRegistrationFactory(person=patient, diagnosed_on=quarter_start)
    other = PersonFactory(household=household, name="李四")
    RosterEntryFactory(person=patient)
    RosterEntryFactory(person=other)
    return household


def test_sign_follow_up_and_brochure_change_the_work_lists(
    page, live_server, log_in, user_a, household
):
    patient = household.members.get(name="张三")
    log_in(user_a)

    page.goto(f"{live_server.url}/signing/lists/")
    expect(page.get_by_test_id("worklist-count-unsigned")).to_have_text("2")
    expect(page.get_by_test_id("worklist-count-followups")).to_have_text("1")

    page.get_by_test_id("worklist-unsigned").click()
    table = page.get_by_test_id("worklist-table")
    expect(table).to_contain_text("张三")
    table.get_by_role("row").filter(has_text="张三").get_by_role("link").click()

    member = page.get_by_test_id(f"signing-member-{patient.pk}")
    member.get_by_test_id("open-contract").click()
    form = page.get_by_test_id("record-form-contract")
    form.get_by_test_id("field-method").select_option(SignMethod.ELECTRONIC.value)
    form.get_by_test_id("save").click()
    expect(page.get_by_test_id("saved-message")).to_be_visible()
    expect(member.get_by_test_id("contract-badge")).to_contain_text("电子")

    member.get_by_test_id("open-followup").click()
    page.get_by_test_id("record-form-followup").get_by_test_id("save").click()
    expect(page.get_by_test_id("saved-message")).to_contain_text("随访")
    expect(member.get_by_test_id("followup-periods")).to_contain_text("✓")

    page.get_by_test_id("open-fulfilment").click()
    form = page.get_by_test_id("record-form-fulfilment")
    form.get_by_label("张三").check()  # locators wait for the form; .all() would not
    form.get_by_label("李四").check()
    form.get_by_test_id("field-kind").select_option(FulfilmentKind.BROCHURE.value)
    form.get_by_test_id("save").click()
    expect(page.get_by_test_id("saved-message")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/signing-household.png", full_page=True)

    page.goto(f"{live_server.url}/signing/lists/")
    expect(page.get_by_test_id("worklist-count-unsigned")).to_have_text("1")
    expect(page.get_by_test_id("worklist-count-followups")).to_have_text("0")
    page.screenshot(path=f"{SCREENSHOTS}/signing-worklists.png", full_page=True)

    contract = Contract.objects.get()
    assert (contract.person, contract.method) == (patient, SignMethod.ELECTRONIC)
    assert FulfilmentRecord.objects.filter(kind=FulfilmentKind.BROCHURE).count() == 1
