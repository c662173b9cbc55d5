"""The sync (POST /api/field/sync/): every record answered on its own, none lost, none doubled,
validated like the online form (docs/field-sync.md)."""

from __future__ import annotations

import datetime
import os
import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from desk.field import sync as sync_module
from desk.models import FieldSubmission
from households.models import Household, Person
from signing.models import (
    FollowUpVisit,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    UnsignedReason,
    UnsignedRecord,
)
from signing.views import FORM_SPECS
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.signing.factories import ChronicRegistrationFactory, RosterEntryFactory

URL = "/api/field/sync/"
OUT_OF_PLACES = "该人员或户不在（或已不在）您的辖区内"


def _patient(number: str = "A1") -> Person:
    """A1's member: a hypertension patient with a contract (tests/desk/work.py)."""
    return Person.objects.get(household__number=number)


def followup(person: Person, user, **data) -> dict:
    values = {
        "served_on": "2018-06-20",
        "method": "home",
        "systolic": 135,
        "diastolic": 85,
        "symptoms": ["none"],
        "classification": "satisfactory",
        "note": "入户随访",
    }
    values.update(data)
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "followup",
        "person": person.pk,
        "queued_by": user.pk,
        "queued_at": "2018-06-20T09:30:00+08:00",
        "data": values,
    }


def brochure(household: Household, user, **data) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "fulfilment",
        "household": household.pk,
        "queued_by": user.pk,
        "queued_at": "2018-06-20T09:30:00+08:00",
        "data": {
            "kind": "brochure",
            "served_on": "2018-06-20",
            "persons": [p.pk for p in household.members.all()],
            **data,
        },
    }


def send(client, user, *records):
    client.force_login(user)
    response = client.post(URL, {"records": list(records)}, content_type="application/json")
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def test_the_url_is_under_api_field():
    assert reverse("field-sync") == URL


def test_anonymous_callers_cannot_send(client, db):
    assert client.post(URL, {"records": []}, content_type="application/json").status_code in {
        401,
        403,
    }


# --- accepted ------------------------------------------------------------------------------


def test_a_follow_up_is_saved_with_the_full_record(client, user_a, work):
    record = followup(_patient(), user_a)
    [result] = send(client, user_a, record)
    assert result["status"] == "accepted", result
    assert result["uuid"] == record["uuid"]
    assert result["message"] is None and result["errors"] is None
    saved = FulfilmentRecord.objects.get(pk=result["record_id"])
    assert saved.kind == FulfilmentKind.FOLLOW_UP
    assert saved.served_on == datetime.date(2018, 6, 20)
    assert saved.staff == user_a and saved.note == "入户随访"
    visit = FollowUpVisit.objects.get(record=saved)
    assert (visit.systolic, visit.diastolic, visit.method) == (135, 85, "home")
    submission = FieldSubmission.objects.get(uuid=record["uuid"])
    assert (submission.user, submission.kind, submission.record_id) == (
        user_a,
        "followup",
        saved.pk,
    )


def test_a_brochure_is_recorded_once_for_the_household(client, user_a, work):
    household = Household.objects.get(number="A2")
    PersonFactory(household=household, relation="spouse")
    [result] = send(client, user_a, brochure(household, user_a))
    assert result["status"] == "accepted", result
    records = FulfilmentRecord.objects.filter(
        person__household=household, kind=FulfilmentKind.BROCHURE
    )
    assert [r.pk for r in records] == [result["record_id"]]


def test_a_health_check_and_an_unsigned_reason_are_saved(client, user_a, work, centre_a):
    unsigned = _patient("A2")
    check = {
        "uuid": str(uuid.uuid4()),
        "kind": "health_check",
        "person": unsigned.pk,
        "queued_by": user_a.pk,
        "queued_at": "2018-06-21T08:00:00+08:00",
        "data": {
            "checked_on": "2018-06-21",
            "institution": centre_a.pk,
            "summary": "血压偏高",
            "fed_back": True,
        },
    }
    reason = {
        "uuid": str(uuid.uuid4()),
        "kind": "unsigned_reason",
        "person": unsigned.pk,
        "queued_by": user_a.pk,
        "queued_at": "2018-06-21T08:00:00+08:00",
        "data": {"reason": "away", "recorded_on": "2018-06-21", "contact_note": "电话未接通"},
    }
    results = send(client, user_a, check, reason)
    assert [r["status"] for r in results] == ["accepted", "accepted"], results
    saved = HealthCheck.objects.get(pk=results[0]["record_id"])
    assert saved.institution == centre_a and saved.fed_back is True
    recorded = UnsignedRecord.objects.get(pk=results[1]["record_id"])
    assert (recorded.year, recorded.reason) == (2018, UnsignedReason.AWAY)


def test_a_record_queued_last_year_counts_for_last_year(client, user_a, work):
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "unsigned_reason",
        "person": _patient("A2").pk,
        "queued_by": user_a.pk,
        "queued_at": "2017-12-31T18:00:00+08:00",
        "data": {"reason": "away", "recorded_on": "2017-12-31", "contact_note": "外出务工"},
    }
    [result] = send(client, user_a, record)
    assert UnsignedRecord.objects.get(pk=result["record_id"]).year == 2017


def test_a_village_doctor_records_in_her_village(client, village_doctor_a, work):
    [result] = send(client, village_doctor_a, followup(_patient(), village_doctor_a))
    assert result["status"] == "accepted", result


def test_a_token_may_send_records(client, user_a, work):
    token = Token.objects.create(user=user_a)
    response = client.post(
        URL,
        {"records": [followup(_patient(), user_a)]},
        content_type="application/json",
        headers={"Authorization": f"Token {token.key}"},
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "accepted"
    assert "no-store" in response["Cache-Control"]


# --- nothing doubled -----------------------------------------------------------------------


def test_the_same_record_sent_again_answers_duplicate_with_the_stored_record(client, user_a, work):
    record = followup(_patient(), user_a)
    [first] = send(client, user_a, record)
    resent = {**record, "queued_at": "2018-06-20T10:00:00+08:00"}  # a second try, later
    [again] = send(client, user_a, resent)
    assert again["status"] == "duplicate"
    assert again["record_id"] == first["record_id"]
    assert again["message"]
    assert FulfilmentRecord.objects.filter(kind=FulfilmentKind.FOLLOW_UP).count() == 4
    assert FieldSubmission.objects.count() == 1


def test_the_same_record_twice_in_one_batch_is_saved_once(client, user_a, work):
    record = followup(_patient(), user_a)
    first, second = send(client, user_a, record, record)
    assert (first["status"], second["status"]) == ("accepted", "duplicate")
    assert first["record_id"] == second["record_id"]


def test_a_uuid_reused_for_another_record_is_refused(client, user_a, work):
    record = followup(_patient(), user_a)
    send(client, user_a, record)
    other = followup(_patient(), user_a, systolic=150)
    other["uuid"] = record["uuid"]
    [refused] = send(client, user_a, other)
    assert refused["status"] == "refused"
    assert refused["record_id"] is None
    assert refused["message"] == "此编号已用于另一条记录"
    assert FulfilmentRecord.objects.filter(kind=FulfilmentKind.FOLLOW_UP).count() == 4
    assert FollowUpVisit.objects.get().systolic == 135


def test_a_uuid_used_by_another_user_is_refused(client, user_a, village_doctor_a, work):
    record = followup(_patient(), user_a)
    send(client, user_a, record)
    theirs = {**record, "queued_by": village_doctor_a.pk}
    [refused] = send(client, village_doctor_a, theirs)
    assert refused["status"] == "refused"
    assert refused["record_id"] is None
    assert refused["message"] == "此编号已用于另一条记录"


def test_a_refused_record_corrected_is_accepted_under_the_same_uuid(client, user_a, work):
    record = followup(_patient(), user_a, systolic=400)
    [refused] = send(client, user_a, record)
    assert refused["status"] == "refused"
    record["data"]["systolic"] = 140
    [accepted] = send(client, user_a, record)
    assert accepted["status"] == "accepted"


# --- refused, each with its reason ---------------------------------------------------------


def test_a_record_queued_by_another_user_is_refused_and_not_saved(
    client, user_a, village_doctor_a, work
):
    record = followup(_patient(), village_doctor_a)  # queued while she was signed in
    [result] = send(client, user_a, record)  # sent after he signed in on the same phone
    assert result["status"] == "refused"
    assert "另一位用户" in result["message"]
    assert not FieldSubmission.objects.exists()
    assert FulfilmentRecord.objects.filter(kind=FulfilmentKind.FOLLOW_UP).count() == 3


def test_a_record_without_queued_by_is_refused(client, user_a, work):
    record = followup(_patient(), user_a)
    del record["queued_by"]
    [result] = send(client, user_a, record)
    assert result["status"] == "refused"


def test_another_townships_person_is_refused_without_a_word_about_them(client, user_a, work):
    person_b = _patient("B1")
    [result] = send(client, user_a, followup(person_b, user_a))
    assert result["status"] == "refused"
    assert result["message"].startswith(OUT_OF_PLACES)
    assert person_b.name not in str(result)
    assert not FulfilmentRecord.objects.filter(person=person_b, served_on="2018-06-20").exists()


def test_an_unknown_person_gets_the_same_text_as_another_townships(client, user_a, work):
    other = send(client, user_a, followup(_patient("B1"), user_a))[0]
    missing = followup(_patient(), user_a)
    missing["person"] = 999_999
    unknown = send(client, user_a, missing)[0]
    assert unknown["message"] == other["message"]
    assert unknown["errors"] == other["errors"]


def test_another_townships_household_is_refused(client, user_a, work):
    [result] = send(client, user_a, brochure(Household.objects.get(number="B2"), user_a))
    assert result["status"] == "refused"
    assert result["message"].startswith(OUT_OF_PLACES)


def test_a_person_who_moved_to_another_township_meanwhile_is_refused(
    client, user_a, work, village_b
):
    patient = _patient()
    record = followup(patient, user_a)  # queued while the household was in A
    Household.objects.filter(pk=patient.household_id).update(
        village=village_b, township=village_b.parent
    )
    [result] = send(client, user_a, record)
    assert result["status"] == "refused"
    assert result["message"].startswith(OUT_OF_PLACES)


def test_a_person_who_left_the_roster_is_refused_with_that_reason(client, user_a, work):
    unsigned = _patient("A2")
    unsigned.roster_entries.filter(year=2018).update(left_on=datetime.date(2018, 6, 22))
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "unsigned_reason",
        "person": unsigned.pk,
        "queued_by": user_a.pk,
        "queued_at": "2018-06-21T08:00:00+08:00",
        "data": {"reason": "away", "recorded_on": "2018-06-21", "contact_note": "外出"},
    }
    [result] = send(client, user_a, record)
    assert result["status"] == "refused"
    assert "2018-06-22" in result["message"] and "花名册" in result["message"]
    assert not UnsignedRecord.objects.filter(person=unsigned).exists()


def test_a_household_member_who_left_the_roster_is_refused(client, user_a, work):
    household = Household.objects.get(number="A2")
    household.members.get().roster_entries.update(left_on=datetime.date(2018, 6, 1))
    [result] = send(client, user_a, brochure(household, user_a))
    assert result["status"] == "refused"
    assert "花名册" in result["message"]


def test_a_follow_up_dated_in_the_future_is_refused(client, user_a, work):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    [result] = send(client, user_a, followup(_patient(), user_a, served_on=tomorrow.isoformat()))
    assert result["status"] == "refused"
    assert "不能晚于今天" in result["message"] or "未来" in result["message"], result
    assert result["errors"]


def test_implausible_values_are_refused_by_field_like_the_online_form(client, user_a, work):
    [result] = send(client, user_a, followup(_patient(), user_a, systolic=400, diastolic=90))
    assert result["status"] == "refused"
    assert set(result["errors"]) == {"systolic"}
    assert "收缩压" in result["errors"]["systolic"][0]


def test_form_errors_name_the_field(client, user_a, work):
    record = followup(_patient(), user_a, served_on="2018-02-30", method="by_pigeon")
    [result] = send(client, user_a, record)
    assert result["status"] == "refused"
    assert {"served_on", "method"} <= set(result["errors"])


def test_a_follow_up_for_someone_not_a_chronic_patient_is_refused(client, user_a, work):
    [result] = send(client, user_a, followup(_patient("A2"), user_a))
    assert result["status"] == "refused"
    assert result["errors"] == {"non_field_errors": [result["message"]]}


def test_an_unsigned_reason_without_contact_note_is_refused(client, user_a, work):
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "unsigned_reason",
        "person": _patient("A2").pk,
        "queued_by": user_a.pk,
        "queued_at": "2018-06-21T08:00:00+08:00",
        "data": {"reason": "refused", "recorded_on": "2018-06-21"},
    }
    [result] = send(client, user_a, record)
    assert result["status"] == "refused"


def test_a_brochure_for_someone_not_of_the_household_is_refused(client, user_a, work):
    record = brochure(Household.objects.get(number="A2"), user_a)
    record["data"]["persons"] = [_patient("A3").pk]
    [result] = send(client, user_a, record)
    assert result["status"] == "refused"
    assert "persons" in result["errors"]


def test_a_county_user_may_not_record(client, county_user, work):
    record = followup(_patient(), county_user)
    [result] = send(client, county_user, record)
    assert result["status"] == "refused"
    assert result["message"] == "您无权录入服务记录。"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"uuid": None}, "uuid"),
        ({"kind": "contract"}, "kind"),
        ({"kind": ["followup"]}, "kind"),
        ({"person": None}, "person"),
        ({"person": "12abc"}, "person"),
        ({"person": True}, "person"),
        ({"data": "served_on=2018-06-20"}, "data"),
    ],
)
def test_a_malformed_record_is_refused_on_its_own(client, user_a, work, change, field):
    good = followup(_patient(), user_a)
    bad = {**followup(_patient(), user_a), **change}
    first, second = send(client, user_a, bad, good)
    assert first["status"] == "refused"
    assert field in first["errors"]
    assert first["message"]
    assert second["status"] == "accepted"


def test_a_record_that_is_not_an_object_is_refused(client, user_a, work):
    results = send(client, user_a, "hello", 42, None, [1])
    assert [r["status"] for r in results] == ["refused"] * 4
    assert all(r["uuid"] is None for r in results)


@pytest.mark.parametrize(
    "body", [{}, {"records": "x"}, {"records": {"uuid": "x"}}, [], {"records": None}]
)
def test_a_body_without_a_list_of_records_is_a_400(client, user_a, body):
    client.force_login(user_a)
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "records" in response.json()


def test_more_than_500_records_are_refused_whole(client, user_a, work):
    records = [followup(_patient(), user_a) for _ in range(501)]
    client.force_login(user_a)
    response = client.post(URL, {"records": records}, content_type="application/json")
    assert response.status_code == 400
    assert "500" in str(response.json()["records"])
    assert not FieldSubmission.objects.exists()


def test_answers_come_in_the_order_sent(client, user_a, work):
    patient = _patient()
    records = [
        followup(patient, user_a),
        followup(_patient("B1"), user_a),
        followup(patient, user_a, systolic=999),
        followup(patient, user_a, served_on="2018-05-02"),
    ]
    results = send(client, user_a, *records)
    assert [r["uuid"] for r in results] == [r["uuid"] for r in records]
    assert [r["status"] for r in results] == ["accepted", "refused", "refused", "accepted"]


# --- nothing lost --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_crash_mid_batch_keeps_what_was_accepted(client, user_a, work, monkeypatch):
    patient = _patient()
    records = [followup(patient, user_a, served_on=f"2018-06-{day:02d}") for day in (1, 2, 3, 4)]
    spec = FORM_SPECS["followup"]
    calls = []

    def crash_on_the_third(form, user, year):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the worker died")
        return spec.save(form, user, year)

    broken = type(spec)(spec.form_class, spec.title, crash_on_the_third, spec.success)
    monkeypatch.setitem(FORM_SPECS, "followup", broken)
    client.raise_request_exception = False
    client.force_login(user_a)
    response = client.post(URL, {"records": records}, content_type="application/json")
    assert response.status_code == 500
    assert FieldSubmission.objects.count() == 2
    monkeypatch.setitem(FORM_SPECS, "followup", spec)
    results = send(client, user_a, *records)  # the phone sends its whole queue again
    assert [r["status"] for r in results] == ["duplicate", "duplicate", "accepted", "accepted"]
    served = FulfilmentRecord.objects.filter(person=patient, served_on__month=6)
    assert served.count() == 4


@pytest.mark.django_db(transaction=True)
def test_one_refused_record_does_not_undo_the_others(client, user_a, work):
    patient = _patient()
    results = send(
        client,
        user_a,
        followup(patient, user_a, served_on="2018-06-01"),
        followup(patient, user_a, systolic=20),
        followup(patient, user_a, served_on="2018-06-03"),
    )
    assert [r["status"] for r in results] == ["accepted", "refused", "accepted"]
    assert FieldSubmission.objects.count() == 2


# --- 500 records ---------------------------------------------------------------------------


@pytest.fixture
def patients(village_a, work):
    """100 key chronic patients of village A, on the 2018 roster."""
    result = []
    for n in range(100):
        person = PersonFactory(household=HouseholdFactory(village=village_a, number=f"P{n:03d}"))
        ChronicRegistrationFactory(person=person)
        RosterEntryFactory(person=person, year=2018)
        result.append(person)
    return result


def _batch(patients, user, size: int) -> list[dict]:
    days = [datetime.date(2018, 1, 1) + datetime.timedelta(days=d) for d in range(170)]
    return [
        followup(patients[i % len(patients)], user, served_on=days[i % len(days)].isoformat())
        for i in range(size)
    ]


def _queries(user, records) -> int:
    with CaptureQueriesContext(connection) as captured:
        results = sync_module.field_records_sync(user=user, records=records)
    assert {r["status"] for r in results} == {"accepted"}
    return len(captured)


def test_queries_per_record_do_not_grow_with_the_batch(user_a, patients):
    ten = _queries(user_a, _batch(patients, user_a, 10))
    fifty = _queries(user_a, _batch(patients, user_a, 50))
    per_record = (fifty - ten) / 40
    # The batch's persons, entries and UUIDs are read once; each record then costs the
    # online form's service (its scope checks, the patient check, full_clean's foreign keys,
    # the record and visit with their history rows, savepoints) and its FieldSubmission row.
    assert fifty - 50 * per_record <= ten - 10 * per_record + 1
    assert per_record <= 18, per_record


def _fifty_on_fresh_days(client, patients, user, first_day: datetime.date) -> float:
    """Send 50 records on days no other batch of the test uses; return the CPU they took."""
    fifty = [
        followup(patients[i], user, served_on=(first_day + datetime.timedelta(days=i)).isoformat())
        for i in range(50)
    ]
    cpu_started = time.process_time()
    response = client.post(URL, {"records": fifty}, content_type="application/json")
    cpu = time.process_time() - cpu_started
    assert [r["status"] for r in response.json()["results"]] == ["accepted"] * 50
    return cpu


@pytest.mark.django_db(transaction=True)
def test_500_records_are_answered_within_a_few_seconds(client, user_a, patients, capsys):
    client.force_login(user_a)
    # 50 records before and 50 after the 500, on days the 500 do not use: the host's own
    # yardstick, taken on both sides because this host's speed drifts within a minute.
    cpu_before = _fifty_on_fresh_days(client, patients, user_a, datetime.date(2018, 7, 1))
    records = _batch(patients, user_a, 500)
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.post(URL, {"records": records}, content_type="application/json")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * 500
    cpu_after = _fifty_on_fresh_days(client, patients, user_a, datetime.date(2018, 8, 20))
    cpu_fifty = max(cpu_before, cpu_after)
    started = time.perf_counter()
    again = client.post(URL, {"records": records}, content_type="application/json")
    resent = time.perf_counter() - started
    assert {r["status"] for r in again.json()["results"]} == {"duplicate"}
    with capsys.disabled():
        print(
            f"\n[field sync] {connection.vendor}: 500 new records answered in {elapsed:.2f} s "
            f"(this process's CPU: {cpu:.2f} s, 50 records {cpu_before:.2f} s before and "
            f"{cpu_after:.2f} s after; load average {os.getloadavg()[0]:.1f}), 500 resent "
            f"(duplicates) in {resent:.2f} s"
        )
    # The CPU time is the measure on a shared machine; the wall time only guards a hang. The
    # CPU depends on the host (500 records: 6.8 s on SQLite and 9.5 s on PostgreSQL on one
    # host, 11.9 and 12.5 s on a slower one), so it is held against the same host's 50
    # records: ten times the records may cost at most twelve times the CPU. One yardstick
    # taken before the 500 alone once failed this at 13.7 times while the host slowed down
    # (CI, 2026-12-07); the slower of the two yardsticks is the one to compare with. The test
    # commits as the service does (each record on its own): inside one test transaction every
    # record's atomic() is a savepoint of one long transaction, which no county's request is,
    # and there the 500 measured 12 times the 50 on PostgreSQL (6 to 8 times committed). Growth
    # in queries is pinned exactly by test_queries_per_record_do_not_grow_with_the_batch;
    # what a batch costs in seconds is bench/field_sync.py's to measure.
    assert cpu < 12 * cpu_fifty, (cpu, cpu_before, cpu_after)
    assert elapsed < 60, elapsed
    assert FieldSubmission.objects.count() == 600


def test_a_uuid_saved_meanwhile_by_a_concurrent_request_is_not_saved_twice(
    client, user_a, work, monkeypatch
):
    """Two requests carry the same record: the second read the UUIDs before the first saved."""
    record = followup(_patient(), user_a)
    [first] = send(client, user_a, record)
    real_load = sync_module.load_batch

    def load_before_the_first_committed(user, envelopes):
        context = real_load(user, envelopes)
        context.submissions.clear()
        return context

    monkeypatch.setattr(sync_module, "load_batch", load_before_the_first_committed)
    [second] = send(client, user_a, record)
    assert second["status"] == "duplicate"
    assert second["record_id"] == first["record_id"]
    assert FulfilmentRecord.objects.filter(person=_patient(), served_on="2018-06-20").count() == 1
    assert FollowUpVisit.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"queued_at": "2018-13-45T25:61:00"},
        {"queued_at": 12},
        {"queued_at": None},
        {"queued_by": "7; DROP TABLE"},
        {"queued_by": 10**30},
        {"person": 10**30},
        {"person": -5},
        {"uuid": "0" * 5000},
        {"data": {"served_on": ["2018-06-20", "2018-06-21"]}},
        {"data": {"served_on": {"y": 2018}}},
        {"data": {"served_on": "2018-06-20", "systolic": "NaN", "weight_kg": "Infinity"}},
        {"data": {"served_on": "2018-06-20", "systolic": 10**40, "bmi": "1e400"}},
        {"data": {"served_on": "2018-06-20", "symptoms": "none"}},
        {"data": {"served_on": "2018-06-20", "symptoms": [["none"]], "adverse_reaction": True}},
        {"data": {"served_on": "0000-01-01"}},
        {"data": {"served_on": "2018-06-20", "note": "x" * 100_000}},
        {"data": {"served_on": "2018-06-20", "\x00": "\x00", "person": 1}},
        {"data": {}},
    ],
)
def test_hostile_values_are_answered_never_a_server_error(client, user_a, work, change):
    record = {**followup(_patient(), user_a), **change}
    [result] = send(client, user_a, record)
    assert result["status"] in {"accepted", "refused"}
    if result["status"] == "refused":
        assert result["message"]


def test_a_session_must_send_the_csrf_token(user_a, work):
    """Session callers (the PWA) send X-CSRFToken like HTMX does; token callers need none."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user_a)
    body = {"records": [followup(_patient(), user_a)]}
    refused = client.post(URL, body, content_type="application/json")
    assert refused.status_code == 403
    client.get("/api/field/package/")  # the package sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        URL, body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200
    assert accepted.json()["results"][0]["status"] == "accepted"


def test_the_answer_repeats_the_uuid_as_the_phone_wrote_it(client, user_a, work):
    record = followup(_patient(), user_a)
    record["uuid"] = record["uuid"].upper()
    [accepted] = send(client, user_a, record)
    assert accepted["uuid"] == record["uuid"]
    lower = {**record, "uuid": record["uuid"].lower()}
    [again] = send(client, user_a, lower)  # the same UUID however it is written
    assert (again["uuid"], again["status"]) == (lower["uuid"], "duplicate")
