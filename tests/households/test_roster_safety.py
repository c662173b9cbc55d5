"""A roster import nobody can regret: errors grouped, leavers listed, a large departure
confirmed by typing its number, every applied batch undoable exactly, figures recomputed."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files import File
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from coverage.models import Snapshot
from healthpov.accounts.masking import mask_id_number
from healthpov.service_errors import ServiceConflict
from households import services
from households.imports import ImportContext, row_ranges
from households.models import ImportBatch, Person, RosterEntry
from tests.households.checksums import registry_checksums
from tests.households.factories import PersonFactory
from tests.households.workbooks import person_id, roster_row, write_roster

YEAR = 2018
B = {"township": "朱口镇", "village": "朱口村"}


@pytest.fixture
def places(village_a, village_b):
    return village_a, village_b


def _a(n: int, **over) -> dict:
    return roster_row(n, **over)


def _b(n: int, **over) -> dict:
    return roster_row(n, household=f"B{n // 3:04d}", **{**B, **over})


def import_roster(path: Path, *, confirm_leavers: int | None = None, actor=None):
    """Apply a roster file as a command would (recorded as a batch); returns (result, batch)."""
    context = ImportContext(user=None, options={"year": YEAR, "confirm_leavers": confirm_leavers})
    with translation.override("zh-hans"):
        result = services.import_file(kind="roster", path=path, context=context, actor=actor)
    return result, context.batch


def checked_batch(path: Path, user) -> ImportBatch:
    """An uploaded file, checked (the preview stored), as the upload page leaves it."""
    with path.open("rb") as handle:
        batch = services.import_batch_create(
            kind="roster",
            uploaded_file=File(handle, name=path.name),
            actor=user,
            options={"year": YEAR},
        )
    with translation.override("zh-hans"):
        services.import_batch_check(batch=batch)
    batch.refresh_from_db()
    return batch


def base_roster(tmp_path: Path, *, a: int = 40, b: int = 20, actor=None) -> list[dict]:
    rows = [_a(n) for n in range(a)] + [_b(n) for n in range(100, 100 + b)]
    result, _batch = import_roster(write_roster(tmp_path / "base.xlsx", rows), actor=actor)
    assert result.ok, result.error_lines()
    return rows


def page(client, user, batch) -> str:
    client.force_login(user)
    response = client.get(reverse("households:import_detail", args=[batch.pk]))
    assert response.status_code == 200
    return response.content.decode()


# ------------------------------------------------------------------ grouped errors


def test_row_ranges_join_contiguous_rows():
    with translation.override("zh-hans"):
        assert row_ranges([12, 3, 4, 5, 9, 13, 14, 20, 15, 16, 17, 18, 19]) == "3-5、9、12-20"


def test_the_preview_groups_errors_by_message_with_counts_and_row_ranges(
    tmp_path, places, client, county_user
):
    # Data rows start on Excel row 4 (two title rows and the header above them).
    # Households of three: rows 3-5 and 9-11 are two whole households.
    rows = [_b(n, village="坎下村" if n in {3, 4, 5, 9, 10, 11} else "朱口村") for n in range(15)]
    batch = checked_batch(write_roster(tmp_path / "r.xlsx", rows), county_user)

    body = page(client, county_user, batch)

    assert body.count("朱口镇没有行政村“坎下村”") == 1
    assert "6 行（第7-9、13-15行）" in body
    assert batch.error_count == 6


def test_the_error_workbook_still_marks_every_row(tmp_path, places, client, county_user):
    rows = [_b(n, village="坎下村") for n in range(5)]
    batch = checked_batch(write_roster(tmp_path / "r.xlsx", rows), county_user)
    client.force_login(county_user)

    response = client.get(reverse("households:import_report", args=[batch.pk]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    messages = [sheet.cell(row=r, column=sheet.max_column).value for r in range(4, 9)]
    assert all("坎下村" in (message or "") for message in messages)


# ------------------------------------------------------------------------ leavers


def test_the_preview_lists_who_would_leave_the_roster_by_township(
    tmp_path, places, client, county_user
):
    rows = base_roster(tmp_path)
    gone = {person_id(5), person_id(6), person_id(101)}
    kept = [row for row in rows if row["身份证号码"] not in gone]
    batch = checked_batch(write_roster(tmp_path / "new.xlsx", kept), county_user)

    body = page(client, county_user, batch)

    assert batch.preview["leavers"]["count"] == 3
    by_township = {t["name"]: t["count"] for t in batch.preview["leavers"]["townships"]}
    assert by_township == {"杉城镇": 2, "朱口镇": 1}
    assert "杉城镇：2 人，在册 40 人（5.0%）" in body
    assert "朱口镇：1 人，在册 20 人（5.0%）" in body
    for n in (5, 6, 101):
        assert f"居民{n}" in body
        assert mask_id_number(person_id(n)) in body
        assert person_id(n) not in body


# ------------------------------------------------------------------- confirmation


def _file_taking_three_of_b(tmp_path: Path, rows: list[dict]) -> Path:
    """3 of township B's 20 leave: 15% of B, 5% of the county (not above it)."""
    gone = {person_id(100), person_id(101), person_id(102)}
    return write_roster(tmp_path / "new.xlsx", [r for r in rows if r["身份证号码"] not in gone])


def _apply(client, user, batch, **data):
    client.force_login(user)
    with translation.override("zh-hans"):
        response = client.post(
            reverse("households:import_apply", args=[batch.pk]), data, follow=True
        )
    batch.refresh_from_db()
    return response.content.decode()


def test_above_five_percent_of_a_township_the_page_asks_for_the_number(
    tmp_path, places, client, county_user
):
    batch = checked_batch(_file_taking_three_of_b(tmp_path, base_roster(tmp_path)), county_user)

    assert batch.preview["leavers"]["confirm"] is True
    assert 'data-testid="confirm-leavers"' in page(client, county_user, batch)


def test_applying_without_the_number_is_refused(tmp_path, places, client, county_user):
    batch = checked_batch(_file_taking_three_of_b(tmp_path, base_roster(tmp_path)), county_user)

    body = _apply(client, county_user, batch)

    assert batch.status == ImportBatch.Status.CHECKED
    assert "输入人数 3" in body
    assert not RosterEntry.objects.filter(left_on__isnull=False).exists()


def test_a_wrong_number_is_refused(tmp_path, places, client, county_user):
    batch = checked_batch(_file_taking_three_of_b(tmp_path, base_roster(tmp_path)), county_user)

    body = _apply(client, county_user, batch, confirm_leavers="30")

    assert batch.status == ImportBatch.Status.CHECKED
    assert "输入的数字（30）" in body
    assert not RosterEntry.objects.filter(left_on__isnull=False).exists()


def test_the_right_number_applies(tmp_path, places, client, county_user):
    batch = checked_batch(_file_taking_three_of_b(tmp_path, base_roster(tmp_path)), county_user)

    _apply(client, county_user, batch, confirm_leavers="3")

    assert batch.status == ImportBatch.Status.APPLIED
    assert RosterEntry.objects.filter(left_on__isnull=False).count() == 3


def test_under_five_percent_no_number_is_asked(tmp_path, places, client, county_user):
    rows = base_roster(tmp_path)
    kept = [row for row in rows if row["身份证号码"] != person_id(7)]  # 1 of 40 in A
    batch = checked_batch(write_roster(tmp_path / "new.xlsx", kept), county_user)

    assert 'data-testid="confirm-leavers"' not in page(client, county_user, batch)
    _apply(client, county_user, batch)

    assert batch.status == ImportBatch.Status.APPLIED
    assert RosterEntry.objects.filter(left_on__isnull=False).count() == 1


def test_the_service_refuses_even_when_the_page_is_bypassed(tmp_path, places, county_user):
    batch = checked_batch(_file_taking_three_of_b(tmp_path, base_roster(tmp_path)), county_user)

    with translation.override("zh-hans"):
        result = services.import_batch_apply(batch=batch, actor=county_user, confirm_leavers=2)

    assert not result.applied
    assert batch.status == ImportBatch.Status.CHECKED
    assert "输入的数字（2）" in batch.preview["refused"]
    assert not RosterEntry.objects.filter(left_on__isnull=False).exists()


def test_the_import_command_refuses_without_the_number(tmp_path, places):
    path = _file_taking_three_of_b(tmp_path, base_roster(tmp_path))

    with pytest.raises(SystemExit), translation.override("zh-hans"):
        call_command("import_roster", str(path), "--year", str(YEAR), stderr=io.StringIO())

    assert not RosterEntry.objects.filter(left_on__isnull=False).exists()


def test_the_import_command_applies_with_the_number(tmp_path, places):
    path = _file_taking_three_of_b(tmp_path, base_roster(tmp_path))

    call_command(
        "import_roster",
        str(path),
        "--year",
        str(YEAR),
        "--confirm-leavers",
        "3",
        stdout=io.StringIO(),
    )

    assert RosterEntry.objects.filter(left_on__isnull=False).count() == 3


# ---------------------------------------------------------------------------- undo


def _busy_history(tmp_path: Path, county_user) -> list[dict]:
    """A registry with history before the batch to undo: a base roster, a staff edit (a
    simple-history row and a status change) and a person who left the roster earlier."""
    rows = base_roster(tmp_path, a=12, b=6)
    person = Person.objects.get(id_number=person_id(1))
    services.person_change_status(
        person=person,
        status="away",
        changed_on=datetime.date(2018, 3, 1),
        reason="外出务工",
        actor=county_user,
    )
    without_4 = [row for row in rows if row["身份证号码"] != person_id(4)]
    result, _batch = import_roster(
        write_roster(tmp_path / "left.xlsx", without_4), confirm_leavers=1
    )
    assert result.counts["persons_left"] == 1
    return rows


def _busy_batch_rows(rows: list[dict]) -> list[dict]:
    """A file that creates, changes, moves, returns and takes off persons at once."""
    changed = []
    for row in rows:
        n = int(row["姓名"].removeprefix("居民"))
        if n == 2:
            continue  # leaves
        if n == 3:
            row = {**row, "联系电话": "13912345678", "姓名": "居民三改"}
        if n == 5:
            row = {**row, "户编号": "H0000", "与户主关系": "之女", "人员状态": "外迁"}
        if n == 0:
            row = {**row, "脱贫状态": "未脱贫", "联系电话": "13700000000"}
        changed.append(row)
    return [*changed, _a(50, household="H0900"), _a(51, household="H0900")]


def test_undo_puts_every_registry_table_back_exactly(tmp_path, places, county_user):
    rows = _busy_history(tmp_path, county_user)  # person 4 is off the roster: the file returns
    before = registry_checksums()
    result, batch = import_roster(
        write_roster(tmp_path / "busy.xlsx", _busy_batch_rows(rows)), confirm_leavers=1
    )
    c = result.counts
    assert (c["persons_new"], c["persons_left"], c["households_new"]) == (2, 1, 1)
    assert c["persons_changed"] >= 3 and c["households_changed"] >= 1
    assert registry_checksums() != before

    services.roster_batch_undo(batch=batch, actor=county_user)

    assert registry_checksums() == before
    batch.refresh_from_db()
    assert (batch.status, batch.undone_by) == (ImportBatch.Status.UNDONE, county_user)
    assert batch.undone_at is not None


def test_an_older_batch_that_a_later_one_depends_on_is_not_undone(tmp_path, places, county_user):
    rows = base_roster(tmp_path, a=6, b=0)
    first = ImportBatch.objects.get()
    _result, _later = import_roster(
        write_roster(tmp_path / "phones.xlsx", [{**r, "联系电话": "13912345678"} for r in rows])
    )
    before = registry_checksums()

    with pytest.raises(ServiceConflict) as refusal, translation.override("zh-hans"):
        services.roster_batch_undo(batch=first, actor=county_user)

    assert "phones.xlsx" in refusal.value.messages[0]
    assert "请先撤销" in refusal.value.messages[0]
    assert registry_checksums() == before
    first.refresh_from_db()
    assert first.status == ImportBatch.Status.APPLIED


def test_undoing_the_later_batch_first_lets_the_older_one_be_undone(tmp_path, places, county_user):
    empty = registry_checksums()
    rows = base_roster(tmp_path, a=6, b=0)
    first = ImportBatch.objects.get()
    _result, later = import_roster(
        write_roster(tmp_path / "phones.xlsx", [{**r, "联系电话": "13912345678"} for r in rows])
    )

    services.roster_batch_undo(batch=later, actor=county_user)
    services.roster_batch_undo(batch=first, actor=county_user)

    assert registry_checksums() == empty


def test_an_edit_made_after_the_import_blocks_its_undo(tmp_path, places, county_user):
    base_roster(tmp_path, a=6, b=0)
    batch = ImportBatch.objects.get()
    person = Person.objects.get(id_number=person_id(2))
    services.person_change_status(
        person=person,
        status="died",
        changed_on=datetime.date(2018, 5, 1),
        reason="病故",
        actor=county_user,
    )

    with pytest.raises(ServiceConflict):
        services.roster_batch_undo(batch=batch, actor=county_user)

    assert Person.objects.count() == 6


def test_a_record_added_for_a_created_person_blocks_the_undo(tmp_path, places, county_user):
    base_roster(tmp_path, a=3, b=0)
    batch = ImportBatch.objects.get()
    person = Person.objects.get(id_number=person_id(0))
    PersonFactory(household=person.household)  # a member added by hand to a created household

    with pytest.raises(ServiceConflict):
        services.roster_batch_undo(batch=batch, actor=county_user)

    assert Person.objects.filter(pk=person.pk).exists()


def test_the_batch_page_offers_undo_to_county_users(tmp_path, places, client, county_user):
    base_roster(tmp_path, a=3, b=0, actor=county_user)
    batch = ImportBatch.objects.get()
    body = page(client, county_user, batch)
    assert 'data-testid="undo-form"' in body

    response = client.post(reverse("households:import_undo", args=[batch.pk]))

    assert response.status_code == 302
    assert not Person.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert 'data-testid="undone"' in page(client, county_user, batch)


def test_a_township_user_may_not_undo(tmp_path, places, client, user_a):
    base_roster(tmp_path, a=3, b=0, actor=user_a)
    batch = ImportBatch.objects.get()
    assert 'data-testid="undo-form"' not in page(client, user_a, batch)

    response = client.post(reverse("households:import_undo", args=[batch.pk]))

    assert response.status_code == 403
    assert Person.objects.count() == 3


# -------------------------------------------------------------------- the figures


def _figure(code: str, place) -> int | None:
    snapshot = Snapshot.objects.filter(
        year=YEAR, date=datetime.date(YEAR, 12, 31), place=place, code=code
    ).first()
    return None if snapshot is None else int(snapshot.value)


def test_the_figures_follow_an_apply_and_an_undo(
    tmp_path, places, county, county_user, django_capture_on_commit_callbacks
):
    rows = [_a(n) for n in range(9)]
    with django_capture_on_commit_callbacks(execute=True):
        _result, _first = import_roster(write_roster(tmp_path / "a.xlsx", rows))
    assert _figure("roster_persons", county) == 9
    assert _figure("roster_households", county) == 3

    with django_capture_on_commit_callbacks(execute=True):
        _result, second = import_roster(
            write_roster(tmp_path / "b.xlsx", [*rows, _a(20, household="H0900")])
        )
    assert _figure("roster_persons", county) == 10

    with django_capture_on_commit_callbacks(execute=True):
        services.roster_batch_undo(batch=second, actor=county_user)
    assert _figure("roster_persons", county) == 9
    assert _figure("roster_households", county) == 3
