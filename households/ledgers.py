"""The roster (花名册) as a ledger of the import engine: upsert households and persons by ID.

Semantics (docs/domain.md "Registry"): a person is matched by resident ID and updated;
changes of person status, poverty status, household and village are kept as
:class:`~households.models.StatusChange` rows whose source is this import; every person on the
file gets a :class:`~households.models.RosterEntry` for the roster year; persons of the same
year who are missing from the new file are marked as having left it (never deleted). Only
townships that appear in the file are compared, so a file of one township does not make the
others "leave". A file taking more than ``LEAVERS_CONFIRM_SHARE`` of the roster (the county's
or a township's) off it is applied only with that number typed (``confirm_leavers``). The
apply keeps what it changed (:class:`~households.models.ImportUndoRecord`) for
``households.services.roster_batch_undo``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from healthpov.accounts.masking import mask_phone
from healthpov.places.models import Place
from healthpov.places.scoping import places_visible_to
from households.idnumber import cross_check
from households.imports import (
    ID_NUMBER_COLUMN,
    Column,
    ImportRefused,
    Ledger,
    Row,
    normalise,
    register,
)
from households.imports.bulk import (
    chunks,
    db_value,
    insert_rows,
    insert_with_ids,
    stream_values,
    update_rows,
)
from households.messages import HOUSEHOLD_NUMBER_NOT_REGISTRABLE, ID_NOT_REGISTRABLE
from households.models import (
    Cause,
    ChangeSource,
    Health,
    Household,
    HouseholdType,
    ImportUndoRecord,
    Person,
    PersonStatus,
    PovertyStatus,
    Relation,
    RosterEntry,
    Sex,
    StatusChange,
)

SEX_VALUES = {
    "男": Sex.MALE,
    "女": Sex.FEMALE,
    "M": Sex.MALE,
    "F": Sex.FEMALE,
    "男性": Sex.MALE,
    "女性": Sex.FEMALE,
}
RELATION_VALUES = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "之妻": Relation.SPOUSE,
    "之夫": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "之子": Relation.SON,
    "子": Relation.SON,
    "儿子": Relation.SON,
    "之女": Relation.DAUGHTER,
    "女": Relation.DAUGHTER,
    "女儿": Relation.DAUGHTER,
    "之父": Relation.FATHER,
    "父亲": Relation.FATHER,
    "之母": Relation.MOTHER,
    "母亲": Relation.MOTHER,
    "之孙子": Relation.GRANDSON,
    "孙子": Relation.GRANDSON,
    "之孙女": Relation.GRANDDAUGHTER,
    "孙女": Relation.GRANDDAUGHTER,
    "之儿媳": Relation.DAUGHTER_IN_LAW,
    "儿媳": Relation.DAUGHTER_IN_LAW,
    "之女婿": Relation.SON_IN_LAW,
    "女婿": Relation.SON_IN_LAW,
    "其他": Relation.OTHER,
}
HOUSEHOLD_TYPE_VALUES = {
    "一般贫困户": HouseholdType.GENERAL,
    "一般户": HouseholdType.GENERAL,
    "一般农户": HouseholdType.GENERAL,
    "低保贫困户": HouseholdType.LOW_INCOME,
    "低保户": HouseholdType.LOW_INCOME,
    "特困供养贫困户": HouseholdType.DESTITUTE,
    "特困供养户": HouseholdType.DESTITUTE,
    "特困户": HouseholdType.DESTITUTE,
    "五保户": HouseholdType.DESTITUTE,
    "五保贫困户": HouseholdType.DESTITUTE,
}
POVERTY_VALUES = {
    "未脱贫": PovertyStatus.NOT_OUT,
    "未脱贫户": PovertyStatus.NOT_OUT,
    "贫困户": PovertyStatus.NOT_OUT,
    "否": PovertyStatus.NOT_OUT,
    "已脱贫": PovertyStatus.OUT,
    "已脱贫户": PovertyStatus.OUT,
    "脱贫": PovertyStatus.OUT,
    "脱贫户": PovertyStatus.OUT,
    "是": PovertyStatus.OUT,
    "脱贫不稳定户": PovertyStatus.UNSTABLE,
    "脱贫不稳定": PovertyStatus.UNSTABLE,
    "边缘易致贫户": PovertyStatus.MARGINAL,
    "边缘户": PovertyStatus.MARGINAL,
    "突发严重困难户": PovertyStatus.SUDDEN_HARDSHIP,
}
CAUSE_VALUES = {
    "因病": Cause.ILLNESS,
    "因残": Cause.DISABILITY,
    "因学": Cause.EDUCATION,
    "因灾": Cause.DISASTER,
    "缺劳力": Cause.LABOUR,
    "缺技术": Cause.SKILLS,
    "缺资金": Cause.FUNDS,
    "缺土地": Cause.LAND,
    "缺水": Cause.WATER,
    "交通条件落后": Cause.TRANSPORT,
    "自身发展动力不足": Cause.MOTIVATION,
}
HEALTH_VALUES = {
    "健康": Health.HEALTHY,
    "长期慢性病": Health.CHRONIC,
    "患有大病": Health.MAJOR,
    "大病": Health.MAJOR,
    "残疾": Health.DISABLED,
    "慢性病": Health.CHRONIC,
}
PERSON_STATUS_VALUES = {
    "正常": PersonStatus.NORMAL,
    "在册": PersonStatus.NORMAL,
    "死亡": PersonStatus.DIED,
    "外迁": PersonStatus.MOVED_OUT,
    "迁出": PersonStatus.MOVED_OUT,
    "外嫁": PersonStatus.MARRIED_OUT,
    "下落不明": PersonStatus.MISSING,
    "长期外出": PersonStatus.AWAY,
    "服刑": PersonStatus.PRISON,
    "参军": PersonStatus.ARMY,
}

_SEPARATORS = re.compile(r"[,，、;；/]")


def _first_of(parser: normalise.Parser) -> normalise.Parser:
    """Cells like "残疾,长期慢性病" list several values: take the first."""

    def parse(value: Any) -> Any:
        if isinstance(value, str) and _SEPARATORS.search(value):
            value = _SEPARATORS.split(value)[0]
        return parser(value)

    return parse


# Compared and updated by imports (sex and birth date follow from the ID, which is the key).
PERSON_FIELDS = (
    "name",
    "household_id",
    "relation",
    "phone",
    "insured",
    "health",
    "status",
)
HOUSEHOLD_FIELDS = (
    "township_id",
    "village_id",
    "head_name",
    "phone",
    "registration_year",
    "household_type",
    "poverty_status",
    "main_cause",
)
_HOUSEHOLD_VALUES = slice(2, 2 + len(HOUSEHOLD_FIELDS))  # of a stored household's tuple
# Fields whose change by an import is kept as a StatusChange besides the statuses, household
# and village (a re-import leaves a visible history per person and household).
PERSON_HISTORY = {
    "name": StatusChange.Field.NAME,
    "relation": StatusChange.Field.RELATION,
    "phone": StatusChange.Field.PHONE,
    "insured": StatusChange.Field.INSURED,
    "health": StatusChange.Field.HEALTH,
}
HOUSEHOLD_HISTORY = {
    "head_name": StatusChange.Field.HEAD_NAME,
    "phone": StatusChange.Field.PHONE,
    "registration_year": StatusChange.Field.REGISTRATION_YEAR,
    "household_type": StatusChange.Field.HOUSEHOLD_TYPE,
    "main_cause": StatusChange.Field.MAIN_CAUSE,
}


def _history_pair(name: str, old: Any, new: Any) -> tuple[str, str]:
    """Old and new value as a StatusChange keeps them: phones masked (the full number stays on
    the person alone), yes/no as ``True``/``False`` (SQLite reads booleans back as 0/1)."""
    if name == "phone":
        return mask_phone(old), mask_phone(new)
    if name == "insured":
        return str(bool(old)), str(bool(new))
    return ("" if old is None else str(old)), ("" if new is None else str(new))


TOWNSHIP_SUFFIXES = ("镇", "乡", "街道", "民族乡", "街道办事处")
VILLAGE_SUFFIXES = ("村", "社区", "村委会", "居委会", "村民委员会", "社区居委会")


def _place_keys(name: str, suffixes: tuple[str, ...]) -> list[str]:
    keys = [name]
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            keys.append(name[: -len(suffix)])
            break
    return keys


# Above this share of the year's current roster, of the county or of one township, leaving it
# the apply needs the number of leavers typed to confirm it.
LEAVERS_CONFIRM_SHARE = 0.05
# Persons listed by name per township in the preview (all are counted).
LEAVERS_LISTED = 200


def _jsonable(value: Any) -> Any:
    """A stored value as JSON keeps it: dates and datetimes as the text each database stores
    and reads back exactly (``str``: SQLite's own format, with a space and, on PostgreSQL, the
    offset), everything else as the driver returned it."""
    if isinstance(value, datetime.date):
        return str(value)
    return value


@dataclass
class _Plan:
    new_places: list[tuple[str, str | None]]  # (township, village or None)
    households_new: dict[str, tuple]  # number → values in HOUSEHOLD_FIELDS order
    households_changed: dict[str, tuple]
    persons_new: list[Row]
    persons_changed: list[Row]  # row.data holds the stored values
    persons_unchanged: int
    roster_missing: list[int]  # person ids without an entry for the year
    # Entries whose left_on must be cleared: (entry id, person id, left_on, left_batch id).
    roster_returning: list[tuple[int, int, Any, int | None]]
    leaving: list[tuple[int, int, int, int]]  # (entry id, person id, household id, township id)
    roster_size: int  # entries of the year on the roster now (not left)


@register
class RosterLedger(Ledger):
    kind = "roster"
    label = gettext_lazy("Poverty roster (花名册)")
    key = "id_number"
    undoable = True
    columns = [
        ID_NUMBER_COLUMN,
        Column("name", ("姓名", "人员姓名"), normalise.text(50), required=True),
        Column("sex", ("性别",), normalise.choice(SEX_VALUES)),
        Column("birth_date", ("出生日期", "出生年月日"), normalise.date),
        Column(
            "household_number", ("户编号", "户号", "贫困户编号"), normalise.text(40), required=True
        ),
        Column(
            "relation",
            ("与户主关系", "与户主的关系"),
            normalise.choice(RELATION_VALUES),
            required=True,
        ),
        Column(
            "township",
            ("乡镇", "乡(镇)", "乡镇(街道)", "乡(镇、街道)", "乡镇街道"),
            normalise.text(100),
            required=True,
        ),
        Column(
            "village",
            ("行政村", "村", "村(社区)", "行政村(社区)"),
            normalise.text(100),
            required=True,
        ),
        Column("phone", ("联系电话", "电话", "手机号码", "手机号", "联系方式"), normalise.phone),
        Column("household_type", ("贫困户属性", "户属性"), normalise.choice(HOUSEHOLD_TYPE_VALUES)),
        Column(
            "poverty_status",
            ("脱贫状态", "贫困户状态", "是否脱贫"),
            normalise.choice(POVERTY_VALUES),
        ),
        Column(
            "cause",
            ("主要致贫原因", "致贫原因"),
            _first_of(normalise.choice(CAUSE_VALUES, strip=("致贫", "返贫"))),
        ),
        Column("health", ("健康状况",), _first_of(normalise.choice(HEALTH_VALUES))),
        Column("person_status", ("人员状态", "人口状态"), normalise.choice(PERSON_STATUS_VALUES)),
        Column(
            "insured",
            ("是否参加城乡居民基本医疗保险", "参保状态", "是否参保", "是否参加医保"),
            normalise.yes_no,
        ),
        Column("year", ("识别年度", "建档年度", "识别年份"), normalise.year),
    ]

    # ------------------------------------------------------------------ helpers

    @property
    def roster_year(self) -> int:
        return int(self.context.options.get("year") or self.context.today.year)

    def _county(self) -> Place | None:
        return self.context.options.get("county")

    def _load_places(self) -> None:
        townships = Place.objects.filter(level=Place.Level.TOWNSHIP)
        county = self._county()
        if county is not None:
            townships = townships.filter(path__startswith=county.path)
        self.township_by_key: dict[str, Place] = {}
        for township in townships:
            for key in _place_keys(township.name, TOWNSHIP_SUFFIXES):
                self.township_by_key.setdefault(key, township)
        self.village_by_key: dict[tuple[int, str], Place] = {}
        villages = Place.objects.filter(
            level=Place.Level.VILLAGE, parent__in=[t.pk for t in townships]
        )
        for village in villages:
            for key in _place_keys(village.name, VILLAGE_SUFFIXES):
                self.village_by_key.setdefault((village.parent_id, key), village)
        if self.context.user is None:
            self.visible_place_ids: set[int] | None = None
        else:
            self.visible_place_ids = set(
                places_visible_to(self.context.user).values_list("pk", flat=True)
            )

    # --------------------------------------------------------------- validation

    def validate(self, rows: list[Row]) -> None:
        """Checks across rows and against the registry.

        Sets ``row.data`` to ``(places, person_id, stored)``: the row's (township, village),
        the id of the person with its ID number (None: a new person) and, for a person the
        row changes, the stored values (None: unchanged). Comparing here, while the stored
        persons stream past once, keeps only the changed ones in memory.
        """
        self._load_places()
        create_places = bool(self.context.options.get("create_places"))
        self.new_places: dict[tuple[str, str | None], None] = {}
        first_row_of: dict[str, Row] = {}
        household_place: dict[str, tuple[str, str, int]] = {}
        places: dict[
            tuple[str, str], tuple[tuple[Place, Place] | None, tuple[str, str] | None]
        ] = {}
        fields = itemgetter(
            *map(
                SLOT.__getitem__,
                ("id_number", "sex", "birth_date", "township", "village", "household_number"),
            )
        )
        for row in rows:
            resident, sex, birth, township_name, village_name, household_number = fields(row.cells)
            if resident is not None:
                number = resident.number
                first = first_row_of.setdefault(number, row)
                if first is not row:
                    row.error(
                        "id_number",
                        _("The same ID number is already on row %(row)d.") % {"row": first.number},
                    )
                if (sex is not None and sex != resident.sex) or (
                    birth is not None and birth != resident.birth_date
                ):
                    for message in cross_check(resident, sex=sex, birth_date=birth):
                        row.error(
                            "birth_date" if "出生" in message or "birth" in message else "sex",
                            message,
                        )
            if township_name and village_name:
                key = (township_name, village_name)
                found = places.get(key)
                if found is None:
                    found = places[key] = self._resolve_place(
                        township_name, village_name, create_places
                    )
                pair, error = found
                if error is not None:
                    row.error(*error)
                row.data = (pair, None, None)
                if household_number:
                    seen = household_place.setdefault(
                        household_number, (township_name, village_name, row.number)
                    )
                    if seen[0] != township_name or seen[1] != village_name:
                        row.error(
                            "village",
                            _(
                                "Household %(number)s is in %(place)s on row %(row)d; "
                                "one household lives in one village."
                            )
                            % {
                                "number": household_number,
                                "place": f"{seen[0]}{seen[1]}",
                                "row": seen[2],
                            },
                        )
        self._check_existing(rows, first_row_of)

    def _resolve_place(
        self, township_name: str, village_name: str, create_places: bool
    ) -> tuple[tuple[Place, Place] | None, tuple[str, str] | None]:
        """((township, village), error) for a pair of names; (None, None) for new places."""
        township = None
        for key in _place_keys(township_name, TOWNSHIP_SUFFIXES):
            township = self.township_by_key.get(key)
            if township:
                break
        if township is None:
            if create_places:
                self.new_places[(township_name, None)] = None
                self.new_places[(township_name, village_name)] = None
                return None, None
            return (
                None,
                ("township", _("Unknown township %(name)s.") % {"name": township_name}),
            )
        if self.visible_place_ids is not None and township.pk not in self.visible_place_ids:
            return (
                None,
                (
                    "township",
                    _("%(name)s is outside your area; you may only import your own township.")
                    % {"name": township_name},
                ),
            )
        village = None
        for key in _place_keys(village_name, VILLAGE_SUFFIXES):
            village = self.village_by_key.get((township.pk, key))
            if village:
                break
        if village is None:
            if create_places:
                self.new_places[(township.name, village_name)] = None
                return None, None
            return (
                None,
                (
                    "village",
                    _("Unknown village %(village)s in %(township)s.")
                    % {"village": village_name, "township": township.name},
                ),
            )
        if self.visible_place_ids is not None and village.pk not in self.visible_place_ids:
            return (
                None,
                ("village", _("%(name)s is outside your area.") % {"name": village_name}),
            )
        return (township, village), None

    def _visible_place_ids(self) -> set[int] | None:
        """Places (of any level) under the importing user's paths; None: no limit."""
        if self.context.user is None:
            return None
        paths = self.context.user.visible_place_paths()
        if paths is None:
            return None
        prefixes = tuple(paths)
        return {
            pk for pk, path in Place.objects.values_list("pk", "path") if path.startswith(prefixes)
        }

    def _check_existing(self, rows: list[Row], first_row_of: dict[str, Row]) -> None:
        """Compare the file with the stored households and persons; refuse rows that touch
        records outside the importing user's area."""
        self.visible_villages = visible = self._visible_place_ids()
        household_numbers = {row.cells[SLOT["household_number"]] for row in rows} - {None}
        # number → (number, id, *HOUSEHOLD_FIELDS, updated_at)
        self.existing_households: dict[str, tuple] = {
            values[0]: values
            for values in _stored(
                Household,
                "number",
                household_numbers,
                ("number", "id", *HOUSEHOLD_FIELDS, "updated_at"),
            )
        }
        if visible is not None:
            for row in rows:
                household = self.existing_households.get(row.cells[SLOT["household_number"]])
                if household is not None and household[3] not in visible:  # its village
                    row.error(
                        "household_number",
                        str(HOUSEHOLD_NUMBER_NOT_REGISTRABLE),
                    )
        household_ids = {number: stored[1] for number, stored in self.existing_households.items()}
        # Every stored person named in the file (also on rows with errors): never "left".
        file_person_ids: set[int] = set()
        self.file_person_ids = file_person_ids
        # The stored updated_at of each person the file changes (the undo restores it), and
        # the township the person lived in (a move takes the person off its figures).
        self.person_stamps: dict[int, Any] = {}
        self.person_townships: dict[int, int] = {}
        household_id_of = household_ids.get
        for stored in _stored(
            Person,
            "id_number",
            first_row_of.keys(),
            (
                "id_number",
                "id",
                *PERSON_FIELDS,
                "household__township_id",
                "household__village_id",
                "updated_at",
            ),
        ):
            row = first_row_of[stored[0]]
            person_id = stored[1]
            file_person_ids.add(person_id)
            if visible is not None and stored[-2] not in visible:
                row.error("id_number", str(ID_NOT_REGISTRABLE))
            name, household_number, relation, phone, insured, health, status = _PERSON_FIELDS(
                row.cells
            )
            wanted = (
                name,
                household_id_of(household_number),  # None: a household new in this import
                relation,
                stored[5] if phone is None else phone,
                stored[6] if insured is None else insured,
                stored[7] if health is None else health,
                stored[8] if status is None else status,
            )
            current = stored[2:-3]
            pair = row.data[0] if row.data else None
            if wanted == current:
                row.data = (pair, person_id, None)
            else:
                row.data = (pair, person_id, current)
                self.person_stamps[person_id] = stored[-1]
                self.person_townships[person_id] = stored[-3]

    # -------------------------------------------------------------------- diff

    def _household_values(self, head: Row, stored: tuple | None) -> tuple:
        """The household's values in HOUSEHOLD_FIELDS order; blanks keep what is stored."""
        current = (
            stored[_HOUSEHOLD_VALUES]
            if stored
            else (None, None, "", "", None, HouseholdType.GENERAL, PovertyStatus.NOT_OUT, "")
        )
        township, village = head.data[0]
        name, relation, phone, year, household_type, poverty_status, cause = _HEAD_FIELDS(
            head.cells
        )
        is_head = relation == Relation.HEAD
        return (
            township.pk,
            village.pk,
            name if is_head else current[2],
            phone if is_head and phone else current[3],
            year if year is not None else current[4],
            household_type or current[5],
            poverty_status or current[6],
            cause or current[7],
        )

    def _diff(self, rows: list[Row]) -> _Plan:
        # Each household's values come from its head's row (the first row if none is the head).
        first_of: dict[str, Row] = {}
        head_of: dict[str, Row] = {}
        household_slot, relation_slot = SLOT["household_number"], SLOT["relation"]
        for row in rows:
            number = row.cells[household_slot]
            first_of.setdefault(number, row)
            if row.cells[relation_slot] == Relation.HEAD:
                head_of.setdefault(number, row)
        households_new: dict[str, tuple] = {}
        households_changed: dict[str, tuple] = {}
        for number, first in first_of.items():
            stored = self.existing_households.get(number)
            wanted = self._household_values(head_of.get(number, first), stored)
            if stored is None:
                households_new[number] = wanted
            elif wanted != stored[_HOUSEHOLD_VALUES]:
                households_changed[number] = wanted
        persons_new: list[Row] = []
        persons_changed: list[Row] = []
        row_person_ids: list[int] = []
        for row in rows:
            _pair, person_id, stored = row.data
            if person_id is None:
                persons_new.append(row)
                continue
            row_person_ids.append(person_id)
            if stored is not None:
                persons_changed.append(row)
        # Roster membership of the year: who has an entry, who comes back, who left. The
        # roster of the county (counties) the file's townships lie in is read in one pass with
        # where each person lives; a province database holds many counties, and neither the
        # others' entries nor the 5% share of the roster concern this file (docs/scaling.md).
        # Persons of the file living elsewhere (moving in) are looked up by id afterwards.
        year = self.roster_year
        valid_ids = set(row_person_ids)
        township_places = {row.data[0][0].pk: row.data[0][0] for row in rows}
        townships = set(township_places)
        visible = self.visible_villages
        has_entry: set[int] = set()
        returning: list[tuple[int, int, Any, int | None]] = []
        leaving: list[tuple[int, int, int, int]] = []
        roster_size = 0

        def entry_of_file_person(entry_id, person_id, left_on, left_batch_id) -> None:
            has_entry.add(person_id)
            if left_on is not None:
                returning.append((entry_id, person_id, left_on, left_batch_id))

        counties = {t.parent_id for t in township_places.values() if t.pk and t.parent_id}
        orphans = {t.pk for t in township_places.values() if t.pk and not t.parent_id}
        if counties or orphans:
            scope = Q(person__household__township__parent_id__in=counties) | Q(
                person__household__township_id__in=orphans
            )
            for entry_id, person_id, left_on, left_batch_id, *where in stream_values(
                RosterEntry.objects.filter(scope, year=year).values_list(
                    "id",
                    "person_id",
                    "left_on",
                    "left_batch_id",
                    "person__household_id",
                    "person__household__township_id",
                    "person__household__village_id",
                )
            ):
                if left_on is None:
                    roster_size += 1
                if person_id in valid_ids:
                    entry_of_file_person(entry_id, person_id, left_on, left_batch_id)
                elif left_on is None and person_id not in self.file_person_ids:
                    household_id, township_id, village_id = where
                    # Only townships in the file are compared: a file of one township does
                    # not make the others "leave".
                    if township_id in townships and (visible is None or village_id in visible):
                        leaving.append((entry_id, person_id, household_id, township_id))
        elsewhere = valid_ids - has_entry
        for chunk in chunks(sorted(elsewhere), 5000):
            for values in stream_values(
                RosterEntry.objects.filter(year=year, person_id__in=chunk).values_list(
                    "id", "person_id", "left_on", "left_batch_id"
                )
            ):
                entry_of_file_person(*values)
        return _Plan(
            new_places=list(self.new_places),
            households_new=households_new,
            households_changed=households_changed,
            persons_new=persons_new,
            persons_changed=persons_changed,
            persons_unchanged=len(row_person_ids) - len(persons_changed),
            roster_missing=[pid for pid in row_person_ids if pid not in has_entry],
            roster_returning=returning,
            leaving=leaving,
            roster_size=roster_size,
        )

    @staticmethod
    def _counts(plan: _Plan) -> dict[str, int]:
        return {
            "persons_new": len(plan.persons_new),
            "persons_changed": len(plan.persons_changed),
            "persons_unchanged": plan.persons_unchanged,
            "persons_left": len(plan.leaving),
            "households_new": len(plan.households_new),
            "households_changed": len(plan.households_changed),
            "places_new": len(plan.new_places),
        }

    # ---------------------------------------------------------------- leavers

    def _leavers_of(self, plan: _Plan) -> dict[str, Any]:
        """Who the import takes off the year's roster, by township (the first
        ``LEAVERS_LISTED`` person ids of each, all counted), and whether that needs the
        number typed to confirm it. One query, only when someone leaves."""
        persons_of: dict[int, list[int]] = {}
        for _entry, person_id, _household, township_id in plan.leaving:
            persons_of.setdefault(township_id, []).append(person_id)
        townships: list[dict[str, Any]] = []
        if persons_of:
            sizes = RosterEntry.objects.filter(
                year=self.roster_year,
                left_on__isnull=True,
                person__household__township_id__in=list(persons_of),
            )
            for size in (
                sizes.values("person__household__township_id", "person__household__township__name")
                .annotate(roster=Count("id"))
                .order_by()
            ):
                person_ids = sorted(persons_of[size["person__household__township_id"]])
                townships.append(
                    {
                        "id": size["person__household__township_id"],
                        "name": size["person__household__township__name"],
                        "count": len(person_ids),
                        "roster": size["roster"],
                        "persons": person_ids[:LEAVERS_LISTED],
                    }
                )
            townships.sort(key=lambda township: (-township["count"], township["name"]))
        count = len(plan.leaving)
        confirm = count > LEAVERS_CONFIRM_SHARE * plan.roster_size or any(
            township["count"] > LEAVERS_CONFIRM_SHARE * township["roster"] for township in townships
        )
        return {
            "count": count,
            "roster": plan.roster_size,
            "confirm": confirm,
            "townships": townships,
        }

    def preview(self) -> dict[str, Any]:
        leavers = getattr(self, "_leavers", None)
        return {"leavers": leavers} if leavers else {}

    def registry_years(self) -> list[int]:
        return [self.roster_year] if getattr(self, "_wrote", False) else []

    def registry_places(self) -> list[int] | None:
        return getattr(self, "_townships", None)

    # -------------------------------------------------------------------- plan

    def plan(self, rows: list[Row]) -> dict[str, int]:
        if self.new_places:
            # Rows naming places that do not exist yet are counted as new households/persons.
            for row in rows:
                if row.data[0] is None:
                    row.data = (
                        (Place(pk=0, name=row["township"]), Place(pk=0, name=row["village"])),
                        *row.data[1:],
                    )
        plan = self._diff(rows)
        self._leavers = self._leavers_of(plan)
        return self._counts(plan)

    # ------------------------------------------------------------------- apply

    def apply(self, rows: list[Row]) -> dict[str, int]:
        self._create_places(rows)
        plan = self._diff(rows)
        self._leavers = leavers = self._leavers_of(plan)
        refusal = leavers_refusal(
            leavers=leavers, typed=self.context.options.get("confirm_leavers")
        )
        if refusal:
            raise ImportRefused(refusal)
        context = self.context
        actor_id = context.user.pk if context.user else None
        batch_id = context.batch.pk if context.batch else None
        today = context.today.isoformat()
        now = timezone.now()
        db_now = db_value(now)
        reason = _("Roster import")
        changes: list[tuple] = []

        def change(
            household_id: int, person_id: int | None, field: str, old: Any, new: Any
        ) -> None:
            changes.append(
                (household_id, person_id, field, str(old or ""), str(new or ""), today, reason,
                 ChangeSource.IMPORT.value, batch_id, actor_id, db_now)
            )  # fmt: skip

        # Households.
        household_ids = {number: stored[1] for number, stored in self.existing_households.items()}
        household_ids.update(
            insert_with_ids(
                Household,
                "number",
                ["number", *HOUSEHOLD_FIELDS, "created_at", "updated_at"],
                (
                    (number, *values, db_now, db_now)
                    for number, values in plan.households_new.items()
                ),
                count=len(plan.households_new),
            )
        )
        household_updates = []
        for number, values in plan.households_changed.items():
            stored = self.existing_households[number]
            old = dict(zip(HOUSEHOLD_FIELDS, stored[_HOUSEHOLD_VALUES], strict=True))
            new = dict(zip(HOUSEHOLD_FIELDS, values, strict=True))
            if old["poverty_status"] != new["poverty_status"]:
                change(
                    stored[1],
                    None,
                    StatusChange.Field.POVERTY_STATUS,
                    old["poverty_status"],
                    new["poverty_status"],
                )
            if old["village_id"] != new["village_id"]:
                change(
                    stored[1],
                    None,
                    StatusChange.Field.VILLAGE,
                    old["village_id"],
                    new["village_id"],
                )
            for name, field in HOUSEHOLD_HISTORY.items():
                if old[name] != new[name]:
                    change(stored[1], None, field, *_history_pair(name, old[name], new[name]))
            household_updates.append((stored[1], *values, db_now))
        update_rows(Household, [*HOUSEHOLD_FIELDS, "updated_at"], household_updates)
        context.progress(0.7)

        # Persons.
        new_person_ids = insert_with_ids(
            Person,
            "id_number",
            [
                "id_number",
                "sex",
                "birth_date",
                *PERSON_FIELDS,
                "created_by",
                "created_at",
                "updated_at",
            ],
            # Made as they are copied in (PostgreSQL inserts while the next rows are built).
            (self._new_person(row, household_ids, actor_id, db_now) for row in plan.persons_new),
            count=len(plan.persons_new),
        )
        person_updates = []
        for row in plan.persons_changed:
            _pair, person_id, stored = row.data
            old = dict(zip(PERSON_FIELDS, stored, strict=True))
            household_id = household_ids[row["household_number"]]
            new = {
                "name": row["name"],
                "household_id": household_id,
                "relation": row["relation"],
                "phone": old["phone"] if row["phone"] is None else row["phone"],
                "insured": old["insured"] if row["insured"] is None else row["insured"],
                "health": old["health"] if row["health"] is None else row["health"],
                "status": old["status"] if row["person_status"] is None else row["person_status"],
            }
            if old["status"] != new["status"]:
                change(
                    household_id,
                    person_id,
                    StatusChange.Field.PERSON_STATUS,
                    old["status"],
                    new["status"],
                )
            if old["household_id"] != household_id:
                change(
                    household_id,
                    person_id,
                    StatusChange.Field.HOUSEHOLD,
                    old["household_id"],
                    household_id,
                )
            for name, field in PERSON_HISTORY.items():
                if old[name] != new[name]:
                    change(
                        household_id, person_id, field, *_history_pair(name, old[name], new[name])
                    )
            person_updates.append((person_id, *new.values(), db_now))
        update_rows(Person, [*PERSON_FIELDS, "updated_at"], person_updates)
        context.progress(0.85)

        # Roster entries of the year.
        year = self.roster_year
        insert_rows(
            RosterEntry,
            ["person", "year", "batch"],
            (
                (person_id, year, batch_id)
                for person_id in [*new_person_ids.values(), *plan.roster_missing]
            ),
        )
        for chunk in chunks((entry[0] for entry in plan.roster_returning), 5000):
            RosterEntry.objects.filter(pk__in=chunk).update(left_on=None, left_batch=None)
        if plan.leaving:
            for chunk in chunks((entry[0] for entry in plan.leaving), 5000):
                RosterEntry.objects.filter(pk__in=chunk).update(
                    left_on=context.today, left_batch_id=batch_id
                )
            left = _("left the roster")
            for _entry, person_id, household_id, _township in plan.leaving:
                change(household_id, person_id, StatusChange.Field.ROSTER, year, left)
        insert_rows(
            StatusChange,
            [
                "household", "person", "field", "old_value", "new_value", "changed_on", "reason",
                "source", "batch", "actor", "recorded_at",
            ],
            changes,
        )  # fmt: skip
        self._townships = self._townships_changed(rows, plan)
        self._record_undo(plan, household_ids, new_person_ids)
        return self._counts(plan)

    def _townships_changed(self, rows: list[Row], plan: _Plan) -> list[int]:
        """Where the apply changed the registry: the file's townships (its households and
        persons live there now, its leavers lived there) and the townships its changed
        households and persons were in before (a move takes them off those figures)."""
        townships = {row.data[0][0].pk for row in rows}
        townships.update(self.existing_households[n][2] for n in plan.households_changed)
        townships.update(self.person_townships[row.data[1]] for row in plan.persons_changed)
        return sorted(townships)

    def _record_undo(
        self, plan: _Plan, household_ids: dict[str, int], new_person_ids: dict[str, int]
    ) -> None:
        """Keep what this apply changed (households.models.ImportUndoRecord): one row, and
        none when nothing changed. Entries and status changes it created carry the batch."""
        self._wrote = bool(
            plan.households_new
            or plan.households_changed
            or plan.persons_new
            or plan.persons_changed
            or plan.roster_missing
            or plan.roster_returning
            or plan.leaving
        )
        batch = self.context.batch
        if batch is None or not self._wrote:
            return
        households_before = []
        for number in plan.households_changed:
            stored = self.existing_households[number]
            households_before.append([stored[1], *stored[_HOUSEHOLD_VALUES], _jsonable(stored[-1])])
        persons_before = []
        for row in plan.persons_changed:
            _pair, person_id, stored = row.data
            persons_before.append([person_id, *stored, _jsonable(self.person_stamps[person_id])])
        changes = {
            "year": self.roster_year,
            "townships": self._townships,
            "households_created": [household_ids[number] for number in plan.households_new],
            "households_before": households_before,
            "persons_created": list(new_person_ids.values()),
            "persons_before": persons_before,
            "entries_added_for": plan.roster_missing,
            "entries_returned": [
                [entry_id, person_id, _jsonable(left_on), left_batch_id]
                for entry_id, person_id, left_on, left_batch_id in plan.roster_returning
            ],
            "entries_left": [[entry[0], entry[1]] for entry in plan.leaving],
        }
        ImportUndoRecord.objects.create(batch=batch, changes=changes)

    @staticmethod
    def _new_person(row: Row, household_ids: dict[str, int], actor_id: Any, db_now: Any) -> tuple:
        """The values of a new person's row (blanks take the model's defaults)."""
        resident, name, number, relation, phone, insured, health, status = _NEW_PERSON_FIELDS(
            row.cells
        )
        return (
            resident.number,
            resident.sex,
            resident.birth_date.isoformat(),
            name,
            household_ids[number],
            relation,
            phone or "",
            True if insured is None else insured,
            health or Health.HEALTHY,
            status or PersonStatus.NORMAL,
            actor_id,
            db_now,
            db_now,
        )

    def _create_places(self, rows: list[Row]) -> None:
        if not self.new_places:
            return
        county = self._county()
        if county is None or county.pk is None:
            raise ValueError("create_places needs a county")
        for township_name, village_name in self.new_places:
            township, _created = Place.objects.get_or_create(
                parent=county, name=township_name, defaults={"level": Place.Level.TOWNSHIP}
            )
            if village_name:
                Place.objects.get_or_create(
                    parent=township, name=village_name, defaults={"level": Place.Level.VILLAGE}
                )
        self._load_places()
        for row in rows:
            if row.data[0] is None or row.data[0][0].pk == 0:
                pair, _error = self._resolve_place(
                    row["township"], row["village"], create_places=False
                )
                row.data = (pair, *row.data[1:])


def leavers_refusal(*, leavers: dict[str, Any], typed: Any) -> str:
    """Why an apply taking ``leavers`` off the roster is refused with the number ``typed``
    ("" when it may go ahead): above the share, the user must type the number of leavers."""
    if not leavers or not leavers.get("confirm"):
        return ""
    count = leavers["count"]
    if typed is None or str(typed).strip() == "":
        return _(
            "This file takes %(count)d persons off the roster, more than 5%% of the roster of "
            "the county or of a township. Nothing was imported: type the number %(count)d to "
            "confirm."
        ) % {"count": count}
    try:
        number = int(str(typed).strip())
    except ValueError:
        number = None
    if number != count:
        return _(
            "The number typed (%(typed)s) is not the number of persons this file takes off "
            "the roster (%(count)d). Nothing was imported: type %(count)d to confirm."
        ) % {"typed": str(typed).strip()[:20], "count": count}
    return ""


def _rows_estimate(model: type[Household] | type[Person]) -> int:
    """About how many rows ``model``'s table holds: PostgreSQL's statistics (no scan), else a
    count."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            rows = cursor.fetchone()[0]
        if rows >= 0:  # -1: never analysed
            return rows
    return model.objects.count()


def _stored(
    model: type[Household] | type[Person], key: str, keys: Collection[str], columns: tuple[str, ...]
) -> Iterator[tuple]:
    """Stored ``columns`` of the rows whose ``key`` (the first column) is one of ``keys``: one
    scan of the table for a whole-county file in a county's database (much faster than many
    IN lookups), chunked IN lookups for a small file or a table of many counties (a province
    database, where a scan would read every county: docs/scaling.md)."""
    if len(keys) > 20_000 and len(keys) * 4 > _rows_estimate(model):
        for values in stream_values(model.objects.values_list(*columns)):
            if values[0] in keys:
                yield values
        return
    for chunk in chunks(sorted(keys), 5000):
        yield from stream_values(
            model.objects.filter(**{f"{key}__in": chunk}).values_list(*columns)
        )


# Where each column's parsed value sits in ``row.cells``.
SLOT = {column.field: slot for slot, column in enumerate(RosterLedger.columns)}
_PERSON_FIELDS = itemgetter(
    *map(
        SLOT.__getitem__,
        ("name", "household_number", "relation", "phone", "insured", "health", "person_status"),
    )
)
_NEW_PERSON_FIELDS = itemgetter(
    *map(
        SLOT.__getitem__,
        (
            "id_number",
            "name",
            "household_number",
            "relation",
            "phone",
            "insured",
            "health",
            "person_status",
        ),
    )
)
_HEAD_FIELDS = itemgetter(
    *map(
        SLOT.__getitem__,
        ("name", "relation", "phone", "year", "household_type", "poverty_status", "cause"),
    )
)
