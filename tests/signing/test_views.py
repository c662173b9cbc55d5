import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from signing.models import BookletStatus, Contract, FulfilmentKind, FulfilmentRecord, SignMethod
from signing.views import WORKLISTS
from tests.signing.factories import (
    BookletFactory,
    ChronicRegistrationFactory,
    ContractFactory,
    DiagnosisFactory,
    FulfilmentFactory,
    HealthCheckFactory,
    HouseholdFactory,
    PersonFactory,
    RosterEntryFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def household(village_a):
    return HouseholdFactory(village=village_a, number="HA0001")


@pytest.fixture
def members(household):
    people = [
        PersonFactory(household=household, name="张三", id_number="350429195001011234"),
        PersonFactory(household=household, name="李四", id_number="350429195202021236"),
    ]
    for person in people:
        RosterEntryFactory(person=person)
    return people


def test_section_page_lists_members(client_a, members, household, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = client_a.get(reverse("signing:household", args=[household.pk]))
    assert response.status_code == 200
    assert "张三" in response.content.decode()


def test_section_query_count_does_not_grow_with_members(
    client_a, household, django_assert_max_num_queries
):
    for _n in range(8):
        person = PersonFactory(household=household)
        ContractFactory(person=person, year=timezone.localdate().year)
        ChronicRegistrationFactory(person=person)
    with django_assert_max_num_queries(15):
        response = client_a.get(reverse("signing:household", args=[household.pk]), **HTMX)
    assert response.status_code == 200


def test_section_of_other_township_is_404(client_a, village_b):
    other = HouseholdFactory(village=village_b)
    assert client_a.get(reverse("signing:household", args=[other.pk])).status_code == 404


def test_sign_form_htmx_creates_contract(client_a, household, members, today):
    url = reverse("signing:household_form", args=[household.pk, "contract"])
    assert client_a.get(url, {"person": members[0].pk}, **HTMX).status_code == 200
    response = client_a.post(
        url,
        {"person": members[0].pk, "signed_on": today.isoformat(), "method": SignMethod.ELECTRONIC},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-swap-oob="outerHTML"' in body
    contract = Contract.objects.get()
    assert (contract.person, contract.year, contract.method) == (
        members[0],
        today.year,
        SignMethod.ELECTRONIC,
    )


def test_second_contract_shows_error_and_saves_nothing(client_a, household, members, today):
    ContractFactory(person=members[0], year=today.year, signed_on=today)
    url = reverse("signing:household_form", args=[household.pk, "contract"])
    response = client_a.post(
        url, {"person": members[0].pk, "signed_on": today.isoformat(), "method": "paper"}, **HTMX
    )
    assert "已有" in response.content.decode() or "already" in response.content.decode()
    assert Contract.objects.count() == 1


def test_form_for_member_of_other_household_is_refused(client_a, household, members, village_a):
    stranger = PersonFactory(household=HouseholdFactory(village=village_a))
    url = reverse("signing:household_form", args=[household.pk, "contract"])
    client_a.post(url, {"person": stranger.pk, "signed_on": "2018-03-01", "method": "paper"})
    assert not Contract.objects.exists()


def test_county_user_may_not_open_a_form(client, county_user, household):
    client.force_login(county_user)
    url = reverse("signing:household_form", args=[household.pk, "contract"])
    assert client.get(url).status_code == 403


def test_brochure_for_whole_household_is_one_record(client_a, household, members, today):
    url = reverse("signing:household_form", args=[household.pk, "fulfilment"])
    client_a.post(
        url,
        {
            "persons": [m.pk for m in members],
            "kind": FulfilmentKind.BROCHURE,
            "served_on": today.isoformat(),
        },
        **HTMX,
    )
    assert FulfilmentRecord.objects.filter(kind=FulfilmentKind.BROCHURE).count() == 1


def test_followup_form_records_visit(client_a, household, members, today):
    ChronicRegistrationFactory(person=members[0])
    url = reverse("signing:household_form", args=[household.pk, "followup"])
    client_a.post(url, {"person": members[0].pk, "served_on": today.isoformat()}, **HTMX)
    assert FulfilmentRecord.objects.filter(kind=FulfilmentKind.FOLLOW_UP).count() == 1


def test_booklet_form_issues_booklet(client_a, members, today):
    booklet = BookletFactory(diagnosis__person=members[0])
    url = reverse("signing:booklet", args=[booklet.diagnosis.pk])
    client_a.post(
        url,
        {
            "status": BookletStatus.ISSUED,
            "number": "TN-18-001",
            "issued_on": today.isoformat(),
            "expires_on": (today + datetime.timedelta(days=365)).isoformat(),
        },
        **HTMX,
    )
    booklet.refresh_from_db()
    assert (booklet.status, booklet.number) == (BookletStatus.ISSUED, "TN-18-001")


def test_renew_creates_next_years_contract(client_a, members, today):
    contract = ContractFactory(
        person=members[0], year=today.year - 1, signed_on=today.replace(year=today.year - 1)
    )
    client_a.post(reverse("signing:contract_renew", args=[contract.pk]), **HTMX)
    assert Contract.objects.filter(person=members[0], year=today.year).exists()


def test_unsigned_list_shows_only_gaps(client_a, members, today, django_assert_max_num_queries):
    ContractFactory(person=members[1], year=today.year, signed_on=today)
    with django_assert_max_num_queries(10):
        response = client_a.get(reverse("signing:worklist", args=["unsigned"]))
    body = response.content.decode()
    assert "张三" in body
    assert "李四" not in body
    assert "350429********1234" in body


def test_work_list_rows_escape_what_users_typed(client_a, members, household):
    members[0].name = '<b onmouseover="x">张三</b>'
    members[0].save()
    body = client_a.get(reverse("signing:worklist", args=["unsigned"])).content.decode()
    assert "&lt;b onmouseover=&quot;x&quot;&gt;张三&lt;/b&gt;" in body
    assert "<b onmouseover" not in body
    row = body[body.index("&lt;b onmouseover") :]
    assert row.index(f'href="/households/{household.pk}/"') < row.index("</tr>")


def test_followup_list_filters_overdue(client_a, members, today):
    ChronicRegistrationFactory(person=members[0], diagnosed_on=datetime.date(2000, 1, 1))
    response = client_a.get(reverse("signing:worklist", args=["followups"]), {"state": "due"})
    assert "张三" in response.content.decode()


def test_health_check_list_drops_checked_persons(client_a, members, today):
    for m in members:
        ContractFactory(person=m, year=today.year, signed_on=today)
    HealthCheckFactory(person=members[0], checked_on=today)
    body = client_a.get(reverse("signing:worklist", args=["health-checks"])).content.decode()
    assert "李四" in body
    assert "张三" not in body


def test_booklet_list_shows_pending(client_a, members):
    BookletFactory(diagnosis__person=members[0])
    body = client_a.get(reverse("signing:worklist", args=["booklets"])).content.decode()
    assert "张三" in body


def test_expiring_list_shows_contract_ending_soon(client_a, members, today):
    ContractFactory(person=members[0], year=today.year, signed_on=today, valid_until=today)
    body = client_a.get(reverse("signing:worklist", args=["expiring"])).content.decode()
    assert "张三" in body


def test_export_is_masked_xlsx(client_a, members):
    members[0].name = "=HYPERLINK(1)"
    members[0].save()
    response = client_a.get(reverse("signing:worklist_export", args=["unsigned"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "350429********1234" in values
    assert "350429195001011234" not in values
    assert "'=HYPERLINK(1)" in values


def test_worklists_index_counts(client_a, members):
    response = client_a.get(reverse("signing:worklists"))
    assert response.status_code == 200


def test_household_sheet_prints_records(client_a, household, members, today):
    ContractFactory(person=members[0], year=today.year, signed_on=today, team_name="第一团队")
    ChronicRegistrationFactory(person=members[0])
    FulfilmentFactory(person=members[0], served_on=today)
    body = client_a.get(reverse("signing:household_sheet", args=[household.pk])).content.decode()
    assert "第一团队" in body
    assert "高血压" in body


def test_unsigned_list_leaves_out_persons_off_the_roster(client_a, household):
    PersonFactory(household=household, name="王离册")
    body = client_a.get(reverse("signing:worklist", args=["unsigned"])).content.decode()
    assert "王离册" not in body


def test_household_page_snippet_renders_the_section(rf, user_a, household, members):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = user_a
    html = render_to_string(
        "signing/snippets/household_section.html",
        {"household": household, "members": members},
        request=request,
    )
    assert 'id="signing-form"' in html
    assert "张三" in html
    assert "open-contract" in html


def test_household_sheet_snippet_renders_for_other_pages(household, members):
    from django.template.loader import render_to_string

    html = render_to_string("signing/snippets/household_sheet.html", {"household": household})
    assert "张三" in html


@pytest.mark.parametrize("slug", ["unsigned", "followups", "booklets", "health-checks", "expiring"])
def test_every_work_list_has_a_fixed_number_of_queries(
    client_a, household, today, slug, django_assert_max_num_queries
):
    for _n in range(4):
        person = PersonFactory(household=household)
        RosterEntryFactory(person=person)
        ChronicRegistrationFactory(person=person, diagnosed_on=datetime.date(2000, 1, 1))
        BookletFactory(diagnosis__person=person)
        ContractFactory(person=person, year=today.year, signed_on=today, valid_until=today)
    if slug == "unsigned":
        Contract.objects.all().delete()
    # The follow-up list also reads the key chronic diseases' ids, and for the page's patients
    # the year's policy, their registrations and their follow-ups (signing.followups).
    with django_assert_max_num_queries(12 if slug == "followups" else 10):
        response = client_a.get(reverse("signing:worklist", args=[slug]))
    assert response.status_code == 200
    assert response.content.decode().count(f"/households/{household.pk}/") == 4


@pytest.mark.parametrize("slug", list(WORKLISTS))
def test_every_worklist_exports_a_workbook(client_a, members, slug):
    # The follow-up list's title holds a "/", which Excel does not allow in a sheet name.
    response = client_a.get(reverse("signing:worklist_export", args=[slug]))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active.max_row >= 1


def test_booklet_export_writes_the_state_of_a_diagnosis_without_booklet(client_a, members):
    DiagnosisFactory(person=members[0])
    response = client_a.get(reverse("signing:worklist_export", args=["booklets"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        str(BookletStatus.PENDING.label)
    ]


@pytest.fixture
def visits(village_a, today):
    """One household per reason to visit, one with nothing to do, and one whose patient is
    not on this year's roster (nobody's work)."""
    followup = PersonFactory(household=HouseholdFactory(village=village_a, number="V-FOLLOWUP"))
    ChronicRegistrationFactory(person=followup, diagnosed_on=datetime.date(2000, 1, 1))
    unsigned = PersonFactory(household=HouseholdFactory(village=village_a, number="V-UNSIGNED"))
    RosterEntryFactory(person=unsigned)
    booklet = PersonFactory(household=HouseholdFactory(village=village_a, number="V-BOOKLET"))
    BookletFactory(diagnosis__person=booklet)
    for signed in (followup, booklet):
        RosterEntryFactory(person=signed)
        ContractFactory(person=signed, year=today.year, signed_on=today)
    off_roster = PersonFactory(household=HouseholdFactory(village=village_a, number="V-OFF"))
    ChronicRegistrationFactory(person=off_roster, diagnosed_on=datetime.date(2000, 1, 1))
    BookletFactory(diagnosis__person=off_roster)
    done = PersonFactory(household=HouseholdFactory(village=village_a, number="V-DONE"))
    RosterEntryFactory(person=done)
    ContractFactory(person=done, year=today.year, signed_on=today)


def test_visits_list_holds_each_household_with_work_and_says_why(client_a, visits):
    response = client_a.get(reverse("signing:worklist", args=["visits"]))
    reasons = {household.number: cells[4] for household, cells, _obj in response.context["rows"]}
    assert reasons == {
        "V-FOLLOWUP": "随访待办或逾期",
        "V-UNSIGNED": "未签约且未登记原因",
        "V-BOOKLET": "病种簿待办理",
    }


def test_visits_list_narrows_to_one_reason(client_a, visits):
    response = client_a.get(reverse("signing:worklist", args=["visits"]), {"state": "unsigned"})
    assert [household.number for household, _cells, _obj in response.context["rows"]] == [
        "V-UNSIGNED"
    ]


def test_visits_list_has_a_fixed_number_of_queries(
    client_a, visits, village_a, django_assert_max_num_queries
):
    for _n in range(4):
        person = PersonFactory(household=HouseholdFactory(village=village_a))
        RosterEntryFactory(person=person)
    # The page's households get their reasons in one more query (selectors.set_visit_reasons).
    with django_assert_max_num_queries(12):
        response = client_a.get(reverse("signing:worklist", args=["visits"]))
    assert response.context["page"].paginator.count == 7


def test_visits_list_says_every_reason_of_a_household_narrowed_to_one(
    client_a, visits, village_a, today
):
    both = HouseholdFactory(village=village_a, number="V-BOTH")
    RosterEntryFactory(person=PersonFactory(household=both))  # not signed, no reason
    patient = PersonFactory(household=both)
    RosterEntryFactory(person=patient)
    ContractFactory(person=patient, year=today.year, signed_on=today)
    BookletFactory(diagnosis__person=patient)
    url = reverse("signing:worklist", args=["visits"])
    for query in ({}, {"state": "unsigned"}, {"state": "booklet"}):
        rows = {h.number: cells[4] for h, cells, _obj in client_a.get(url, query).context["rows"]}
        assert rows["V-BOTH"] == "未签约且未登记原因；病种簿待办理", query
    export = client_a.get(reverse("signing:worklist_export", args=["visits"]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    exported = {row[2]: row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert exported == {h.number: cells[4] for h, cells, _obj in client_a.get(url).context["rows"]}


def test_followup_list_narrows_to_due_soon(client_a, household):
    person = PersonFactory(household=household, name="王随访")
    ChronicRegistrationFactory(person=person, diagnosed_on=datetime.date(2000, 1, 1))
    RosterEntryFactory(person=person, year=2018)
    url = reverse("signing:worklist", args=["followups"])
    last_week = client_a.get(url, {"state": "due_soon", "year": 2018, "as_of": "2018-06-24"})
    assert [cells[3] for _h, cells, _obj in last_week.context["rows"]] == ["王随访"]
    before = client_a.get(url, {"state": "due_soon", "year": 2018, "as_of": "2018-06-22"})
    assert before.context["rows"] == []
