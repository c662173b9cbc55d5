import datetime
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from households import services
from households.imports import ImportContext, ImportRun, build_error_report, reading
from households.ledgers import RosterLedger
from households.models import (
    Household,
    ImportBatch,
    Person,
    PersonStatus,
    RosterEntry,
    StatusChange,
)
from tests.hardening.bad_files import SheetSpec
from tests.hardening.bad_files import Workbook as BadWorkbook
from tests.households.workbooks import HEADER, person_id, roster_row, write_roster


@pytest.fixture
def places(village_a, village_b):
    return village_a, village_b


def run(path, *, user=None, dry_run=False, **options):
    context = ImportContext(user=user, options={"year": 2018, **options}, dry_run=dry_run)
    if dry_run:
        return ImportRun(RosterLedger, path, context).check()
    with translation.override("zh-hans"):
        return services.import_file(kind="roster", path=path, context=context, actor=user)


def assert_nothing_written():
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0
    assert RosterEntry.objects.count() == 0


# ---------------------------------------------------------------- good files


def test_roster_under_title_rows_imports_with_counts(tmp_path, places):
    path = write_roster(tmp_path / "r.xlsx", [roster_row(n) for n in range(6)])
    result = run(path)
    assert result.ok, result.error_lines()
    assert result.counts["persons_new"] == 6
    assert result.counts["households_new"] == 2
    assert Person.objects.count() == 6
    assert RosterEntry.objects.filter(year=2018).count() == 6


def test_reimport_of_the_same_file_changes_nothing(tmp_path, places):
    path = write_roster(tmp_path / "r.xlsx", [roster_row(n) for n in range(6)])
    run(path)
    before = list(Person.objects.values_list("id", "updated_at"))
    result = run(path)
    assert result.counts["persons_unchanged"] == 6
    assert result.counts["persons_new"] == result.counts["persons_changed"] == 0
    assert list(Person.objects.values_list("id", "updated_at")) == before
    assert StatusChange.objects.count() == 0
    assert set(ImportBatch.objects.values_list("sha256", flat=True)).__len__() == 1


def test_dry_run_counts_but_writes_nothing(tmp_path, places):
    path = write_roster(tmp_path / "r.xlsx", [roster_row(n) for n in range(3)])
    result = run(path, dry_run=True)
    assert result.counts["persons_new"] == 3
    assert_nothing_written()


def test_messy_cells_are_normalised(tmp_path, places):
    number = person_id(1)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in number)
    rows = [
        roster_row(0),
        roster_row(
            1,
            **{
                "身份证号码": f" {full_width} ",
                "出生日期": "1956.3.2",
                "是否参加城乡居民基本医疗保险": "√",
            },
        ),
        roster_row(2, **{"出生日期": number and "19560303", "是否参加城乡居民基本医疗保险": "×"}),
    ]
    path = write_roster(tmp_path / "r.xlsx", rows)
    result = run(path)
    assert result.ok, result.error_lines()
    assert Person.objects.get(id_number=number).insured is True
    assert Person.objects.get(id_number=person_id(2)).insured is False


def test_status_change_is_recorded_with_the_import_as_source(tmp_path, places):
    run(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(3)]))
    rows = [roster_row(0), roster_row(1, **{"人员状态": "死亡"}), roster_row(2)]
    result = run(write_roster(tmp_path / "b.xlsx", rows))
    assert result.counts["persons_changed"] == 1
    change = StatusChange.objects.get(field="person_status")
    assert (change.old_value, change.new_value, change.source) == ("normal", "died", "import")
    assert change.batch.original_name == "b.xlsx"
    assert Person.objects.get(id_number=person_id(1)).status == PersonStatus.DIED


def _reimport_with_new_phone_and_health(tmp_path):
    run(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(3)]))
    changed = roster_row(1, **{"联系电话": "13912345678", "健康状况": "长期慢性病"})
    result = run(write_roster(tmp_path / "b.xlsx", [roster_row(0), changed, roster_row(2)]))
    assert result.counts["persons_changed"] == 1, result.error_lines()
    return Person.objects.get(id_number=person_id(1))


def test_field_changes_of_a_reimport_are_recorded_with_the_batch(tmp_path, places):
    person = _reimport_with_new_phone_and_health(tmp_path)
    changes = {
        change.field: (change.old_value, change.new_value, change.batch.original_name)
        for change in StatusChange.objects.filter(person=person)
    }
    assert changes == {
        "phone": ("138****0000", "139****5678", "b.xlsx"),
        "health": ("healthy", "chronic", "b.xlsx"),
    }


def test_household_page_shows_a_reimports_field_changes_masked(
    tmp_path, places, client, county_user
):
    person = _reimport_with_new_phone_and_health(tmp_path)
    client.force_login(county_user)
    with translation.override("zh-hans"):
        page = client.get(
            reverse("households:household_detail", args=[person.household_id])
        ).content.decode()
    history = page[page.index('data-testid="status-history"') :]
    assert "138****0000" in history
    assert "139****5678" in history
    assert "长期慢性病" in history
    assert "b.xlsx" in history
    assert "13912345678" not in page


def test_person_missing_from_newer_roster_is_marked_left_not_deleted(tmp_path, places):
    run(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(3)]))
    # One of three is above 5% of the roster: the number is typed to confirm.
    result = run(
        write_roster(tmp_path / "b.xlsx", [roster_row(0), roster_row(1)]), confirm_leavers=1
    )
    assert result.counts["persons_left"] == 1
    assert Person.objects.count() == 3
    entry = RosterEntry.objects.get(person__id_number=person_id(2), year=2018)
    assert entry.left_on is not None


def test_a_file_of_one_township_leaves_the_other_townships_alone(tmp_path, places):
    b = {"township": "朱口镇", "village": "朱口村"}
    rows = [roster_row(0), roster_row(1), roster_row(2), roster_row(3, household="B1", **b)]
    run(write_roster(tmp_path / "a.xlsx", rows))
    result = run(
        write_roster(tmp_path / "b.xlsx", [roster_row(0), roster_row(1)]), confirm_leavers=1
    )
    assert result.counts["persons_left"] == 1
    left = RosterEntry.objects.filter(left_on__isnull=False)
    assert list(left.values_list("person__id_number", flat=True)) == [person_id(2)]


def test_a_person_moving_to_another_township_keeps_one_entry_a_year(tmp_path, places):
    b = {"township": "朱口镇", "village": "朱口村"}
    run(write_roster(tmp_path / "a.xlsx", [roster_row(0), roster_row(1, household="B1", **b)]))
    rows = [roster_row(0), roster_row(1, household="H0000")]
    result = run(write_roster(tmp_path / "b.xlsx", rows))
    assert (result.counts["persons_changed"], result.counts["persons_left"]) == (1, 0)
    assert RosterEntry.objects.filter(person__id_number=person_id(1), year=2018).count() == 1


def test_left_person_who_reappears_is_back_on_the_roster(tmp_path, places):
    run(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(3)]))
    run(write_roster(tmp_path / "b.xlsx", [roster_row(0), roster_row(1)]))
    run(write_roster(tmp_path / "c.xlsx", [roster_row(n) for n in range(3)]))
    assert not RosterEntry.objects.filter(left_on__isnull=False).exists()


def test_household_status_and_village_changes_are_recorded(tmp_path, places):
    run(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(3)]))
    moved = {"township": "朱口镇", "village": "朱口村", "脱贫状态": "未脱贫"}
    result = run(write_roster(tmp_path / "b.xlsx", [roster_row(n, **moved) for n in range(3)]))
    assert result.counts["households_changed"] == 1
    household = Household.objects.get()
    assert (household.village.name, household.poverty_status) == ("朱口村", "not_out")
    changes = dict(StatusChange.objects.values_list("field", "new_value"))
    assert changes == {"poverty_status": "not_out", "village": str(household.village_id)}


def test_person_moving_to_another_household_is_recorded(tmp_path, places):
    run(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(4)]))
    old = Person.objects.get(id_number=person_id(1)).household_id
    rows = [roster_row(0), roster_row(1, household="H0009"), roster_row(2), roster_row(3)]
    result = run(write_roster(tmp_path / "b.xlsx", rows))
    assert (result.counts["persons_changed"], result.counts["households_new"]) == (1, 1)
    person = Person.objects.get(id_number=person_id(1))
    assert person.household.number == "H0009"
    change = StatusChange.objects.get(field="household")
    assert (change.person, change.old_value, change.new_value) == (
        person,
        str(old),
        str(person.household_id),
    )


def test_a_bad_row_skipped_with_valid_rows_only_neither_joins_nor_leaves(tmp_path, places):
    run(write_roster(tmp_path / "a.xlsx", [roster_row(n) for n in range(3)]))
    rows = [roster_row(0), roster_row(1, **{"与户主关系": "邻居"}), roster_row(2)]
    result = run(write_roster(tmp_path / "b.xlsx", rows), valid_rows_only=True, year=2019)
    assert result.applied
    in_2019 = set(RosterEntry.objects.filter(year=2019).values_list("person__id_number", flat=True))
    assert in_2019 == {person_id(0), person_id(2)}
    result = run(write_roster(tmp_path / "c.xlsx", rows), valid_rows_only=True)
    assert result.counts["persons_left"] == 0
    assert not RosterEntry.objects.filter(left_on__isnull=False).exists()


def test_rows_in_later_chunks_keep_their_numbers_values_and_errors(tmp_path, places, monkeypatch):
    # Four rows a chunk: the parsed values of each chunk are laid out column by column.
    monkeypatch.setattr("households.imports.engine.CHUNK_ROWS", 4)
    rows = [roster_row(n) for n in range(11)]
    rows[9] = roster_row(9, **{"与户主关系": "邻居"})
    rows[6] = roster_row(6, **{"是否参加城乡居民基本医疗保险": True})  # a boolean cell
    rows[7] = roster_row(7, **{"是否参加城乡居民基本医疗保险": 0})  # a number cell
    result = run(write_roster(tmp_path / "r.xlsx", rows), valid_rows_only=True)
    assert [(e["row"], e["column"]) for e in result.errors] == [(13, "与户主关系")]
    assert result.counts["persons_new"] == 10
    insured = dict(Person.objects.values_list("id_number", "insured"))
    assert (insured[person_id(6)], insured[person_id(7)], insured[person_id(8)]) == (
        True,
        False,
        True,
    )
    assert Person.objects.get(id_number=person_id(10)).name == "居民10"


def test_valid_rows_only_imports_the_good_rows(tmp_path, places):
    rows = [roster_row(0), roster_row(1, **{"与户主关系": "邻居"}), roster_row(2)]
    result = run(write_roster(tmp_path / "r.xlsx", rows), valid_rows_only=True)
    assert result.applied
    assert Person.objects.count() == 2


def test_unknown_township_is_a_row_error_without_create_places(tmp_path, places):
    result = run(write_roster(tmp_path / "r.xlsx", [roster_row(0, township="新城镇")]))
    assert result.errors[0]["column"] == "乡(镇)"
    assert_nothing_written()


def test_create_places_creates_unknown_township_and_village(tmp_path, places, county):
    result = run(
        write_roster(tmp_path / "r.xlsx", [roster_row(0, township="新城镇", village="新村")]),
        create_places=True,
        county=county,
    )
    assert result.ok, result.error_lines()
    assert result.counts["places_new"] == 2
    assert Person.objects.get().household.village.parent.name == "新城镇"


def test_township_names_match_without_their_suffix(tmp_path, places):
    result = run(
        write_roster(tmp_path / "r.xlsx", [roster_row(0, township="杉城", village="南会")])
    )
    assert result.ok, result.error_lines()


# ------------------------------------------------------------------- scoping


def test_township_user_cannot_import_rows_of_another_township(tmp_path, places, user_a):
    rows = [roster_row(0), roster_row(1, township="朱口镇", village="朱口村", household="B1")]
    result = run(write_roster(tmp_path / "r.xlsx", rows), user=user_a)
    assert [e["row"] for e in result.errors] == [5]
    assert "管辖" in result.errors[0]["message"] or "outside" in result.errors[0]["message"]
    assert_nothing_written()


def test_township_user_cannot_touch_a_person_registered_elsewhere(tmp_path, places, user_a):
    run(write_roster(tmp_path / "a.xlsx", [roster_row(0, township="朱口镇", village="朱口村")]))
    result = run(write_roster(tmp_path / "b.xlsx", [roster_row(0, household="A1")]), user=user_a)
    assert result.error_count >= 1
    assert Person.objects.get().household.village.name == "朱口村"


# ------------------------------------------------------------------ bad rows


def _errors_of(tmp_path, rows):
    result = run(write_roster(tmp_path / "r.xlsx", rows))
    assert not result.applied
    assert_nothing_written()
    return result.errors


def test_id_stored_as_number_asks_to_format_column_as_text(tmp_path, places):
    errors = _errors_of(
        tmp_path, [roster_row(0), roster_row(1, **{"身份证号码": 350429195603020013})]
    )
    assert errors[0]["row"] == 5
    assert errors[0]["column"] == "身份证号码"
    assert "文本" in errors[0]["message"]


def test_bad_check_digit_is_named_with_row_and_column(tmp_path, places):
    number = person_id(0)
    wrong = number[:17] + ("0" if number[-1] != "0" else "1")
    errors = _errors_of(tmp_path, [roster_row(0, **{"身份证号码": wrong})])
    assert (errors[0]["row"], errors[0]["column"]) == (4, "身份证号码")
    assert "校验位" in errors[0]["message"]


def test_fifteen_digit_id_is_refused(tmp_path, places):
    errors = _errors_of(tmp_path, [roster_row(0, **{"身份证号码": "350429560301001"})])
    assert "15位" in errors[0]["message"]


def test_birth_date_contradicting_the_id_is_refused(tmp_path, places):
    errors = _errors_of(tmp_path, [roster_row(0, **{"出生日期": datetime.date(1960, 1, 1)})])
    assert errors[0]["column"] == "出生日期"


def test_sex_contradicting_the_id_is_refused(tmp_path, places):
    errors = _errors_of(
        tmp_path, [roster_row(0, **{"性别": "女" if int(person_id(0)[16]) % 2 else "男"})]
    )
    assert errors[0]["column"] == "性别"


def test_duplicate_id_names_the_first_row(tmp_path, places):
    errors = _errors_of(tmp_path, [roster_row(0), roster_row(1), roster_row(0)])
    assert errors[0]["row"] == 6
    assert "4" in errors[0]["message"]


def test_unknown_relation_lists_the_allowed_values(tmp_path, places):
    errors = _errors_of(tmp_path, [roster_row(0, **{"与户主关系": "邻居"})])
    assert errors[0]["column"] == "与户主关系"
    assert "之子" in errors[0]["message"]


def test_blank_rows_are_skipped_and_row_numbers_stay_right(tmp_path, places):
    rows = [roster_row(0), {}, {}, roster_row(1, **{"与户主关系": "邻居"})]
    errors = _errors_of(tmp_path, rows)
    assert [e["row"] for e in errors] == [7]


def test_formula_cells_are_refused(tmp_path, places):
    errors = _errors_of(tmp_path, [roster_row(0, **{"姓名": "=A1&B1"})])
    assert errors[0]["column"] == "姓名"
    assert "公式" in errors[0]["message"]


def test_missing_required_cell_is_a_row_error(tmp_path, places):
    errors = _errors_of(tmp_path, [roster_row(0, **{"姓名": "  "})])
    assert errors[0]["column"] == "姓名"


# ----------------------------------------------------------------- bad files


def _file_error(path):
    result = run(path)
    assert result.file_error
    assert not result.applied
    assert_nothing_written()
    return result.file_error


def test_renamed_pdf_is_refused(tmp_path, places):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert "PDF" in _file_error(path)


def test_renamed_html_is_refused(tmp_path, places):
    path = tmp_path / "r.xls"
    path.write_text("<html><body><table><tr><td>身份证号</td></tr></table></body></html>")
    assert "HTML" in _file_error(path)


def test_encrypted_workbook_is_refused(tmp_path, places):
    path = tmp_path / "r.xlsx"
    body = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 1000
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 1000
    )
    path.write_bytes(body)
    assert "密码" in _file_error(path)


def test_empty_sheet_is_refused(tmp_path, places):
    path = tmp_path / "r.xlsx"
    openpyxl.Workbook().save(path)
    assert "空" in _file_error(path)


def test_header_without_id_column_is_refused(tmp_path, places):
    header = [h for h in HEADER if h != "身份证号码"]
    path = write_roster(tmp_path / "r.xlsx", [roster_row(0)], header=header)
    assert "身份证号" in _file_error(path)


def test_file_over_the_size_limit_is_refused(tmp_path, places, settings):
    path = tmp_path / "r.xlsx"
    with path.open("wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(30 * 1024 * 1024)
    assert "MB" in _file_error(path)


def test_zip_bomb_is_refused_before_parsing(tmp_path, places):
    path = write_roster(tmp_path / "r.xlsx", [roster_row(0)])
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/padding.bin", "w") as member,
    ):
        for _ in range(64):
            member.write(b"\0" * (1024 * 1024))
    assert "压缩炸弹" in _file_error(path)


def test_workbook_with_macros_is_refused(tmp_path, places):
    path = write_roster(tmp_path / "r.xlsm", [roster_row(0)])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    assert "宏" in _file_error(path)


def test_hidden_sheet_is_refused(tmp_path, places):
    path = write_roster(tmp_path / "r.xlsx", [roster_row(0)])
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("旧数据").sheet_state = "hidden"
    workbook.save(path)
    assert "隐藏" in _file_error(path)


# -------------------------------------------------------------- error report


def test_error_report_highlights_bad_cells_and_adds_a_message_column(tmp_path, places):
    path = write_roster(
        tmp_path / "r.xlsx", [roster_row(0), roster_row(1, **{"与户主关系": "邻居"})]
    )
    result = run(path, dry_run=True)
    with translation.override("zh-hans"):
        data = build_error_report(
            path,
            file_format=result.file_format,
            sheet_name=result.sheet_name,
            header_row=result.header_row,
            errors=result.errors,
        )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    bad = sheet.cell(row=5, column=HEADER.index("与户主关系") + 1)
    assert bad.fill.start_color.rgb.endswith("FFC7CE")
    assert sheet.cell(row=3, column=len(HEADER) + 1).value == "错误说明"
    assert "与户主关系" in sheet.cell(row=5, column=len(HEADER) + 1).value


def test_sheet_with_a_far_cell_is_refused_before_parsing(tmp_path, places):
    path = write_roster(tmp_path / "r.xlsx", [roster_row(0)])
    workbook = openpyxl.load_workbook(path)
    workbook.active["XFD1048576"] = "x"
    workbook.save(path)
    assert "范围" in _file_error(path)


def test_wide_but_small_sheet_is_read(tmp_path, places):
    rows = [roster_row(0)]
    path = write_roster(
        tmp_path / "r.xlsx", rows, header=[*HEADER, *[f"备注{i}" for i in range(60)]]
    )
    assert run(path).ok


# ---------------------------------------------------------------- a worker dying mid-apply


def _checked_batch(tmp_path, user):
    from django.core.files import File

    path = write_roster(tmp_path / "r.xlsx", [roster_row(n) for n in range(4)])
    with path.open("rb") as handle:
        batch = services.import_batch_create(
            kind="roster", uploaded_file=File(handle, name=path.name), actor=user,
            options={"year": 2018},
        )  # fmt: skip
    services.import_batch_check(batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED
    return batch


def test_redelivered_job_takes_over_a_batch_its_dead_worker_left_applying(
    tmp_path, places, county_user
):
    batch = _checked_batch(tmp_path, county_user)
    # What a worker killed inside the apply transaction leaves behind: the claim, no rows.
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.APPLYING, apply_claim="job-1"
    )
    result = services.import_batch_apply(batch=batch, actor=county_user, claim="job-1")
    assert result.applied
    assert Person.objects.count() == 4
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED


def test_a_duplicate_job_leaves_a_batch_being_applied_alone(tmp_path, places, county_user):
    batch = _checked_batch(tmp_path, county_user)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.APPLYING, apply_claim="job-1"
    )
    result = services.import_batch_apply(batch=batch, actor=county_user, claim="job-2")
    assert not result.applied
    assert Person.objects.count() == 0
    batch.refresh_from_db()
    assert (batch.status, batch.apply_claim) == (ImportBatch.Status.APPLYING, "job-1")


def test_a_file_needing_more_memory_than_the_ceiling_is_refused(tmp_path, places, settings):
    # One 32,000-character shared string in 10,000 cells: 24 KB on disk, 320 MB once read.
    settings.IMPORT_MEMORY_LIMIT_MB = 64
    rows = [HEADER, *[["x" * 32_000] * 10 for _ in range(1000)]]
    path = BadWorkbook([SheetSpec(rows)]).save(tmp_path / "r.xlsx")
    assert path.stat().st_size < 100_000
    assert "内存" in _file_error(path)


class _CountingTrialRead(reading.TrialRead):
    started = 0

    def __init__(self, path):
        type(self).started += 1
        super().__init__(path)


def test_an_ordinary_roster_is_read_once_and_an_amplifier_twice(
    tmp_path, places, settings, monkeypatch
):
    # The trial read in a child process is skipped where twice the bound of what reading may
    # take is within the ceiling; a file whose shared strings could blow up is still tried.
    settings.IMPORT_MEMORY_LIMIT_MB = 64
    monkeypatch.setattr(reading, "TrialRead", _CountingTrialRead)
    ordinary = write_roster(tmp_path / "ordinary.xlsx", [roster_row(n) for n in range(50)])
    assert reading.inspect_file(ordinary) == "xlsx"
    assert _CountingTrialRead.started == 0
    rows = [HEADER, *[["x" * 32_000] * 10 for _ in range(1000)]]
    amplifier = BadWorkbook([SheetSpec(rows)]).save(tmp_path / "amplifier.xlsx")
    with pytest.raises(reading.FileRejected):
        reading.inspect_file(amplifier)
    assert _CountingTrialRead.started == 1
