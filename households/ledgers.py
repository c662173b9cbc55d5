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


PERSON_FIELDS = (
    "name",
    "sex",
    "birth_date",
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
# Roster column → Person field for values that keep the stored value when the cell is blank.
OPTIONAL_PERSON_COLUMNS = {
    "phone": "phone",
    "insured": "insured",
    "health": "health",
    "person_status": "status",
}
OPTIONAL_HOUSEHOLD_COLUMNS = {
    "household_type": "household_type",
    "poverty_status": "poverty_status",
    "cause": "main_cause",
    "year": "registration_year",
}
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
    households_new: dict[str, dict[str, Any]]
    households_changed: dict[str, dict[str, Any]]
    persons_new: list[Row]
    persons_changed: list[tuple[Row, dict[str, Any]]]
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
        for row in rows:
            values = row.values
            resident = values.get("id_number")
            if resident is not None:
                self.file_numbers.add(resident.number)
                previous = first_row_of.get(resident.number)
                if previous is not None:
                    row.error(
                        "id_number",
                        _("The same ID number is already on row %(row)d.") % {"row": previous},
                    )
                else:
                    first_row_of[resident.number] = row.number
                for message in cross_check(
                    resident, sex=values.get("sex"), birth_date=values.get("birth_date")
                ):
                    row.error(
                        "birth_date" if "birth" in message or "出生" in message else "sex", message
                    )
            self._resolve_place(row, create_places)
            number = values.get("household_number")
            township_name, village_name = values.get("township"), values.get("village")
            if number and township_name and village_name:
                seen = household_place.setdefault(number, (township_name, village_name, row.number))
                if (seen[0], seen[1]) != (township_name, village_name):
                    row.error(
                        "village",
                        _(
                            "Household %(number)s is in %(place)s on row %(row)d; "
                            "one household lives in one village."
                        )
                        % {"number": number, "place": f"{seen[0]}{seen[1]}", "row": seen[2]},
                    )
        self._check_existing(rows)

    def _resolve_place(self, row: Row, create_places: bool) -> None:
        values = row.values
        township_name, village_name = values.get("township"), values.get("village")
        if not township_name or not village_name:
            return
        township = None
        for key in _place_keys(township_name, TOWNSHIP_SUFFIXES):
            township = self.township_by_key.get(key)
            if township:
                break
        if township is None:
            if create_places:
                self.new_places[(township_name, None)] = None
                self.new_places[(township_name, village_name)] = None
                return
            row.error("township", _("Unknown township %(name)s.") % {"name": township_name})
            return
        if self.visible_place_ids is not None and township.pk not in self.visible_place_ids:
            row.error(
                "township",
                _("%(name)s is outside your area; you may only import your own township.")
                % {"name": township_name},
            )
            return
        village = None
        for key in _place_keys(village_name, VILLAGE_SUFFIXES):
            village = self.village_by_key.get((township.pk, key))
            if village:
                break
        if village is None:
            if create_places:
                self.new_places[(township.name, village_name)] = None
                return
            row.error(
                "village",
                _("Unknown village %(village)s in %(township)s.")
                % {"village": village_name, "township": township.name},
            )
            return
        if self.visible_place_ids is not None and village.pk not in self.visible_place_ids:
            row.error("village", _("%(name)s is outside your area.") % {"name": village_name})
            return
        row.extra["township"] = township
        row.extra["village"] = village

    def _check_existing(self, rows: list[Row]) -> None:
        """Load stored persons and households; refuse rows that touch records outside the area."""
        numbers = sorted(self.file_numbers)
        self.existing_persons: dict[str, tuple] = {}
        for start in range(0, len(numbers), 5000):
            for values in Person.objects.filter(
                id_number__in=numbers[start : start + 5000]
            ).values_list("id_number", "id", *PERSON_FIELDS, "household__village__path"):
                self.existing_persons[values[0]] = values
        household_numbers = sorted(
            {row.values["household_number"] for row in rows if row.values.get("household_number")}
        )
        self.existing_households: dict[str, tuple] = {}
        for start in range(0, len(household_numbers), 5000):
            for values in Household.objects.filter(
                number__in=household_numbers[start : start + 5000]
            ).values_list("number", "id", *HOUSEHOLD_FIELDS, "village__path"):
                self.existing_households[values[0]] = values
        if self.context.user is None:
            return
        visible_paths = self.context.user.visible_place_paths()
        if visible_paths is None:
            return

        def visible(path: str) -> bool:
            return any(path.startswith(prefix) for prefix in visible_paths)

        for row in rows:
            resident = row.values.get("id_number")
            stored = self.existing_persons.get(resident.number) if resident else None
            if stored is not None and not visible(stored[-1]):
                row.error(
                    "id_number", _("This person is registered in a township outside your area.")
                )
            household = self.existing_households.get(row.values.get("household_number") or "")
            if household is not None and not visible(household[-1]):
                row.error(
                    "household_number",
                    _("This household number belongs to a township outside your area."),
                )

    # -------------------------------------------------------------------- diff

    def _household_values(self, head: Row) -> dict[str, Any]:
        values = head.values
        result: dict[str, Any] = {
            "township_id": head.extra["township"].pk if "township" in head.extra else None,
            "village_id": head.extra["village"].pk if "village" in head.extra else None,
        }
        if values.get("relation") == Relation.HEAD:
            result["head_name"] = values["name"]
            if values.get("phone"):
                result["phone"] = values["phone"]
        for column, field_name in OPTIONAL_HOUSEHOLD_COLUMNS.items():
            if values.get(column) is not None:
                result[field_name] = values[column]
        return result

    def _diff(self, rows: list[Row]) -> _Plan:
        by_household: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_household[row.values["household_number"]].append(row)
        households_new: dict[str, dict[str, Any]] = {}
        households_changed: dict[str, dict[str, Any]] = {}
        for number, members in by_household.items():
            head = next(
                (r for r in members if r.values.get("relation") == Relation.HEAD), members[0]
            )
            wanted = self._household_values(head)
            stored = self.existing_households.get(number)
            if stored is None:
                households_new[number] = wanted
                continue
            current = dict(zip(HOUSEHOLD_FIELDS, stored[2:-1], strict=True))
            changes = {k: v for k, v in wanted.items() if v is not None and current[k] != v}
            if changes:
                households_changed[number] = changes
        persons_new: list[Row] = []
        persons_changed: list[tuple[Row, dict[str, Any]]] = []
        unchanged = 0
        household_ids = {number: stored[1] for number, stored in self.existing_households.items()}
        for row in rows:
            values = row.values
            resident = values["id_number"]
            stored = self.existing_persons.get(resident.number)
            if stored is None:
                persons_new.append(row)
                continue
            current = dict(zip(PERSON_FIELDS, stored[2:-1], strict=True))
            wanted = {
                "name": values["name"],
                "sex": resident.sex,
                "birth_date": resident.birth_date,
                "relation": values["relation"],
            }
            household_id = household_ids.get(values["household_number"])
            wanted["household_id"] = household_id  # None: a household created by this import
            for column, field_name in OPTIONAL_PERSON_COLUMNS.items():
                if values.get(column) is not None:
                    wanted[field_name] = values[column]
            changes = {k: v for k, v in wanted.items() if current[k] != v}
            if changes:
                persons_changed.append((row, changes))
            else:
                unchanged += 1
        # Roster membership of the year.
        year = self.roster_year
        person_ids = {stored[1]: number for number, stored in self.existing_persons.items()}
        entries = RosterEntry.objects.filter(year=year)
        townships = {row.extra["township"].pk for row in rows if "township" in row.extra}
        current_entries: dict[int, tuple[int, Any]] = {}
        leaving: list[tuple[int, int, int]] = []
        file_numbers = self.file_numbers
        visible_paths = self.context.user.visible_place_paths() if self.context.user else None
        for (
            entry_id,
            person_id,
            id_number,
            left_on,
            household_id,
            _township_id,
            path,
        ) in entries.filter(person__household__township_id__in=townships).values_list(
            "id",
            "person_id",
            "person__id_number",
            "left_on",
            "person__household_id",
            "person__household__township_id",
            "person__household__village__path",
        ):
            current_entries[person_id] = (entry_id, left_on)
            if (
                id_number not in file_numbers
                and left_on is None
                and (visible_paths is None or any(path.startswith(p) for p in visible_paths))
            ):
                leaving.append((entry_id, person_id, household_id))
        # Persons on the file whose entries are outside those townships (moved in) are found by id.
        missing_ids = [pid for pid in person_ids if pid not in current_entries]
        for start in range(0, len(missing_ids), 5000):
            for entry_id, person_id, left_on in entries.filter(
                person_id__in=missing_ids[start : start + 5000]
            ).values_list("id", "person_id", "left_on"):
                current_entries[person_id] = (entry_id, left_on)
        roster_missing = [
            pid
            for pid, number in person_ids.items()
            if number in file_numbers and pid not in current_entries
        ]
        roster_returning = [
            entry_id
            for pid, (entry_id, left_on) in current_entries.items()
            if left_on is not None and person_ids.get(pid) in file_numbers
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
        return self._counts(self._diff(rows))

    # ------------------------------------------------------------------- apply

    def apply(self, rows: list[Row]) -> dict[str, int]:
        self._create_places(rows)
        plan = self._diff(rows)
        context = self.context
        actor = context.user
        today = context.today
        batch = context.batch
        now = timezone.now()
        changes: list[StatusChange] = []

        def change(household_id, person_id, field, old, new):
            changes.append(
                StatusChange(
                    household_id=household_id,
                    person_id=person_id,
                    field=field,
                    old_value=old or "",
                    new_value=new or "",
                    changed_on=today,
                    source=ChangeSource.IMPORT,
                    batch=batch,
                    actor=actor,
                    reason=_("Roster import"),
                )
            )

        # Households.
        new_households = [
            Household(
                number=number,
                created_at=now,
                updated_at=now,
                **{k: v for k, v in values.items() if v is not None},
            )
            for number, values in plan.households_new.items()
        ]
        Household.objects.bulk_create(new_households, batch_size=2000)
        household_ids = {number: stored[1] for number, stored in self.existing_households.items()}
        if any(h.pk is None for h in new_households):  # backends without RETURNING
            household_ids.update(
                Household.objects.filter(number__in=list(plan.households_new)).values_list(
                    "number", "id"
                )
            )
        else:
            household_ids.update({h.number: h.pk for h in new_households})
        changed_households = []
        fields: set[str] = {"updated_at"}
        for number, values in plan.households_changed.items():
            stored = dict(
                zip(HOUSEHOLD_FIELDS, self.existing_households[number][2:-1], strict=True)
            )
            household = Household(pk=household_ids[number], number=number, updated_at=now, **stored)
            for key, value in values.items():
                setattr(household, key, value)
                fields.add(key)
            if "poverty_status" in values:
                change(
                    household.pk,
                    None,
                    StatusChange.Field.POVERTY_STATUS,
                    stored["poverty_status"],
                    values["poverty_status"],
                )
            if "village_id" in values:
                change(
                    household.pk,
                    None,
                    StatusChange.Field.VILLAGE,
                    str(stored["village_id"]),
                    str(values["village_id"]),
                )
            changed_households.append(household)
        if changed_households:
            Household.objects.bulk_update(changed_households, sorted(fields), batch_size=1000)

        # Persons.
        new_persons = []
        for row in plan.persons_new:
            values = row.values
            resident = values["id_number"]
            person = Person(
                id_number=resident.number,
                name=values["name"],
                sex=resident.sex,
                birth_date=resident.birth_date,
                household_id=household_ids[values["household_number"]],
                relation=values["relation"],
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
            for column, field_name in OPTIONAL_PERSON_COLUMNS.items():
                if values.get(column) is not None:
                    setattr(person, field_name, values[column])
            new_persons.append(person)
        Person.objects.bulk_create(new_persons, batch_size=2000)
        changed_persons = []
        fields = {"updated_at"}
        for row, values in plan.persons_changed:
            stored_tuple = self.existing_persons[row.values["id_number"].number]
            stored = dict(zip(PERSON_FIELDS, stored_tuple[2:-1], strict=True))
            person = Person(pk=stored_tuple[1], id_number=stored_tuple[0], updated_at=now, **stored)
            if values.get("household_id", 0) is None:
                values["household_id"] = household_ids[row.values["household_number"]]
            for key, value in values.items():
                setattr(person, key, value)
                fields.add(key)
            if "status" in values:
                change(
                    person.household_id,
                    person.pk,
                    StatusChange.Field.PERSON_STATUS,
                    stored["status"],
                    values["status"],
                )
            if "household_id" in values:
                change(
                    person.household_id,
                    person.pk,
                    StatusChange.Field.HOUSEHOLD,
                    str(stored["household_id"]),
                    str(values["household_id"]),
                )
            changed_persons.append(person)
        if changed_persons:
            Person.objects.bulk_update(changed_persons, sorted(fields), batch_size=1000)
        context.progress(0.8)

        # Roster entries of the year.
        year = self.roster_year
        if new_persons and any(p.pk is None for p in new_persons):
            new_ids = list(
                Person.objects.filter(id_number__in=[p.id_number for p in new_persons]).values_list(
                    "id", flat=True
                )
            )
        else:
            new_ids = [p.pk for p in new_persons]
        RosterEntry.objects.bulk_create(
            [
                RosterEntry(person_id=pid, year=year, batch=batch)
                for pid in [*new_ids, *plan.roster_missing]
            ],
            batch_size=2000,
        )
        if plan.roster_returning:
            RosterEntry.objects.filter(pk__in=plan.roster_returning).update(
                left_on=None, left_batch=None
            )
        if plan.leaving:
            leaving_ids = [entry_id for entry_id, _p, _h in plan.leaving]
            for start in range(0, len(leaving_ids), 5000):
                RosterEntry.objects.filter(pk__in=leaving_ids[start : start + 5000]).update(
                    left_on=today, left_batch=batch
                )
            for _entry, person_id, household_id in plan.leaving:
                change(
                    household_id,
                    person_id,
                    StatusChange.Field.ROSTER,
                    str(year),
                    _("left the roster"),
                )
        StatusChange.objects.bulk_create(changes, batch_size=2000)
        return self._counts(plan)

    def _create_places(self, rows: list[Row]) -> None:
        if not self.new_places:
            return
        county = self._county()
        if county is None:
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
            self._resolve_place(row, create_places=False)
