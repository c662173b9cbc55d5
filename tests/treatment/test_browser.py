"""In a real browser: record a refusal with its proof, then a follow-up call, and see the case
leave the "no call for 90 days" list."""

import datetime
import importlib.util

import pytest
from playwright.sync_api import expect

from tests.treatment.factories import CaseFactory, PersonFactory
from treatment.models import MajorIllnessCase

# The harness (page, log_in, live_url) comes from tests/browser_conftest.py of the ui work.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tests.browser_conftest") is None,
    reason="the browser harness tests/browser_conftest.py is not on this branch yet",
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.browser
def test_refusal_with_proof_then_call_leaves_the_no_call_list(
    page, log_in, live_url, user_a, village_a
):
    person = PersonFactory(household__village=village_a, name="先心患儿甲")
    case = CaseFactory(person=person, screening_date=datetime.date(2018, 2, 26))
    log_in(user_a)

    page.goto(live_url("treatment:no_call_list"))
    expect(page.get_by_test_id("no-call-table")).to_contain_text("先心患儿甲")

    page.get_by_role("link", name="先心患儿甲").click()
    page.get_by_test_id("record-refusal").click()
    page.locator("#id_reason").fill("随父母外出务工,常住广东佛山,拒绝回乡治疗")
    page.locator("#id_note").fill("电话告知大病专项救治政策")
    page.locator("#id_proof").set_input_files(
        {"name": "告知书.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_test_id("refusal-form").locator("button[type=submit]").click()

    expect(page.get_by_test_id("case-status")).to_have_text("拒绝")
    expect(page.get_by_test_id("refusal-proof")).to_be_visible()

    page.get_by_test_id("call-form").locator("#id_note").fill("再次电话回访,家长仍不回乡")
    page.get_by_test_id("call-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("再次电话回访")

    page.goto(live_url("treatment:no_call_list"))
    expect(page.get_by_test_id("no-call-table")).not_to_contain_text("先心患儿甲")
    assert MajorIllnessCase.objects.get(pk=case.pk).refusal_proof.name.endswith(".pdf")
