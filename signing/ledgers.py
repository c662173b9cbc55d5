"""The seven ledgers (台账) of the signing app, as declarations for the registry's import engine.

``manage.py import_ledger KIND PATH [--dry-run]`` with KIND one of ``contracts``, ``unsigned``,
``chronic``, ``fulfilment``, ``followups``, ``health_checks``, ``special_diseases`` (headers:
docs/domain.md).
Every ledger is an upsert keyed by what identifies a record (a person's contract of a year, a
person's check on a day...): the same file imported twice changes nothing. Team, doctor and
institution names are matched to known records where they match and kept as text otherwise;
they never make a row fail. A disease must be in the catalogue (the newest catalogue year not
after the date on the row), else a row error naming the catalogue.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db.models import Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.imports import (
    ID_NUMBER_COLUMN,
    Column,
    PersonLedger,
    Row,
    UpsertLedger,
    Upserts,
    normalise,
    register,
)
from households.imports.normalise import CellError
from signing.catalogue import Catalogue, packages_in_force
from signing.followups import visit_of
from signing.models import (
    Adherence,
    Booklet,
    BookletStatus,
    ChronicRegistration,
    Contract,
    FollowUpVisit,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SignMethod,
    SpecialDiseaseDiagnosis,
    Symptom,
    Team,
    UnsignedReason,
    UnsignedRecord,
    VisitClassification,
    VisitMethod,
)
from signing.services import VISIT_FIELDS, followup_visit_build

METHODS = {"纸质": SignMethod.PAPER, "纸质签约": SignMethod.PAPER, "电子": SignMethod.ELECTRONIC}
METHODS["电子签约"] = SignMethod.ELECTRONIC
REASONS = {
    "长期外出或无法联系": UnsignedReason.AWAY,
    "长期外出": UnsignedReason.AWAY,
    "无法联系": UnsignedReason.AWAY,
    "死亡": UnsignedReason.DIED,
    "外迁": UnsignedReason.MOVED,
    "下落不明": UnsignedReason.MISSING,
    "外嫁": UnsignedReason.MARRIED,
    "拒签": UnsignedReason.REFUSED,
}
SERVICES = {
    "宣传册": FulfilmentKind.BROCHURE,
    "温馨提示单": FulfilmentKind.REMINDER_SLIP,
    "政策宣传": FulfilmentKind.POLICY_PUBLICITY,
    "随访": FulfilmentKind.FOLLOW_UP,
    "协助办理病种簿": FulfilmentKind.BOOKLET_HELP,
    "签约服务包": FulfilmentKind.PACKAGE_SERVICE,
}
BOOKLET_FIELDS = ("status", "number", "issued_on", "expires_on")
BOOKLET_STATES = {
    "未办理": BookletStatus.PENDING,
    "已申请": BookletStatus.APPLIED,
    "已办理": BookletStatus.ISSUED,
}


def _check_day(row: Row, field: str, today: datetime.date) -> None:
    """A date on a row is neither in the future nor before the person's birth."""
    day = row[field]
    if day is None:
        return
    if day > today:
        row.error(field, _("The date is in the future."))
    elif row.person is not None and day < row.person.birth_date:
        row.error(field, _("The date is before the person's birth date."))


def _by_name(queryset, names: Iterable[str]) -> dict[str, Any]:
    return {obj.name: obj for obj in queryset.filter(name__in=set(names)).order_by("-pk")}


def _catalogue(day_field: str, flag: str, rows: list[Row], label: str) -> None:
    """Put ``row.extra['disease']``: the row's disease in the catalogue in force in the year of
    the row's date, among diseases with ``flag``; a row error naming the catalogue else."""
    catalogue = Catalogue(**{flag: True})
    for row in rows:
        day, name = row[day_field], row["disease"]
        if day is None or name is None:
            continue
        disease = catalogue.find(day.year, name)
        if disease is None:
            row.error(
                "disease",
                _(
                    "%(disease)s is not in the %(year)s catalogue of %(kind)s"
                    " (the catalogue: %(names)s)."
                )
                % {
                    "disease": name,
                    "year": catalogue.year_in_force(day.year) or day.year,
                    "kind": label,
                    "names": "、".join(catalogue.names(day.year)) or _("empty"),
                },
            )
        else:
            row.extra["disease"] = disease


def _check_patients(rows: list[Row], field: str) -> None:
    """A follow-up row names a key chronic patient registered by the row's date."""
    first = dict(
        ChronicRegistration.objects.filter(
            person__in={r.person.pk for r in rows if r.person}, disease__is_key_chronic=True
        )
        .order_by()
        .values_list("person_id")
        .annotate(first=Min("diagnosed_on"))
    )
    for row in rows:
        if row.person is None:
            continue
        since = first.get(row.person.pk)
        if since is None or (row["served_on"] and row["served_on"] < since):
            row.error(field, _("A follow-up is only for a registered key chronic patient."))


@register
class ContractLedger(UpsertLedger):
    kind = "contracts"
    label = gettext_lazy("Signing ledger (签约台账)")
    columns = [
        ID_NUMBER_COLUMN,
        Column("year", ("年度", "签约年度", "服务年度"), normalise.year, required=True),
        Column("signed_on", ("签约日期",), normalise.date, required=True),
        Column("method", ("签约方式",), normalise.choice(METHODS)),
        Column("package", ("服务包", "签约服务包"), normalise.text(50)),
        Column("team", ("签约团队", "团队"), normalise.text(100)),
        Column("doctor", ("签约医生", "责任医生"), normalise.text(50)),
    ]
    model = Contract
    fields = ("signed_on", "valid_until", "method", "team", "team_name", "doctor_name")
    fields += ("package", "package_name")
    duplicate_message = gettext_lazy("The same person and year are already on row %(row)d.")

    def key_of(self, row: Row) -> tuple:
        return (row.person.pk, row["year"])

    def validate_rows(self, rows: list[Row]) -> None:
        for row in rows:
            _check_day(row, "signed_on", self.context.today)
            if (
                row["signed_on"]
                and row["year"]
                and row["signed_on"].year
                not in (
                    row["year"] - 1,
                    row["year"],
                )
            ):
                row.error("signed_on", _("The date signed does not belong to the year."))
        self.teams = _by_name(
            self.context.scoped(Team.objects.all()), (r["team"] for r in rows if r["team"])
        )
        self.packages = {
            (year, p.name): p
            for year in {r["year"] for r in rows if r["year"]}
            for p in packages_in_force(year).filter(name__in={r["package"] for r in rows})
        }

    def existing(self, rows):
        return {
            (c.person_id, c.year): c for c in Contract.objects.filter(person__in=self.persons(rows))
        }

    def values(self, row: Row) -> dict[str, Any]:
        team = self.teams.get(row["team"] or "")
        package = self.packages.get((row["year"], row["package"] or ""))
        return {
            "year": row["year"],
            "signed_on": row["signed_on"],
            "valid_until": datetime.date(row["year"], 12, 31),
            "method": row["method"] or SignMethod.PAPER,
            "team": team,
            "team_name": row["team"] or "",
            "doctor_name": row["doctor"] or "",
            "package": package,
            "package_name": row["package"] or "",
        }

    def new(self, row, values):
        return Contract(person=row.person, created_by=self.context.user, **values)


@register
class UnsignedLedger(UpsertLedger):
    kind = "unsigned"
    label = gettext_lazy("Not-signed ledger (未签约登记)")
    columns = [
        ID_NUMBER_COLUMN,
        Column("year", ("年度",), normalise.year, required=True),
        Column("reason", ("未签约原因", "原因"), normalise.choice(REASONS), required=True),
        Column("recorded_on", ("登记日期",), normalise.date, required=True),
        Column("contact_note", ("联系情况", "联系记录"), normalise.text(1000)),
    ]
    model = UnsignedRecord
    fields = ("reason", "recorded_on", "contact_note")
    duplicate_message = gettext_lazy("The same person and year are already on row %(row)d.")

    def key_of(self, row):
        return (row.person.pk, row["year"])

    def validate_rows(self, rows):
        signed = set(
            Contract.objects.filter(person__in={r.person.pk for r in rows if r.person}).values_list(
                "person_id", "year"
            )
        )
        for row in rows:
            _check_day(row, "recorded_on", self.context.today)
            if row.person is not None and (row.person.pk, row["year"]) in signed:
                row.error(
                    "reason",
                    _("This person has a contract for %(year)s; no reason is needed.")
                    % {"year": row["year"]},
                )

    def existing(self, rows):
        return {
            (u.person_id, u.year): u
            for u in UnsignedRecord.objects.filter(person__in=self.persons(rows))
        }

    def values(self, row):
        return {
            "reason": row["reason"],
            "recorded_on": row["recorded_on"],
            "contact_note": row["contact_note"] or "",
        }

    def new(self, row, values):
        return UnsignedRecord(
            person=row.person, year=row["year"], recorded_by=self.context.user, **values
        )


@register
class ChronicLedger(UpsertLedger):
    kind = "chronic"
    label = gettext_lazy("Key chronic disease ledger (慢病管理台账)")
    columns = [
        ID_NUMBER_COLUMN,
        Column("disease", ("病种", "慢病病种"), normalise.text(100), required=True),
        Column("diagnosed_on", ("确诊日期", "诊断日期"), normalise.date, required=True),
        Column("doctor", ("管理医生", "责任医生"), normalise.text(50)),
    ]
    model = ChronicRegistration
    fields = ("disease", "diagnosed_on", "managing_doctor_name")
    duplicate_message = gettext_lazy("The same person and disease are already on row %(row)d.")

    def key_of(self, row):
        return (row.person.pk, row.extra["disease"].name)

    def validate_rows(self, rows):
        for row in rows:
            _check_day(row, "diagnosed_on", self.context.today)
        _catalogue("diagnosed_on", "is_key_chronic", rows, _("key chronic diseases"))

    def existing(self, rows):
        return {
            (r.person_id, r.disease.name): r
            for r in ChronicRegistration.objects.filter(
                person__in=self.persons(rows)
            ).select_related("disease")
        }

    def values(self, row):
        return {
            "disease": row.extra["disease"],
            "diagnosed_on": row["diagnosed_on"],
            "managing_doctor_name": row["doctor"] or "",
        }


@register
class FulfilmentLedger(UpsertLedger):
    kind = "fulfilment"
    label = gettext_lazy("Fulfilment ledger (履约记录)")
    columns = [
        ID_NUMBER_COLUMN,
        Column("served_on", ("服务日期",), normalise.date, required=True),
        Column("kind", ("服务项目",), normalise.choice(SERVICES), required=True),
        Column("staff", ("服务人员",), normalise.text(50)),
        Column("note", ("备注",), normalise.text(1000)),
    ]
    model = FulfilmentRecord
    fields = ("staff_name", "note")
    duplicate_message = gettext_lazy("The same service on the same day is already on row %(row)d.")

    def key_of(self, row):
        return (row.person.pk, row["kind"], row["served_on"])

    def validate_rows(self, rows):
        for row in rows:
            _check_day(row, "served_on", self.context.today)
        _check_patients([r for r in rows if r["kind"] == FulfilmentKind.FOLLOW_UP], "kind")

    def existing(self, rows):
        return {
            (f.person_id, f.kind, f.served_on): f
            for f in FulfilmentRecord.objects.filter(person__in=self.persons(rows))
        }

    def values(self, row):
        return {"staff_name": row["staff"] or "", "note": row["note"] or ""}

    def new(self, row, values):
        return FulfilmentRecord(
            person=row.person, kind=row["kind"], served_on=row["served_on"], **values
        )


@register
class HealthCheckLedger(UpsertLedger):
    kind = "health_checks"
    label = gettext_lazy("Health check ledger (体检台账)")
    columns = [
        ID_NUMBER_COLUMN,
        Column("checked_on", ("体检日期",), normalise.date, required=True),
        Column("institution", ("体检机构",), normalise.text(150)),
        Column("summary", ("结果摘要", "体检结果"), normalise.text(2000)),
        Column("abnormal", ("异常情况", "异常结果"), normalise.text(2000)),
        Column("fed_back", ("是否反馈", "结果是否反馈"), normalise.yes_no),
    ]
    model = HealthCheck
    fields = ("institution", "institution_name", "summary", "abnormal_findings", "fed_back")
    duplicate_message = gettext_lazy("The same person and date are already on row %(row)d.")

    def key_of(self, row):
        return (row.person.pk, row["checked_on"])

    def validate_rows(self, rows):
        for row in rows:
            _check_day(row, "checked_on", self.context.today)
        self.institutions = _by_name(
            self.context.hospitals(),
            (r["institution"] for r in rows if r["institution"]),
        )

    def existing(self, rows):
        return {
            (c.person_id, c.checked_on): c
            for c in HealthCheck.objects.filter(person__in=self.persons(rows))
        }

    def values(self, row):
        name = row["institution"] or ""
        return {
            "checked_on": row["checked_on"],
            "institution": self.institutions.get(name),
            "institution_name": name,
            "summary": row["summary"] or "",
            "abnormal_findings": row["abnormal"] or "",
            "fed_back": bool(row["fed_back"]),
        }


@register
class SpecialDiseaseLedger(UpsertLedger):
    kind = "special_diseases"
    label = gettext_lazy("Special disease ledger (特殊病种台账)")
    columns = [
        ID_NUMBER_COLUMN,
        Column("disease", ("病种", "特殊病种"), normalise.text(100), required=True),
        Column("diagnosed_on", ("诊断日期", "确诊日期"), normalise.date, required=True),
        Column("status", ("办理状态",), normalise.choice(BOOKLET_STATES)),
        Column("number", ("病种簿编号", "编号"), normalise.text(50)),
        Column("issued_on", ("办理日期",), normalise.date),
        Column("expires_on", ("有效期至", "有效期"), normalise.date),
    ]
    model = SpecialDiseaseDiagnosis
    fields = ("diagnosed_on",)
    duplicate_message = gettext_lazy("The same person and disease are already on row %(row)d.")

    def key_of(self, row):
        return (row.person.pk, row.extra["disease"].pk)

    def validate_rows(self, rows):
        for row in rows:
            _check_day(row, "diagnosed_on", self.context.today)
            _check_day(row, "issued_on", self.context.today)
            status = row["status"] or BookletStatus.PENDING
            row.extra["status"] = status
            if status == BookletStatus.ISSUED:
                if not row["number"]:
                    row.error("number", _("An issued booklet needs its number."))
                if not row["issued_on"]:
                    row.error("issued_on", _("An issued booklet needs its date issued."))
            issued, diagnosed = row["issued_on"], row["diagnosed_on"]
            if issued and diagnosed and issued < diagnosed:
                row.error("issued_on", _("A booklet cannot be issued before the diagnosis."))
            if issued and row["expires_on"] and row["expires_on"] < issued:
                row.error("expires_on", _("The expiry date is before the date issued."))
        _catalogue("diagnosed_on", "is_special_outpatient", rows, _("special diseases"))

    def existing(self, rows):
        return {
            (d.person_id, d.disease_id): d
            for d in SpecialDiseaseDiagnosis.objects.filter(
                person__in=self.persons(rows)
            ).select_related("booklet")
        }

    def values(self, row):
        return {"diagnosed_on": row["diagnosed_on"]}

    def new(self, row, values):
        return SpecialDiseaseDiagnosis(person=row.person, disease=row.extra["disease"], **values)

    def _booklet_values(self, row) -> dict[str, Any]:
        status = row.extra["status"]
        issued = status == BookletStatus.ISSUED
        return {
            "status": status,
            "number": (row["number"] or "") if issued else "",
            "issued_on": row["issued_on"] if issued else None,
            "expires_on": row["expires_on"] if issued else None,
        }

    def _booklets(self, rows) -> Upserts:
        """The booklet of each row's diagnosis (the diagnoses are stored by then)."""
        diagnoses = self.existing(rows)
        booklets = Upserts()
        for row in rows:
            diagnosis = diagnoses[self.key_of(row)]
            values = self._booklet_values(row)
            booklets.add(
                getattr(diagnosis, "booklet", None),
                values,
                partial(Booklet, diagnosis=diagnosis, applied_on=None, **values),
            )
        return booklets

    def plan(self, rows):
        counts = super().plan(rows)
        booklets = sum(1 for row in rows if row.extra["status"] == BookletStatus.ISSUED)
        return {**counts, "booklets_issued": booklets}

    def apply(self, rows):
        counts = super().apply(rows)
        booklets = self._booklets(rows)
        booklets.save(Booklet, BOOKLET_FIELDS, self.context.user)
        return {
            **counts,
            "booklets_created": len(booklets.new),
            "booklets_updated": len(booklets.changed),
        }


# --- the follow-up ledger (随访记录), as the national follow-up records have it ------------------

VISIT_METHODS = {"门诊": VisitMethod.CLINIC, "家庭": VisitMethod.HOME, "电话": VisitMethod.PHONE}
VISIT_METHODS |= {"家访": VisitMethod.HOME, "电话随访": VisitMethod.PHONE}
ADHERENCE = {"规律": Adherence.REGULAR, "间断": Adherence.INTERMITTENT, "不服药": Adherence.NONE}
CLASSIFICATIONS = {
    "控制满意": VisitClassification.SATISFACTORY,
    "控制不满意": VisitClassification.UNSATISFACTORY,
    "不良反应": VisitClassification.ADVERSE_REACTION,
    "并发症": VisitClassification.COMPLICATION,
}
SYMPTOMS = {
    "无症状": Symptom.NONE,
    "无": Symptom.NONE,
    "头痛头晕": Symptom.HEADACHE_DIZZINESS,
    "恶心呕吐": Symptom.NAUSEA_VOMITING,
    "眼花耳鸣": Symptom.VISION_TINNITUS,
    "呼吸困难": Symptom.DYSPNOEA,
    "心悸胸闷": Symptom.PALPITATIONS,
    "鼻衄出血不止": Symptom.NOSEBLEED,
    "四肢发麻": Symptom.LIMB_NUMBNESS,
    "下肢水肿": Symptom.LEG_OEDEMA,
    "多饮": Symptom.POLYDIPSIA,
    "多食": Symptom.POLYPHAGIA,
    "多尿": Symptom.POLYURIA,
    "视力模糊": Symptom.BLURRED_VISION,
    "感染": Symptom.INFECTION,
    "手脚麻木": Symptom.HAND_FOOT_NUMBNESS,
    "下肢浮肿": Symptom.LEG_SWELLING,
    "体重明显下降": Symptom.WEIGHT_LOSS,
}
_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_OTHER = ("其他:", "其他：", "其他")


def _symptoms(value: Any) -> tuple[list[str], str]:
    """``头痛头晕、心悸胸闷、其他:乏力`` → the symptom codes and the other text."""
    codes, other = [], []
    for token in _SEPARATORS.split(normalise.clean_text(value)):
        if not token:
            continue
        if token in SYMPTOMS:
            codes.append(SYMPTOMS[token])
        elif token.startswith("其他"):
            other.append(token.removeprefix("其他").lstrip(":：") or token)
        else:
            raise CellError(
                _("Unknown symptom %(value)s; allowed: %(allowed)s, or 其他:…")
                % {"value": token, "allowed": "、".join(SYMPTOMS)}
            )
    return list(dict.fromkeys(codes)), "、".join(other)


def _measure(*units: str):
    """A number with an optional unit written after it (``135``, ``135mmHg``, ``3次/周``)."""

    def parse(value: Any) -> Decimal:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raw = repr(value)
        else:
            raw = normalise.compact(value)
            for unit in units:
                if raw.lower().endswith(unit.lower()):
                    raw = raw[: -len(unit)]
                    break
        try:
            number = Decimal(raw)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise CellError(
                _("Not a number: %(value)s.") % {"value": normalise.clean_text(value)}
            ) from None
        return number

    return parse


def _whole(*units: str):
    measure = _measure(*units)

    def parse(value: Any) -> int:
        number = measure(value)
        if number != number.to_integral_value():
            raise CellError(
                _("Not a whole number: %(value)s.") % {"value": normalise.clean_text(value)}
            )
        return int(number)

    return parse


def _adverse(value: Any) -> tuple[bool, str]:
    """无 → no reaction; 有 (or 有:皮疹, or just the reaction) → a reaction and what it was."""
    raw = normalise.clean_text(value)
    if raw in ("无", "否", "没有", "无不良反应"):
        return False, ""
    note = raw.removeprefix("有").lstrip(":：,， ")
    return True, note


@register
class FollowupLedger(PersonLedger):
    """Follow-up visits of key chronic patients with what each found; a row is keyed by the
    person and the date of the visit, so a file imported twice changes nothing."""

    kind = "followups"
    label = gettext_lazy("Follow-up ledger (随访记录)")
    columns = [
        ID_NUMBER_COLUMN,
        Column("served_on", ("随访日期",), normalise.date, required=True),
        Column("method", ("随访方式",), normalise.choice(VISIT_METHODS)),
        Column("symptoms", ("症状",), _symptoms),
        Column("systolic", ("收缩压",), _whole("mmhg")),
        Column("diastolic", ("舒张压",), _whole("mmhg")),
        Column("weight_kg", ("体重",), _measure("kg", "公斤")),
        Column("height_cm", ("身高",), _measure("cm", "厘米")),
        Column("bmi", ("体质指数", "bmi"), _measure("kg/m2", "kg/m²")),
        Column("fasting_glucose", ("空腹血糖",), _measure("mmol/l")),
        Column("cigarettes_per_day", ("日吸烟量",), _whole("支/日", "支")),
        Column("alcohol_per_day", ("日饮酒量",), _measure("两/日", "两")),
        Column("exercise_per_week", ("运动频率",), _whole("次/周", "次")),
        Column("exercise_minutes", ("每次运动时间", "运动时长"), _whole("分钟/次", "分钟")),
        Column("adherence", ("服药依从性",), normalise.choice(ADHERENCE)),
        Column("adverse_reaction", ("药物不良反应",), _adverse),
        Column("classification", ("此次随访分类", "随访分类"), normalise.choice(CLASSIFICATIONS)),
        Column("referral_reason", ("转诊原因",), normalise.text(200)),
        Column("referral_institution", ("转诊机构", "转诊机构及科别"), normalise.text(150)),
        Column("next_visit_on", ("下次随访日期",), normalise.date),
        Column("staff", ("随访医生", "随访医生签名"), normalise.text(50)),
        Column("note", ("备注",), normalise.text(1000)),
    ]

    def validate(self, rows: list[Row]) -> None:
        super().validate(rows)
        today = self.context.today
        seen: dict[tuple, int] = {}
        for row in rows:
            _check_day(row, "served_on", today)
            if row.person is None or row["served_on"] is None:
                continue
            key = (row.person.pk, row["served_on"])
            if key in seen:
                row.error(
                    None,
                    _("The same person and date are already on row %(row)d.") % {"row": seen[key]},
                )
            else:
                seen[key] = row.number
            row.data = self._visit(row)
        _check_patients(rows, "served_on")

    def _visit(self, row: Row) -> FollowUpVisit:
        """The row's visit, its implausible values reported on their columns."""
        values = {name: row[name] for name in VISIT_FIELDS if name in self._fields()}
        symptoms = row["symptoms"]
        values["symptoms"], values["symptoms_other"] = symptoms or ([], "")
        adverse = row["adverse_reaction"]
        values["adverse_reaction"], values["adverse_reaction_note"] = adverse or (False, "")
        visit = followup_visit_build(values)
        for name, messages in visit.value_errors(row["served_on"]).items():
            column = "adverse_reaction" if name == "adverse_reaction_note" else name
            for message in messages:
                row.error(column if column in self._fields() else None, message)
        return visit

    def _fields(self) -> set[str]:
        return {column.field for column in self.columns}

    def _existing(self, rows: list[Row]) -> dict[tuple, FulfilmentRecord]:
        return {
            (r.person_id, r.served_on): r
            for r in FulfilmentRecord.objects.filter(
                person__in={row.person.pk for row in rows}, kind=FulfilmentKind.FOLLOW_UP
            ).select_related("visit")
        }

    def _split(self, rows: list[Row]) -> tuple[Upserts, Upserts, int]:
        """The records and the visits to write, and how many rows changed nothing."""
        existing = self._existing(rows)
        records, visits = Upserts(), Upserts()
        unchanged = 0
        for row in rows:
            record = existing.get((row.person.pk, row["served_on"]))
            visit: FollowUpVisit = row.data
            values = {"staff_name": row["staff"] or "", "note": row["note"] or ""}
            if record is None:
                record = FulfilmentRecord(
                    person=row.person,
                    kind=FulfilmentKind.FOLLOW_UP,
                    served_on=row["served_on"],
                    **values,
                )
                records.new.append(record)
                visit.record = record
                visits.new.append(visit)
                continue
            written = len(records.changed) + len(visits.changed) + len(visits.new)
            records.add(record, values, list)
            stored = visit_of(record)
            if stored is None:
                visit.record = record
                visits.new.append(visit)
            else:
                visits.add(stored, {name: getattr(visit, name) for name in VISIT_FIELDS}, list)
            unchanged += written == len(records.changed) + len(visits.changed) + len(visits.new)
        return records, visits, unchanged

    def plan(self, rows: list[Row]) -> dict[str, int]:
        records, _visits, unchanged = self._split(rows)
        return {
            "created": len(records.new),
            "updated": len(rows) - len(records.new) - unchanged,
            "unchanged": unchanged,
        }

    def apply(self, rows: list[Row]) -> dict[str, int]:
        records, visits, unchanged = self._split(rows)
        records.save(FulfilmentRecord, ("staff_name", "note"), self.context.user)
        for visit in visits.new:
            visit.record_id = visit.record.pk  # the records were created just above
        visits.save(FollowUpVisit, VISIT_FIELDS, self.context.user)
        return {
            "created": len(records.new),
            "updated": len(rows) - len(records.new) - unchanged,
            "unchanged": unchanged,
        }
