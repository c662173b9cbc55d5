"""Field work on a phone without a connection (issue "Field work on a phone", Done when).

A village doctor takes her villages offline, loses the connection, reloads the field page,
records a follow-up and a brochure for two households, closes the page and opens it again,
and the records arrive once the connection returns, exactly once; a record the server
refuses is shown with its message, corrected and sent again; logging out (or the session's
idle timeout) erases the offline data, and unsent records are kept only when she says so and
are never sent under another user. The service worker needs a secure context:
http://localhost counts, so the live server's address serves.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from desk.models import FieldSubmission
from signing.models import FollowUpVisit, FulfilmentKind, FulfilmentRecord
from tests.browser_conftest import TEST_PASSWORD
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.signing.factories import ChronicRegistrationFactory, RosterEntryFactory, hypertension

pytestmark = pytest.mark.browser

SCREENSHOTS = "test-results/screenshots"

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}

# Run in the page: what the offline store holds, store by store.
STORE_COUNTS = """async () => {
  const names = (await indexedDB.databases()).map((db) => db.name);
  if (!names.includes("healthpov-offline")) return {packages: 0, queue: 0, meta: 0, states: []};
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("healthpov-offline");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const all = (name) => new Promise((resolve) => {
    const request = db.transaction(name).objectStore(name).getAll();
    request.onsuccess = () => resolve(request.result);
  });
  const [packages, queue, meta] = [await all("packages"), await all("queue"), await all("meta")];
  db.close();
  return {packages: packages.length, queue: queue.length, meta: meta.length,
          states: queue.map((r) => [r.state, r.queued_by, !!r.kept])};
}"""

# Run in the page: every record back to "pending", as a phone that never heard the answer.
ALL_PENDING_AGAIN = """async () => {
  const db = await new Promise((resolve) => {
    const request = indexedDB.open("healthpov-offline");
    request.onsuccess = () => resolve(request.result);
  });
  await new Promise((resolve) => {
    const tx = db.transaction("queue", "readwrite");
    const store = tx.objectStore("queue");
    store.getAll().onsuccess = (event) => {
      event.target.result.forEach((r) => { r.state = "pending"; store.put(r); });
    };
    tx.oncomplete = resolve;
  });
  db.close();
}"""

SHELL_KEPT = """async () =>
  !!(await caches.match("/field/", {ignoreSearch: true, ignoreVary: true}))"""


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, **PHONE}


@pytest.fixture
def villages(cast) -> SimpleNamespace:
    """Two households of village A, each head a hypertension patient on the year's roster."""
    year = timezone.localdate().year
    disease = hypertension(year)
    heads = []
    for number, name in (("3504290010020030045", "欧阳建国"), ("3504290010020030046", "司马玉兰")):
        household = HouseholdFactory(village=cast.village_a, number=number, head_name=name)
        head = PersonFactory(household=household, name=name, phone="13812345678")
        RosterEntryFactory(person=head, year=year)
        ChronicRegistrationFactory(person=head, disease=disease, diagnosed_on=dt.date(2000, 1, 1))
        heads.append(head)
    return SimpleNamespace(heads=heads, households=[head.household for head in heads])


def wait_until(page: Any, script: str, *, timeout: float = 15.0) -> Any:
    """Poll ``script`` in the page until it answers truthy (wait_for_function is blocked by
    the CSP; evaluate is not)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value or time.monotonic() > deadline:
            assert value, f"timed out waiting for {script}"
            return value
        page.wait_for_timeout(100)


def stores_until(page: Any, done: Callable[[dict], bool], *, timeout: float = 15.0) -> dict:
    """Poll what the offline store holds until ``done`` says so."""
    deadline = time.monotonic() + timeout
    while True:
        held = page.evaluate(STORE_COUNTS)
        if done(held) or time.monotonic() > deadline:
            assert done(held), held
            return held
        page.wait_for_timeout(100)


def take_offline(page: Any, live_server: Any) -> None:
    """From the home page: download, open the field page, wait until it would open offline."""
    page.get_by_test_id("home-download").click()
    expect(page.get_by_test_id("home-download")).to_have_attribute("data-downloaded", "1")
    expect(page.locator("#offline-status")).to_contain_text("已下载")
    page.goto(f"{live_server.url}{reverse('field')}")
    ready = page.locator("body[data-offline-ready='1']")
    try:
        ready.wait_for(state="attached", timeout=15_000)
    except PlaywrightTimeoutError:
        # Now and then headless Chromium leaves the page uncontrolled although the worker is
        # installed (cause not found; seen since the test was written): a user opening the
        # page again gets it controlled, and so does this test.
        page.reload()
    expect(page.locator("body")).to_have_attribute("data-offline-ready", "1", timeout=30_000)
    wait_until(page, SHELL_KEPT)


def assert_fits_the_phone(page: Any) -> None:
    """No sideways scroll at 390 px (the measure of tests/foundation/test_browser_phone.py)."""
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], (page.url, width)


def open_household(page: Any, head_name: str) -> None:
    page.get_by_test_id("field-brand").click()
    assert_fits_the_phone(page)
    page.get_by_test_id("village").first.click()
    assert_fits_the_phone(page)
    page.get_by_test_id("household").filter(has_text=head_name).click()
    expect(page.get_by_test_id("field-household-title")).to_contain_text(head_name)
    expect(page.get_by_test_id("member").first).to_be_visible()
    assert_fits_the_phone(page)


def record_followup(page: Any, head_name: str, *, served_on: str | None = None) -> None:
    open_household(page, head_name)
    page.get_by_test_id("member").filter(has_text=head_name).get_by_test_id(
        "person-form-followup"
    ).click()
    form = page.get_by_test_id("field-form")
    assert_fits_the_phone(page)
    if served_on is not None:
        form.locator("[name=served_on]").fill(served_on)
    form.locator("[name=systolic]").fill("135")
    form.locator("[name=diastolic]").fill("85")
    page.get_by_test_id("field-form-save").click()
    expect(page.get_by_test_id("field-household-title")).to_be_visible()


def record_brochure(page: Any, head_name: str) -> None:
    open_household(page, head_name)
    page.get_by_test_id("household-form-fulfilment").click()
    form = page.get_by_test_id("field-form")
    form.locator("[name=kind]").select_option("brochure")
    form.get_by_label(head_name).check()
    page.get_by_test_id("field-form-save").click()
    expect(page.get_by_test_id("brochure-state")).to_have_text("宣传册已记录,待上传")


def arrived(villages: SimpleNamespace) -> tuple[int, int, int]:
    followups = FulfilmentRecord.objects.filter(
        person=villages.heads[0], kind=FulfilmentKind.FOLLOW_UP
    )
    brochures = FulfilmentRecord.objects.filter(
        person__household=villages.households[1], kind=FulfilmentKind.BROCHURE
    )
    return followups.count(), brochures.count(), FieldSubmission.objects.count()


def no_network(context) -> None:
    """Offline, and the sync refused at the network too: Chromium may let a page opened in an
    offline context load and send before its emulated offline state applies (seen once under
    load), which a real phone without signal never does."""
    context.route("**/api/field/sync/", lambda route: route.abort("internetdisconnected"))
    context.set_offline(True)


def network_back(context) -> None:
    context.unroute("**/api/field/sync/")
    context.set_offline(False)


def test_records_made_offline_arrive_exactly_once(
    page, context, live_server, log_in, cast, villages
):
    log_in(cast.village_doctor_a)
    take_offline(page, live_server)

    no_network(context)
    page.reload()
    expect(page.get_by_test_id("field-network")).to_have_text("离线")
    expect(page.locator("body")).to_have_attribute("data-field-loaded", "1")
    record_followup(page, "欧阳建国")
    page.screenshot(path=f"{SCREENSHOTS}/field-household-offline-phone.png", full_page=True)
    record_brochure(page, "司马玉兰")
    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 2 条")

    # Closed and opened again, still without a connection: the records are still there.
    page.close()
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('field')}")
    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 2 条")
    assert arrived(villages) == (0, 0, 0)

    network_back(context)
    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 0 条")
    assert arrived(villages) == (1, 1, 2)
    visit = FollowUpVisit.objects.get(record__person=villages.heads[0])
    assert (visit.systolic, visit.diastolic) == (135, 85)
    assert page.evaluate(STORE_COUNTS)["states"] == [["sent", cast.village_doctor_a.pk, False]] * 2

    # A phone that never heard the answer sends them again: nothing is saved twice.
    page.evaluate(ALL_PENDING_AGAIN)
    page.get_by_test_id("field-sync").click()
    expect(page.get_by_test_id("field-status")).to_contain_text("已上传 2 条")
    assert arrived(villages) == (1, 1, 2)


def test_a_refused_record_shows_the_message_and_is_sent_once_corrected(
    page, context, live_server, log_in, cast, villages
):
    log_in(cast.village_doctor_a)
    take_offline(page, live_server)
    context.set_offline(True)
    page.reload()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    record_followup(page, "欧阳建国", served_on=tomorrow)
    record_brochure(page, "司马玉兰")

    context.set_offline(False)
    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 1 条")
    assert arrived(villages) == (0, 1, 1)
    page.get_by_test_id("field-brand").click()
    expect(page.get_by_test_id("field-refused-alert")).to_be_visible()
    refused = page.locator("[data-testid=record][data-state=refused]")
    expect(refused.get_by_test_id("record-state")).to_have_text("被退回")
    expect(refused.get_by_test_id("record-message")).to_have_text("随访日期不能晚于今天。")

    page.screenshot(path=f"{SCREENSHOTS}/field-refused-phone.png", full_page=True)
    refused.get_by_test_id("record-edit").click()
    form = page.get_by_test_id("field-form")
    page.screenshot(path=f"{SCREENSHOTS}/field-refused-form-phone.png", full_page=True)
    # The service's rule (not a field's): named above the form, as the online form does.
    expect(page.get_by_test_id("field-form-errors")).to_contain_text("随访日期不能晚于今天。")
    expect(form.locator("[name=systolic]")).to_have_value("135")
    form.locator("[name=served_on]").fill(timezone.localdate().isoformat())
    page.get_by_test_id("field-form-save").click()

    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 0 条")
    assert arrived(villages) == (1, 1, 2)
    assert FollowUpVisit.objects.get(record__person=villages.heads[0]).systolic == 135


def test_logout_erases_the_offline_data(
    page, context, live_server, log_in, log_out, cast, villages
):
    log_in(cast.village_doctor_a)
    take_offline(page, live_server)
    context.set_offline(True)
    page.reload()
    record_brochure(page, "司马玉兰")
    context.set_offline(False)
    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 0 条")
    assert page.evaluate(STORE_COUNTS)["packages"] == 1

    page.get_by_test_id("field-home").click()
    # The menu is opened on the home page, not on the field page it is leaving.
    page.wait_for_url(f"{live_server.url}{reverse('home')}")
    log_out()
    expect(page.locator("[data-testid=login-form]")).to_be_visible()
    assert page.evaluate(STORE_COUNTS) == {"packages": 0, "queue": 0, "meta": 0, "states": []}


def test_unsent_records_are_kept_on_logout_only_when_confirmed_and_never_sent_by_another_user(
    page, context, live_server, log_in, log_out, cast, villages
):
    log_in(cast.village_doctor_a)
    take_offline(page, live_server)
    context.set_offline(True)
    page.reload()
    record_brochure(page, "司马玉兰")
    # Sent at once; what was sent makes the page fetch its package again, which must have
    # answered before the connection goes: cut mid-download, Chromium reports the failed load
    # as a console error (the page itself says nothing of it).
    with page.expect_response(lambda response: response.url.endswith("/api/field/package/")):
        context.set_offline(False)
        expect(page.get_by_test_id("queue-count")).to_have_text("待上传 0 条")
    context.set_offline(True)
    record_followup(page, "欧阳建国")
    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 1 条")
    # Back online, the server does not get to answer before she signs out: the follow-up is
    # still to send.
    page.route(
        "**/api/field/sync/",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body='{"results": []}'
        ),
    )
    context.set_offline(False)
    page.get_by_test_id("field-home").click()
    # The menu is opened on the home page, not on the field page it is leaving.
    page.wait_for_url(f"{live_server.url}{reverse('home')}")

    dialogs: list[str] = []

    def keep(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", keep)
    log_out()
    expect(page.locator("[data-testid=login-form]")).to_be_visible()
    assert len(dialogs) == 1 and "1 条" in dialogs[0], dialogs
    held = page.evaluate(STORE_COUNTS)
    assert held["packages"] == 0
    assert held["states"] == [["pending", cast.village_doctor_a.pk, True]]
    page.unroute("**/api/field/sync/")

    # Another user signs in on the phone: the kept record is not sent under them.
    log_in(cast.user_a)
    page.goto(f"{live_server.url}{reverse('field')}")
    expect(page.get_by_test_id("field-others")).to_contain_text("1 条")
    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 0 条")
    assert arrived(villages)[0] == 0

    # She signs in again: her record is sent.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}{reverse('home')}")
    log_out()
    expect(page.locator("[data-testid=login-form]")).to_be_visible()
    log_in(cast.village_doctor_a)
    expect(page.get_by_test_id("nav-queue-count")).to_be_hidden()
    stores_until(page, lambda held: all(state == "sent" for state, *_ in held["states"]))
    assert arrived(villages)[0] == 1


def test_the_idle_timeout_erases_the_offline_data(
    page, context, live_server, log_in, cast, villages, settings
):
    log_in(cast.village_doctor_a)
    take_offline(page, live_server)
    settings.SESSION_IDLE_SECONDS = 1
    time.sleep(1.5)
    page.goto(f"{live_server.url}{reverse('home')}")  # the session has ended: to log in
    expect(page.locator("[data-testid=login-form]")).to_be_visible()
    stores_until(page, lambda held: held["packages"] == 0)
    assert page.evaluate(STORE_COUNTS) == {"packages": 0, "queue": 0, "meta": 0, "states": []}


def test_the_field_page_opened_straight_after_signing_in_downloads_for_that_user(
    page, live_server, cast, villages
):
    page.goto(f"{live_server.url}{reverse('login')}?next={reverse('field')}")
    page.locator("#id_username").fill(cast.village_doctor_a.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("form[data-testid=login-form] button[type=submit]").click()
    expect(page.get_by_test_id("field-no-user")).to_be_visible()
    page.get_by_test_id("field-download").click()
    expect(page.get_by_test_id("field-download")).to_have_attribute("data-downloaded", "1")
    expect(page.get_by_test_id("village")).to_have_count(1)
    expect(page.get_by_test_id("queue-count")).to_have_text("待上传 0 条")
    held = page.evaluate(STORE_COUNTS)
    assert (held["packages"], held["meta"]) == (1, 1)
