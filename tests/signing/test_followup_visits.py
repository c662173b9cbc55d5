"""The follow-up visit as the national records have it: range checks, the two-week recheck
after an unsatisfactory visit (rule, work list), the form, the ledger and the API."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from households.models import Person
from signing import followups, services
from signing.models import FollowUpVisit, FulfilmentKind, FulfilmentRecord, VisitClassification
from tests.signing.factories import (
    ChronicRegistrationFactory,
    HouseholdFactory,
    PersonFactory,
    RosterEntryFactory,
)
from tests.signing.test_ledgers import run, workbook

pytestmark = pytest.mark.django_db
D = datetime.date
HTMX = {"HTTP_HX_REQUEST": "true"}
VISIT_DAY = D(2018, 5, 2)


@pytest.fixture
def patient(village_a):
    person = PersonFactory(household=HouseholdFactory(village=village_a), name="王五")
    RosterEntryFactory(person=person)
    ChronicRegistrationFactory(person=person, diagnosed_on=D(2018, 4, 1))
    return person


def record(patient, actor, served_on, **visit):
    return services.followup_record(person=patient, served_on=served_on, actor=actor, visit=visit)


def refusal(patient, actor, served_on=VISIT_DAY, **visit) -> dict[str, list[str]]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        record(patient, actor, served_on, **visit)
    return caught.value.message_dict


# --- range checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"systolic": 320}, "systolic", "收缩压"),
        ({"systolic": 40}, "systolic", "收缩压"),
        ({"diastolic": 20}, "diastolic", "舒张压"),
        ({"diastolic": 210}, "diastolic", "舒张压"),
        ({"systolic": 120, "diastolic": 130}, "diastolic", "收缩压"),
        ({"fasting_glucose": Decimal("40")}, "fasting_glucose", "空腹血糖"),
        ({"fasting_glucose": Decimal("0.5")}, "fasting_glucose", "空腹血糖"),
        ({"weight_kg": Decimal("15")}, "weight_kg", "体重"),
        ({"height_cm": Decimal("260")}, "height_cm", "身高"),
        ({"next_visit_on": D(2018, 5, 2)}, "next_visit_on", "下次随访日期"),
    ],
)
def test_an_implausible_value_is_refused_naming_its_field(patient, user_a, values, field, words):
    errors = refusal(patient, user_a, **values)
    assert words in " ".join(errors[field])
    assert not FulfilmentRecord.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"bmi": Decimal("1e400")}, "bmi"),
        ({"weight_kg": Decimal("1e40"), "height_cm": Decimal("170")}, "weight_kg"),
        ({"weight_kg": Decimal("1e25"), "height_cm": Decimal("0.1")}, "bmi"),
    ],
)
def test_a_number_too_large_to_round_is_refused_on_its_field(patient, user_a, values, field):
    errors = refusal(patient, user_a, **values)
    assert "数值不合理" in " ".join(errors[field])
    assert not FulfilmentRecord.objects.exists()


def test_the_form_answers_a_number_too_large_to_round_on_its_field(client_a, today_patient):
    url = reverse("signing:household_form", args=[today_patient.household.pk, "followup"])
    data = form_data(today_patient, timezone.localdate(), bmi="1e400")
    response = client_a.post(url, data, **HTMX)
    assert response.status_code == 200
    assert "数值不合理" in response.content.decode()
    assert not FulfilmentRecord.objects.exists()


def test_a_visit_in_the_future_is_refused_naming_the_date(patient, user_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        record(patient, user_a, tomorrow, systolic=130)
    assert "随访日期" in caught.value.messages[0]


def test_bmi_is_computed_from_weight_and_height(patient, user_a):
    visit = record(
        patient, user_a, D(2018, 5, 2), weight_kg=Decimal("70"), height_cm=Decimal("175")
    ).visit
    assert visit.bmi == Decimal("22.9")


# --- the two-week recheck --------------------------------------------------------------------


def annotated(person, as_of):
    return followups.chronic_patients(Person.objects.filter(pk=person.pk), as_of).get()


def test_unsatisfactory_visit_makes_the_next_follow_up_due_within_two_weeks(patient, user_a):
    record(patient, user_a, D(2018, 5, 2), classification=VisitClassification.UNSATISFACTORY)
    row = annotated(patient, D(2018, 5, 16))
    assert (row.followup_due, row.followup_overdue) == (True, False)
    assert followups.next_due_on(row) == D(2018, 5, 16)


def test_no_visit_within_two_weeks_of_an_unsatisfactory_one_is_overdue(patient, user_a):
    record(patient, user_a, D(2018, 5, 2), classification=VisitClassification.COMPLICATION)
    row = annotated(patient, D(2018, 5, 17))
    assert (row.followup_overdue, row.followup_quarter_overdue) == (True, False)
    assert followups.patient_followup_status(patient, D(2018, 5, 17)).recheck_state == "overdue"


def test_a_later_satisfactory_visit_ends_the_recheck(patient, user_a):
    record(patient, user_a, D(2018, 5, 2), classification=VisitClassification.ADVERSE_REACTION)
    record(patient, user_a, D(2018, 5, 10), classification=VisitClassification.SATISFACTORY)
    row = annotated(patient, D(2018, 6, 1))
    assert (row.followup_due, row.followup_overdue) == (False, False)


def test_an_overdue_recheck_leaves_compliance_to_the_quarters(patient, user_a):
    record(patient, user_a, D(2018, 5, 2), classification=VisitClassification.UNSATISFACTORY)
    as_of = D(2018, 6, 1)
    compliant = followups.in_state(
        followups.chronic_patients(Person.objects.all(), as_of), followups.COMPLIANT
    )
    assert list(compliant) == [patient]
    assert followups.patient_followup_status(patient, as_of).compliant


def test_the_work_list_shows_the_recheck_with_its_due_date(client_a, village_a, user_a):
    today = timezone.localdate()
    person = PersonFactory(household=HouseholdFactory(village=village_a), name="赵六")
    RosterEntryFactory(person=person)
    ChronicRegistrationFactory(person=person, diagnosed_on=today - datetime.timedelta(days=30))
    visited = today - datetime.timedelta(days=3)
    record(person, user_a, visited, classification=VisitClassification.UNSATISFACTORY)
    with translation.override("zh-hans"):
        response = client_a.get(reverse("signing:worklist", args=["followups"]))
    body = response.content.decode()
    assert "赵六" in body
    assert "复查" in body
    assert (visited + datetime.timedelta(days=14)).isoformat() in body


# --- the form on the household page ----------------------------------------------------------


def form_data(patient, day, **changes):
    data = {
        "person": patient.pk,
        "served_on": day.isoformat(),
        "method": "home",
        "symptoms": ["headache_dizziness", "palpitations"],
        "symptoms_other": "乏力",
        "systolic": "165",
        "diastolic": "100",
        "weight_kg": "72.5",
        "height_cm": "168",
        "fasting_glucose": "7.8",
        "cigarettes_per_day": "10",
        "alcohol_per_day": "2",
        "exercise_per_week": "3",
        "exercise_minutes": "30",
        "adherence": "intermittent",
        "adverse_reaction": "1",
        "adverse_reaction_note": "干咳",
        "classification": "unsatisfactory",
        "referral_reason": "血压控制不佳",
        "referral_institution": "县医院心内科",
        "next_visit_on": (day + datetime.timedelta(days=14)).isoformat(),
        "note": "",
    }
    return {**data, **changes}


@pytest.fixture
def today_patient(village_a):
    today = timezone.localdate()
    person = PersonFactory(household=HouseholdFactory(village=village_a), name="孙八")
    ChronicRegistrationFactory(person=person, diagnosed_on=today - datetime.timedelta(days=30))
    return person


def test_the_follow_up_form_records_the_whole_visit(client_a, today_patient):
    url = reverse("signing:household_form", args=[today_patient.household.pk, "followup"])
    today = timezone.localdate()
    response = client_a.post(url, form_data(today_patient, today), **HTMX)
    assert response.status_code == 200
    visit = FollowUpVisit.objects.get()
    assert (visit.systolic, visit.diastolic, visit.bmi) == (165, 100, Decimal("25.7"))
    assert visit.symptoms == ["headache_dizziness", "palpitations"]
    assert (visit.adverse_reaction, visit.classification) == (True, "unsatisfactory")


def test_a_refused_value_shows_on_its_field_and_keeps_what_was_typed(client_a, today_patient):
    url = reverse("signing:household_form", args=[today_patient.household.pk, "followup"])
    data = form_data(today_patient, timezone.localdate(), systolic="320")
    with translation.override("zh-hans"):
        response = client_a.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans", **HTMX)
    body = response.content.decode()
    assert "收缩压" in body
    assert 'value="320"' in body
    assert "县医院心内科" in body
    assert not FulfilmentRecord.objects.exists()


# --- the follow-up ledger --------------------------------------------------------------------

LEDGER_HEADER = [
    "身份证号",
    "随访日期",
    "随访方式",
    "症状",
    "收缩压",
    "舒张压",
    "体重",
    "身高",
    "体质指数",
    "空腹血糖",
    "日吸烟量",
    "日饮酒量",
    "运动频率",
    "服药依从性",
    "药物不良反应",
    "此次随访分类",
    "转诊原因",
    "转诊机构",
    "下次随访日期",
]


def ledger_row(person, **changes):
    row = {
        "id": person.id_number,
        "day": "2018-05-02",
        "method": "门诊",
        "symptoms": "头痛头晕、心悸胸闷",
        "sys": 150,
        "dia": 95,
        "weight": "65kg",
        "height": 160,
        "bmi": "",
        "glucose": "",
        "smoke": "5支/日",
        "drink": 1,
        "exercise": "3次/周",
        "adherence": "规律",
        "adverse": "无",
        "classification": "控制不满意",
        "referral": "",
        "to": "",
        "next": "2018-05-16",
    }
    row.update(changes)
    return list(row.values())


def test_the_follow_up_ledger_records_visits_and_reimports_unchanged(tmp_path, patient):
    path = workbook(tmp_path / "f.xlsx", LEDGER_HEADER, [ledger_row(patient)])
    result = run("followups", path)
    assert result.ok, result.error_lines()
    visit = FollowUpVisit.objects.select_related("record").get()
    assert visit.record.kind == FulfilmentKind.FOLLOW_UP
    assert (visit.systolic, visit.cigarettes_per_day, visit.bmi) == (150, 5, Decimal("25.4"))
    assert visit.classification == VisitClassification.UNSATISFACTORY
    assert run("followups", path).counts["unchanged"] == 1


def test_a_bad_ledger_value_names_its_row_and_column(tmp_path, patient):
    path = workbook(tmp_path / "f.xlsx", LEDGER_HEADER, [ledger_row(patient, sys=400)])
    result = run("followups", path)
    assert not result.ok
    with translation.override("zh-hans"):
        lines = result.error_lines()
    assert any("4" in line and "收缩压" in line and "50" in line for line in lines), lines
    assert not FulfilmentRecord.objects.exists()


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api_a(user_a):
    client = APIClient()
    client.force_authenticate(user_a)
    return client


def test_the_api_creates_a_follow_up_with_its_visit(api_a, patient):
    payload = {
        "person": patient.pk,
        "kind": "follow_up",
        "served_on": "2018-05-02",
        "visit": {
            "method": "phone",
            "systolic": 150,
            "diastolic": 90,
            "classification": "complication",
        },
    }
    response = api_a.post(reverse("signing-fulfilment-list"), payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["visit"]["classification"] == "complication"
    assert FollowUpVisit.objects.get().systolic == 150


def test_the_api_answers_an_implausible_value_by_field(api_a, patient):
    payload = {
        "person": patient.pk,
        "kind": "follow_up",
        "served_on": "2018-05-02",
        "visit": {"fasting_glucose": "40.0"},
    }
    response = api_a.post(reverse("signing-fulfilment-list"), payload, format="json")
    assert response.status_code == 400
    assert "fasting_glucose" in response.json()


def test_the_household_page_shows_the_recheck_due_date(client_a, today_patient, user_a):
    visited = timezone.localdate() - datetime.timedelta(days=2)
    record(today_patient, user_a, visited, classification=VisitClassification.UNSATISFACTORY)
    with translation.override("zh-hans"):
        response = client_a.get(reverse("signing:household", args=[today_patient.household.pk]))
    due = (visited + datetime.timedelta(days=14)).isoformat()
    assert f"{due} 前复查" in response.content.decode()


def test_the_household_page_shows_a_recheck_called_for_by_last_years_last_visit(
    client_a, village_a
):
    """The lists read the last follow-up by the as-of date of any year; so does the page."""
    person = PersonFactory(household=HouseholdFactory(village=village_a))
    ChronicRegistrationFactory(person=person, diagnosed_on=D(2017, 6, 1))
    _visit(person, D(2017, 12, 28), VisitClassification.UNSATISFACTORY)
    as_of = D(2018, 1, 5)
    listed = followups.chronic_patients(Person.objects.filter(pk=person.pk), as_of).get()
    assert listed.followup_recheck_from == D(2017, 12, 28)
    with translation.override("zh-hans"):
        response = client_a.get(
            reverse("signing:household", args=[person.household.pk]),
            {"year": 2018, "as_of": as_of.isoformat()},
        )
    assert "2018-01-11 前复查" in response.content.decode()


def _visit(person, served_on, classification=""):
    fulfilment = FulfilmentRecord.objects.create(
        person=person, kind=FulfilmentKind.FOLLOW_UP, served_on=served_on
    )
    FollowUpVisit.objects.create(record=fulfilment, classification=classification)


STATUS_COLUMNS = (
    "chronic_since",
    "followup_recheck_from",
    "followup_quarter_end",
    "followup_quarter_overdue",
    "followup_overdue",
    "followup_due",
    "followup_done_current",
)


@pytest.mark.parametrize(
    "as_of", [D(2018, 3, 20), D(2018, 5, 2), D(2018, 5, 16), D(2018, 5, 17), D(2018, 6, 10)]
)
def test_the_flags_agree_with_the_records_on_rechecks_and_same_day_visits(village_a, as_of):
    """The list's flags are tests of existence (signing/followups.py); the last visit by the
    as-of date decides a recheck, a same-day tie going to the record entered last."""
    bad, good = VisitClassification.UNSATISFACTORY, VisitClassification.SATISFACTORY
    histories = [
        [(D(2018, 5, 2), bad), (D(2018, 5, 2), good)],  # the later record ends the recheck
        [(D(2018, 5, 2), good), (D(2018, 5, 2), bad)],  # the later record calls for one
        [(D(2018, 3, 10), bad)],
        [(D(2018, 2, 1), good), (D(2018, 5, 20), VisitClassification.COMPLICATION)],
        [(D(2018, 5, 2), bad), (D(2018, 5, 10), bad)],
        [(D(2017, 12, 28), bad)],  # the last visit of the year before still calls for one
        [],
    ]
    people = []
    for history in histories:
        person = PersonFactory(household=HouseholdFactory(village=village_a))
        RosterEntryFactory(person=person)
        ChronicRegistrationFactory(person=person, diagnosed_on=D(2017, 12, 1))
        for served_on, classification in history:
            _visit(person, served_on, classification)
        people.append(person)
    rows = followups.chronic_patients(Person.objects.filter(pk__in=[p.pk for p in people]), as_of)
    for row in rows:
        status = followups.patient_followup_status(row, as_of)
        assert (row.followup_overdue, row.followup_due) == (status.overdue, status.due), row.pk
        assert row.followup_quarter_overdue == status.quarter_overdue, row.pk
        assert row.followup_recheck_from == status.recheck_from, row.pk
    # A work list's page reads the same columns from the page's records (set_status).
    plain = list(Person.objects.filter(pk__in=[p.pk for p in people]))
    followups.set_status(plain, as_of)
    annotated = {row.pk: row for row in rows}
    assert len(annotated) == len(plain)
    for person in plain:
        for column in STATUS_COLUMNS:
            assert getattr(person, column) == getattr(annotated[person.pk], column), column
    for state in (followups.DUE, followups.OVERDUE, followups.DUE_OR_OVERDUE):
        listed = set(followups.in_state(rows, state).values_list("pk", flat=True))
        expected = {
            row.pk
            for row in rows
            if (state != followups.OVERDUE and row.followup_due)
            or (state != followups.DUE and row.followup_overdue)
        }
        assert listed == expected, state


def test_the_work_list_page_and_its_export_agree_on_every_patient(client_a, village_a):
    """The page completes its 50 rows from their records, the export reads the annotated
    list: both say the same state and due date of every patient."""
    bad = VisitClassification.UNSATISFACTORY
    histories = {
        "钱一": [],  # nothing in the first quarter: overdue
        "钱二": [(D(2018, 2, 1), VisitClassification.SATISFACTORY)],  # due this quarter
        "钱三": [(D(2018, 2, 1), VisitClassification.SATISFACTORY), (D(2018, 5, 28), bad)],
        "钱四": [(D(2018, 2, 1), VisitClassification.SATISFACTORY), (D(2018, 4, 20), bad)],
        "钱五": [(D(2018, 2, 1), bad)],  # recheck overdue since February
    }
    for name, history in histories.items():
        person = PersonFactory(household=HouseholdFactory(village=village_a), name=name)
        RosterEntryFactory(person=person, year=2018)
        ChronicRegistrationFactory(person=person, diagnosed_on=D(2017, 12, 1))
        for served_on, classification in history:
            _visit(person, served_on, classification)
    query = {"as_of": "2018-06-04", "year": "2018"}
    with translation.override("zh-hans"):
        page = client_a.get(reverse("signing:worklist", args=["followups"]), query)
        export = client_a.get(reverse("signing:worklist_export", args=["followups"]), query)
    assert page.status_code == export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    exported = {row[3]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(exported) == set(histories)
    page_rows = {
        name: row
        for row in page.content.decode().split("<tr")
        for name in histories
        if f">{name}<" in row
    }
    assert set(page_rows) == set(histories)
    states = set()
    for name, (*_person, since, state, due_by) in exported.items():
        states.add(state)
        assert f">{state}<" in page_rows[name], name
        assert str(due_by)[:10] in page_rows[name], name
        assert str(since)[:10] in page_rows[name], name
    assert len(states) == 4  # overdue, due, recheck due, recheck overdue
