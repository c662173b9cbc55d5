"""The two ledgers of this app, as declarations for the registry's import engine.

``import_ledger major_illness PATH`` (大病专项救治台账) and ``import_ledger stays PATH``
(住院结算台账). Both are upserts: the same file imported twice changes nothing.
Hospital names match known institutions where they match and are kept as text otherwise;
they never make a row fail. A disease must be a major illness of the catalogue in force in the
screening year (that year's, else the newest earlier one); the case belongs to the screening year.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from healthpov.places.models import Institution
from households.imports import Column, PersonLedger, Row, normalise, register
from households.imports.ledgers import ImportContext
from signing.catalogue import Catalogue
from treatment.models import CaseStatus, InpatientStay, MajorIllnessCase

ID_HEADERS = ("身份证号", "身份证号码", "证件号码", "公民身份号码")

STATUS_VALUES = {
    "已排查": CaseStatus.SCREENED,
    "排查": CaseStatus.SCREENED,
    "救治中": CaseStatus.IN_TREATMENT,
    "正在救治": CaseStatus.IN_TREATMENT,
    "已救治": CaseStatus.TREATED,
    "救治": CaseStatus.TREATED,
    "拒绝": CaseStatus.REFUSED,
    "拒绝救治": CaseStatus.REFUSED,
    "死亡": CaseStatus.DIED,
}

MONEY_PARTS = (
    "basic_insurance",
    "critical_insurance",
    "medical_assistance",
    "supplementary_insurance",
    "personal_payment",
)
MONEY_FIELDS = ("total_cost", "policy_cost", *MONEY_PARTS)


def _hospitals_by_name(names: set[str], context: ImportContext) -> dict[str, Institution]:
    """Institutions among ``names`` that the importing user may name as a hospital (one
    query). Any other name (another township's health centre, an unknown hospital) is kept
    as text."""
    found: dict[str, Institution] = {}
    for institution in context.hospitals().filter(name__in=names).order_by("-pk"):
        found[institution.name] = institution
    return found


@register
class MajorIllnessLedger(PersonLedger):
    kind = "major_illness"
    label = gettext_lazy("Major-illness ledger (大病专项救治台账)")
    columns = [
        Column("id_number", ID_HEADERS, normalise.id_number, required=True),
        Column("disease", ("病种", "病种名称", "疾病名称"), normalise.text(100), required=True),
        Column("screening_date", ("排查日期",), normalise.date, required=True),
        Column("status", ("救治状态", "状态"), normalise.choice(STATUS_VALUES)),
        Column("hospital", ("定点医院", "救治医院"), normalise.text(150)),
        Column("treatment_date", ("救治日期",), normalise.date),
        Column("refusal_reason", ("拒绝原因",), normalise.text(500)),
        Column("refusal_note", ("告知情况", "政策告知情况"), normalise.text(500)),
    ]

    def validate(self, rows: list[Row]) -> None:
        super().validate(rows)
        catalogue = Catalogue(is_major_illness=True)
        seen: dict[tuple, int] = {}
        for row in rows:
            screened = row["screening_date"]
            if screened is None or row["disease"] is None:
                continue
            if screened > self.context.today:
                row.error("screening_date", _("The date is in the future."))
            disease = catalogue.find(screened.year, row["disease"])
            if disease is None:
                in_force = catalogue.year_in_force(screened.year) or screened.year
                listed = "、".join(catalogue.names(screened.year)) or _("empty")
                row.error(
                    "disease",
                    _(
                        "%(disease)s is not a major illness of the %(year)s catalogue"
                        " (the catalogue: %(names)s)."
                    )
                    % {"disease": row["disease"], "year": in_force, "names": listed},
                )
                continue
            row.extra["disease"] = disease
            status = row["status"] or CaseStatus.SCREENED
            row.extra["status"] = status
            treated = row["treatment_date"]
            if treated and treated < screened:
                row.error(
                    "treatment_date", _("The treatment date cannot be before the screening date.")
                )
            if status == CaseStatus.TREATED and not treated:
                row.error("treatment_date", _("A treated case needs its treatment date."))
            if status == CaseStatus.REFUSED and not row["refusal_reason"]:
                row.error("refusal_reason", _("A refusal needs its reason."))
            if row.person is not None:
                key = (row.person.pk, disease.pk, screened.year)
                if key in seen:
                    row.error(
                        "disease",
                        _("The same person and disease are already on row %(row)d.")
                        % {"row": seen[key]},
                    )
                else:
                    seen[key] = row.number

    def _values(self, row: Row, hospitals: dict[str, Institution]) -> dict:
        name = row["hospital"] or ""
        hospital = hospitals.get(name)
        status = row.extra["status"]
        return {
            "screening_date": row["screening_date"],
            "status": status,
            "hospital": hospital,
            "hospital_name": "" if hospital else name,
            "treatment_date": row["treatment_date"],
            "refusal_reason": (row["refusal_reason"] or "") if status == CaseStatus.REFUSED else "",
            "refusal_note": (row["refusal_note"] or "") if status == CaseStatus.REFUSED else "",
        }

    def _split(self, rows: list[Row]):
        existing = {
            (case.person_id, case.disease_id, case.year): case
            for case in MajorIllnessCase.objects.filter(
                person__in={row.person.pk for row in rows},
                disease__in={row.extra["disease"].pk for row in rows},
            )
        }
        hospitals = _hospitals_by_name(
            {row["hospital"] for row in rows if row["hospital"]}, self.context
        )
        new, changed, unchanged = [], [], 0
        for row in rows:
            disease = row.extra["disease"]
            values = self._values(row, hospitals)
            year = row["screening_date"].year
            case = existing.get((row.person.pk, disease.pk, year))
            if case is None:
                case = MajorIllnessCase(person=row.person, disease=disease, year=year, **values)
                new.append(case)
                continue
            differs = {k: v for k, v in values.items() if getattr(case, k) != v}
            if differs:
                for field, value in differs.items():
                    setattr(case, field, value)
                changed.append(case)
            else:
                unchanged += 1
        return new, changed, unchanged

    def plan(self, rows: list[Row]) -> dict[str, int]:
        new, changed, unchanged = self._split(rows)
        return {"created": len(new), "updated": len(changed), "unchanged": unchanged}

    def apply(self, rows: list[Row]) -> dict[str, int]:
        new, changed, unchanged = self._split(rows)
        user = self.context.user
        for case in new:
            case.created_by = user
        bulk_create_with_history(new, MajorIllnessCase, batch_size=500, default_user=user)
        if changed:
            bulk_update_with_history(
                changed,
                MajorIllnessCase,
                [
                    "screening_date",
                    "status",
                    "hospital",
                    "hospital_name",
                    "treatment_date",
                    "refusal_reason",
                    "refusal_note",
                ],
                batch_size=500,
                default_user=user,
                default_change_reason=_("Ledger import"),
            )
        return {"created": len(new), "updated": len(changed), "unchanged": unchanged}


@register
class StayLedger(PersonLedger):
    kind = "stays"
    label = gettext_lazy("Inpatient settlement ledger (住院结算台账)")
    columns = [
        Column("id_number", ID_HEADERS, normalise.id_number, required=True),
        Column("hospital", ("医院", "住院医院", "就诊医院"), normalise.text(150), required=True),
        Column("in_county", ("是否县域内", "县域内"), normalise.yes_no),
        Column("referral", ("是否转诊", "转诊"), normalise.yes_no),
        Column("admitted_on", ("入院日期",), normalise.date, required=True),
        Column("discharged_on", ("出院日期",), normalise.date, required=True),
        Column("total_cost", ("总费用", "医疗总费用"), normalise.decimal, required=True),
        Column("policy_cost", ("政策范围内费用", "政策内费用"), normalise.decimal, required=True),
        Column("basic_insurance", ("基本医保",), normalise.decimal),
        Column("critical_insurance", ("大病保险",), normalise.decimal),
        Column("medical_assistance", ("医疗救助",), normalise.decimal),
        Column("supplementary_insurance", ("补充保险",), normalise.decimal),
        Column("personal_payment", ("个人自付",), normalise.decimal),
        Column("deposit_taken", ("是否收取押金", "收取押金"), normalise.yes_no),
        Column("one_stop", ("是否一站式结算", "一站式结算"), normalise.yes_no),
    ]

    def validate(self, rows: list[Row]) -> None:
        super().validate(rows)
        seen: dict[tuple, int] = {}
        for row in rows:
            for field in MONEY_FIELDS:
                if row[field] is not None and row[field] < 0:
                    row.error(field, _("An amount cannot be negative."))
            admitted, discharged = row["admitted_on"], row["discharged_on"]
            if admitted and discharged and discharged < admitted:
                row.error(
                    "discharged_on",
                    _("Discharge (%(discharged)s) cannot be before admission (%(admitted)s).")
                    % {"discharged": discharged, "admitted": admitted},
                )
            if discharged and discharged > self.context.today:
                row.error("discharged_on", _("The date is in the future."))
            total = row["total_cost"]
            if total is not None:
                parts = sum((row[f] or Decimal("0") for f in MONEY_PARTS), Decimal("0"))
                if parts != total:
                    row.error(
                        "total_cost",
                        _(
                            "The parts (basic insurance + critical-illness insurance"
                            " + medical assistance + supplementary insurance + personal payment"
                            " = %(parts)s) do not add up to the total cost %(total)s:"
                            " the difference is %(difference)s."
                        )
                        % {"parts": parts, "total": total, "difference": total - parts},
                    )
                if row["policy_cost"] is not None and row["policy_cost"] > total:
                    row.error(
                        "policy_cost",
                        _("The cost within policy cannot be more than the total cost."),
                    )
            if row.person is not None and admitted:
                key = (row.person.pk, admitted, discharged, row["hospital"])
                if key in seen:
                    row.error(
                        "admitted_on",
                        _("The same stay is already on row %(row)d.") % {"row": seen[key]},
                    )
                else:
                    seen[key] = row.number

    def _new_stays(self, rows: list[Row]) -> tuple[list[InpatientStay], int]:
        persons = {row.person.pk for row in rows}
        existing = set()
        for stay in InpatientStay.objects.filter(person__in=persons).select_related("hospital"):
            existing.add(
                (stay.person_id, stay.admitted_on, stay.discharged_on, stay.hospital_display)
            )
        hospitals = _hospitals_by_name({row["hospital"] for row in rows}, self.context)
        latest_case = {}
        for case in MajorIllnessCase.objects.filter(person__in=persons).order_by("year", "pk"):
            latest_case[case.person_id] = case
        new = []
        for row in rows:
            key = (row.person.pk, row["admitted_on"], row["discharged_on"], row["hospital"])
            if key in existing:
                continue
            existing.add(key)
            hospital = hospitals.get(row["hospital"])
            case = latest_case.get(row.person.pk)
            if case is not None and case.year > row["discharged_on"].year:
                case = None
            new.append(
                InpatientStay(
                    person=row.person,
                    case=case,
                    hospital=hospital,
                    hospital_name="" if hospital else row["hospital"],
                    in_county=True if row["in_county"] is None else row["in_county"],
                    referral=bool(row["referral"]),
                    admitted_on=row["admitted_on"],
                    discharged_on=row["discharged_on"],
                    deposit_taken=bool(row["deposit_taken"]),
                    one_stop=True if row["one_stop"] is None else row["one_stop"],
                    created_by=self.context.user,
                    **{f: row[f] or Decimal("0.00") for f in MONEY_FIELDS},
                )
            )
        return new, len(rows) - len(new)

    def plan(self, rows: list[Row]) -> dict[str, int]:
        new, unchanged = self._new_stays(rows)
        return {"created": len(new), "unchanged": unchanged}

    def apply(self, rows: list[Row]) -> dict[str, int]:
        new, unchanged = self._new_stays(rows)
        bulk_create_with_history(new, InpatientStay, batch_size=500, default_user=self.context.user)
        return {"created": len(new), "unchanged": unchanged}
