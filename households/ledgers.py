"""The roster (花名册) as a ledger of the import engine: upsert households and persons by ID.

Semantics (DOMAIN.md "Dynamic management"): a person is matched by resident ID and updated;
changes of person status, poverty status, household and village are kept as
:class:`~households.models.StatusChange` rows whose source is this import; every person on the
file gets a :class:`~households.models.RosterEntry` for the roster year; persons of the same
year who are missing from the new file are marked as having left it (never deleted). Only
townships that appear in the file are compared, so a file of one township does not make the
others "leave".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from healthpov.places.models import Place
from healthpov.places.scoping import places_visible_to
from households.idnumber import cross_check
from households.imports import Column, Ledger, Row, normalise, register
from households.imports.bulk import db_value, ids_by_key, insert_rows, raw_values
from households.models import (
    Cause,
    ChangeSource,
    Health,
    Household,
    HouseholdType,
    Person,
    PersonStatus,
    PovertyStatus,
    Relation,
    RosterEntry,
    Sex,
    StatusChange,
)

ID_HEADERS = ("身份证号", "身份证号码", "证件号码", "公民身份号码", "身份证")

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
TOWNSHIP_SUFFIXES = ("镇", "乡", "街道", "民族乡", "街道办事处")
VILLAGE_SUFFIXES = ("村", "社区", "村委会", "居委会", "村民委员会", "社区居委会")


def _place_keys(name: str, suffixes: tuple[str, ...]) -> list[str]:
    keys = [name]
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            keys.append(name[: -len(suffix)])
            break
    return keys


@dataclass
class _Plan:
    new_places: list[tuple[str, str | None]]  # (township, village or None)
    households_new: dict[str, tuple]  # number → values in HOUSEHOLD_FIELDS order
    households_changed: dict[str, tuple]
    persons_new: list[Row]
    persons_changed: list[tuple[Row, tuple]]  # row, values in PERSON_FIELDS order
    persons_unchanged: int
    roster_missing: list[int]  # person ids without an entry for the year
    roster_returning: list[int]  # entry ids whose left_on must be cleared
    leaving: list[tuple[int, int, int]]  # (entry id, person id, household id)


@register
class RosterLedger(Ledger):
    kind = "roster"
    label = gettext_lazy("Poverty roster (花名册)")
    key = "id_number"
    columns = [
        Column("id_number", ID_HEADERS, normalise.id_number, required=True),
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
        self._load_places()
        create_places = bool(self.context.options.get("create_places"))
        self.new_places: dict[tuple[str, str | None], None] = {}
        self.file_numbers: set[str] = set()
        first_row_of: dict[str, int] = {}
        household_place: dict[str, tuple[str, str, int]] = {}
        places: dict[
            tuple[str, str], tuple[Place | None, Place | None, tuple[str, str] | None]
        ] = {}
        for row in rows:
            resident = row["id_number"]
            if resident is not None:
                number = resident.number
                previous = first_row_of.get(number)
                if previous is None:
                    first_row_of[number] = row.number
                else:
                    row.error(
                        "id_number",
                        _("The same ID number is already on row %(row)d.") % {"row": previous},
                    )
                sex, birth = row["sex"], row["birth_date"]
                if (sex is not None and sex != resident.sex) or (
                    birth is not None and birth != resident.birth_date
                ):
                    for message in cross_check(resident, sex=sex, birth_date=birth):
                        row.error(
                            "birth_date" if "出生" in message or "birth" in message else "sex",
                            message,
                        )
            township_name, village_name = row["township"], row["village"]
            if township_name and village_name:
                key = (township_name, village_name)
                found = places.get(key)
                if found is None:
                    found = places[key] = self._resolve_place(
                        township_name, village_name, create_places
                    )
                township, village, error = found
                if error is not None:
                    row.error(*error)
                elif township is not None:
                    row.extra["township"] = township
                    row.extra["village"] = village
                household_number = row["household_number"]
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
        self.file_numbers = set(first_row_of)
        self._check_existing(rows)

    def _resolve_place(
        self, township_name: str, village_name: str, create_places: bool
    ) -> tuple[Place | None, Place | None, tuple[str, str] | None]:
        """(township, village, error) for a pair of names; (None, None, None) for new places."""
        township = None
        for key in _place_keys(township_name, TOWNSHIP_SUFFIXES):
            township = self.township_by_key.get(key)
            if township:
                break
        if township is None:
            if create_places:
                self.new_places[(township_name, None)] = None
                self.new_places[(township_name, village_name)] = None
                return None, None, None
            return (
                None,
                None,
                ("township", _("Unknown township %(name)s.") % {"name": township_name}),
            )
        if self.visible_place_ids is not None and township.pk not in self.visible_place_ids:
            return (
                None,
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
                return None, None, None
            return (
                None,
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
                None,
                ("village", _("%(name)s is outside your area.") % {"name": village_name}),
            )
        return township, village, None

    def _check_existing(self, rows: list[Row]) -> None:
        """Load stored persons and households; refuse rows that touch records outside the area."""
        numbers = sorted(self.file_numbers)
        self.existing_persons: dict[str, tuple] = {}
        columns = ("id_number", "id", *PERSON_FIELDS, "household__village__path")
        if len(numbers) > 20_000:
            # One scan is much faster than many IN (...) lookups for a whole-county roster.
            wanted = self.file_numbers
            for values in raw_values(Person.objects.values_list(*columns)):
                if values[0] in wanted:
                    self.existing_persons[values[0]] = values
        else:
            for start in range(0, len(numbers), 5000):
                chunk = Person.objects.filter(id_number__in=numbers[start : start + 5000])
                for values in raw_values(chunk.values_list(*columns)):
                    self.existing_persons[values[0]] = values
        household_numbers = sorted(
            {row["household_number"] for row in rows if row["household_number"]}
        )
        self.existing_households: dict[str, tuple] = {}
        household_columns = ("number", "id", *HOUSEHOLD_FIELDS, "village__path")
        if len(household_numbers) > 20_000:
            wanted = set(household_numbers)
            for values in raw_values(Household.objects.values_list(*household_columns)):
                if values[0] in wanted:
                    self.existing_households[values[0]] = values
        else:
            for start in range(0, len(household_numbers), 5000):
                chunk = Household.objects.filter(number__in=household_numbers[start : start + 5000])
                for values in raw_values(chunk.values_list(*household_columns)):
                    self.existing_households[values[0]] = values
        if self.context.user is None:
            return
        visible_paths = self.context.user.visible_place_paths()
        if visible_paths is None:
            return
        prefixes = tuple(visible_paths)
        for row in rows:
            resident = row["id_number"]
            stored = self.existing_persons.get(resident.number) if resident else None
            if stored is not None and not stored[-1].startswith(prefixes):
                row.error(
                    "id_number", _("This person is registered in a township outside your area.")
                )
            household = self.existing_households.get(row["household_number"] or "")
            if household is not None and not household[-1].startswith(prefixes):
                row.error(
                    "household_number",
                    _("This household number belongs to a township outside your area."),
                )

    # -------------------------------------------------------------------- diff

    def _household_values(self, head: Row, stored: tuple | None) -> tuple:
        """The household's values in HOUSEHOLD_FIELDS order; blanks keep what is stored."""
        current = (
            stored[2:-1]
            if stored
            else (None, None, "", "", None, HouseholdType.GENERAL, PovertyStatus.NOT_OUT, "")
        )
        is_head = head["relation"] == Relation.HEAD
        return (
            head.extra["township"].pk,
            head.extra["village"].pk,
            head["name"] if is_head else current[2],
            head["phone"] if is_head and head["phone"] else current[3],
            head["year"] if head["year"] is not None else current[4],
            head["household_type"] or current[5],
            head["poverty_status"] or current[6],
            head["cause"] or current[7],
        )

    def _diff(self, rows: list[Row]) -> _Plan:
        by_household: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_household[row["household_number"]].append(row)
        households_new: dict[str, tuple] = {}
        households_changed: dict[str, tuple] = {}
        for number, members in by_household.items():
            head = next((r for r in members if r["relation"] == Relation.HEAD), members[0])
            stored = self.existing_households.get(number)
            wanted = self._household_values(head, stored)
            if stored is None:
                households_new[number] = wanted
            elif wanted != stored[2:-1]:
                households_changed[number] = wanted
        persons_new: list[Row] = []
        persons_changed: list[tuple[Row, tuple]] = []
        unchanged = 0
        household_ids = {number: stored[1] for number, stored in self.existing_households.items()}
        existing = self.existing_persons
        for row in rows:
            resident = row["id_number"]
            stored = existing.get(resident.number)
            if stored is None:
                persons_new.append(row)
                continue
            phone, insured, health, status = (
                row["phone"],
                row["insured"],
                row["health"],
                row["person_status"],
            )
            wanted = (
                row["name"],
                household_ids.get(row["household_number"]),  # None: a household new in this import
                row["relation"],
                stored[5] if phone is None else phone,
                stored[6] if insured is None else insured,
                stored[7] if health is None else health,
                stored[8] if status is None else status,
            )
            if wanted == stored[2:-1]:
                unchanged += 1
            else:
                persons_changed.append((row, wanted))
        # Roster membership of the year.
        year = self.roster_year
        file_numbers = self.file_numbers
        entries = RosterEntry.objects.filter(year=year)
        townships = {row.extra["township"].pk for row in rows if "township" in row.extra}
        visible_paths = self.context.user.visible_place_paths() if self.context.user else None
        prefixes = tuple(visible_paths) if visible_paths is not None else None
        current_entries: dict[int, tuple[int, Any]] = {}
        leaving: list[tuple[int, int, int]] = []
        for entry_id, person_id, id_number, left_on, household_id, path in raw_values(
            entries.filter(person__household__township_id__in=townships).values_list(
                "id",
                "person_id",
                "person__id_number",
                "left_on",
                "person__household_id",
                "person__household__village__path",
            )
        ):
            current_entries[person_id] = (entry_id, left_on)
            if (
                left_on is None
                and id_number not in file_numbers
                and (prefixes is None or path.startswith(prefixes))
            ):
                leaving.append((entry_id, person_id, household_id))
        person_ids = {stored[1]: number for number, stored in existing.items()}
        # Persons of the file with entries outside those townships (they moved) are found by id.
        other_ids = [pid for pid in person_ids if pid not in current_entries]
        for start in range(0, len(other_ids), 5000):
            chunk = entries.filter(person_id__in=other_ids[start : start + 5000])
            for entry_id, person_id, left_on in raw_values(
                chunk.values_list("id", "person_id", "left_on")
            ):
                current_entries[person_id] = (entry_id, left_on)
        roster_missing = [pid for pid in person_ids if pid not in current_entries]
        roster_returning = [
            entry_id
            for _pid, (entry_id, left_on) in current_entries.items()
            if left_on is not None and _pid in person_ids
        ]
        return _Plan(
            new_places=list(self.new_places),
            households_new=households_new,
            households_changed=households_changed,
            persons_new=persons_new,
            persons_changed=persons_changed,
            persons_unchanged=unchanged,
            roster_missing=roster_missing,
            roster_returning=roster_returning,
            leaving=leaving,
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

    def plan(self, rows: list[Row]) -> dict[str, int]:
        if self.new_places:
            # Rows naming places that do not exist yet are counted as new households/persons.
            for row in rows:
                if "township" not in row.extra:
                    row.extra["township"] = Place(pk=0, name=row["township"])
                    row.extra["village"] = Place(pk=0, name=row["village"])
        return self._counts(self._diff(rows))

    # ------------------------------------------------------------------- apply

    def apply(self, rows: list[Row]) -> dict[str, int]:
        self._create_places(rows)
        plan = self._diff(rows)
        context = self.context
        actor_id = context.user.pk if context.user else None
        batch_id = context.batch.pk if context.batch else None
        today = context.today
        now = timezone.now()
        db_now = db_value(now)
        reason = _("Roster import")
        changes: list[tuple] = []

        def change(
            household_id: int, person_id: int | None, field: str, old: Any, new: Any
        ) -> None:
            changes.append(
                (household_id, person_id, field, str(old or ""), str(new or ""), today.isoformat(),
                 reason, ChangeSource.IMPORT.value, batch_id, actor_id, db_now)
            )  # fmt: skip

        # Households.
        insert_rows(
            Household,
            ["number", *HOUSEHOLD_FIELDS, "created_at", "updated_at"],
            (
                (number, *map(db_value, values), db_now, db_now)
                for number, values in plan.households_new.items()
            ),
        )
        household_ids = {number: stored[1] for number, stored in self.existing_households.items()}
        household_ids.update(ids_by_key(Household, "number", list(plan.households_new)))
        changed_households = []
        for number, values in plan.households_changed.items():
            stored = self.existing_households[number]
            household = Household(pk=stored[1], number=number, updated_at=now)
            for name, value in zip(HOUSEHOLD_FIELDS, values, strict=True):
                setattr(household, name, value)
            old = dict(zip(HOUSEHOLD_FIELDS, stored[2:-1], strict=True))
            if old["poverty_status"] != household.poverty_status:
                change(
                    household.pk,
                    None,
                    StatusChange.Field.POVERTY_STATUS,
                    old["poverty_status"],
                    household.poverty_status,
                )
            if old["village_id"] != household.village_id:
                change(
                    household.pk,
                    None,
                    StatusChange.Field.VILLAGE,
                    old["village_id"],
                    household.village_id,
                )
            changed_households.append(household)
        if changed_households:
            Household.objects.bulk_update(
                changed_households, [*HOUSEHOLD_FIELDS, "updated_at"], batch_size=1000
            )
        context.progress(0.7)

        # Persons.
        def new_person_rows():
            for row in plan.persons_new:
                resident = row["id_number"]
                yield (
                    resident.number, resident.sex, resident.birth_date.isoformat(), row["name"],
                    household_ids[row["household_number"]], row["relation"], row["phone"] or "",
                    True if row["insured"] is None else row["insured"],
                    row["health"] or Health.HEALTHY,
                    row["person_status"] or PersonStatus.NORMAL, actor_id, db_now, db_now,
                )  # fmt: skip

        insert_rows(
            Person,
            [
                "id_number",
                "sex",
                "birth_date",
                *PERSON_FIELDS,
                "created_by",
                "created_at",
                "updated_at",
            ],
            new_person_rows(),
        )
        changed_persons = []
        for row, values in plan.persons_changed:
            stored = self.existing_persons[row["id_number"].number]
            person = Person(pk=stored[1], id_number=stored[0], updated_at=now)
            for name, value in zip(PERSON_FIELDS, values, strict=True):
                setattr(person, name, value)
            if person.household_id is None:
                person.household_id = household_ids[row["household_number"]]
            old = dict(zip(PERSON_FIELDS, stored[2:-1], strict=True))
            if old["status"] != person.status:
                change(
                    person.household_id,
                    person.pk,
                    StatusChange.Field.PERSON_STATUS,
                    old["status"],
                    person.status,
                )
            if old["household_id"] != person.household_id:
                change(
                    person.household_id,
                    person.pk,
                    StatusChange.Field.HOUSEHOLD,
                    old["household_id"],
                    person.household_id,
                )
            changed_persons.append(person)
        if changed_persons:
            Person.objects.bulk_update(
                changed_persons, [*PERSON_FIELDS, "updated_at"], batch_size=1000
            )
        context.progress(0.85)

        # Roster entries of the year.
        year = self.roster_year
        numbers = [row["id_number"].number for row in plan.persons_new]
        new_person_ids = list(ids_by_key(Person, "id_number", numbers).values())
        insert_rows(
            RosterEntry,
            ["person", "year", "batch"],
            ((person_id, year, batch_id) for person_id in [*new_person_ids, *plan.roster_missing]),
        )
        if plan.roster_returning:
            for start in range(0, len(plan.roster_returning), 5000):
                RosterEntry.objects.filter(
                    pk__in=plan.roster_returning[start : start + 5000]
                ).update(left_on=None, left_batch=None)
        if plan.leaving:
            leaving_ids = [entry_id for entry_id, _p, _h in plan.leaving]
            for start in range(0, len(leaving_ids), 5000):
                RosterEntry.objects.filter(pk__in=leaving_ids[start : start + 5000]).update(
                    left_on=today, left_batch_id=batch_id
                )
            left = _("left the roster")
            for _entry, person_id, household_id in plan.leaving:
                change(household_id, person_id, StatusChange.Field.ROSTER, year, left)
        insert_rows(
            StatusChange,
            [
                "household", "person", "field", "old_value", "new_value", "changed_on", "reason",
                "source", "batch", "actor", "recorded_at",
            ],
            changes,
        )  # fmt: skip
        return self._counts(plan)

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
            if "township" not in row.extra:
                township, village, _error = self._resolve_place(
                    row["township"], row["village"], create_places=False
                )
                row.extra["township"] = township
                row.extra["village"] = village
