"""The two ledgers of this app, as declarations for the registry's import engine.

``import_ledger major_illness PATH`` (大病专项救治台账) and ``import_ledger stays PATH``
(住院结算台账). Both are upserts: the same file imported twice changes nothing.
Hospital names match known institutions where they match and are kept as text otherwise;
they never make a row fail. A disease must be a major illness of the catalogue in force in the
screening year (that year's, else the newest earlier one); the case belongs to the screening year.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from healthpov.places.models import Institution
from households.imports import (
    ID_NUMBER_COLUMN,
    Column,
    ImportContext,
    Row,
    UpsertLedger,
    normalise,
    register,
)
from signing.catalogue import Catalogue
from treatment.models import CaseStatus, InpatientStay, MajorIllnessCase

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
class MajorIllnessLedger(UpsertLedger):
    kind = "major_illness"
    label = gettext_lazy("Major-illness ledger (大病专项救治台账)")
    columns = [
        ID_NUMBER_COLUMN,
        Column("disease", ("病种", "病种名称", "疾病名称"), normalise.text(100), required=True),
        Column("screening_date", ("排查日期",), normalise.date, required=True),
        Column("status", ("救治状态", "状态"), normalise.choice(STATUS_VALUES)),
        Column("hospital", ("定点医院", "救治医院"), normalise.text(150)),
        Column("treatment_date", ("救治日期",), normalise.date),
        Column("refusal_reason", ("拒绝原因",), normalise.text(500)),
        Column("refusal_note", ("告知情况", "政策告知情况"), normalise.text(500)),
    ]

    model = MajorIllnessCase
    fields = (
        "screening_date",
        "status",
        "hospital",
        "hospital_name",
        "treatment_date",
        "refusal_reason",
        "refusal_note",
    )
    duplicate_message = gettext_lazy("The same person and disease are already on row %(row)d.")
    duplicate_field = "disease"

    def key_of(self, row: Row) -> tuple:
        return (row.person.pk, row.extra["disease"].pk, row["screening_date"].year)

    def validate_rows(self, rows: list[Row]) -> None:
        catalogue = Catalogue(is_major_illness=True)
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
        self.hospitals = _hospitals_by_name(
            {row["hospital"] for row in rows if row["hospital"]}, self.context
        )

    def existing(self, rows: list[Row]) -> dict[tuple, MajorIllnessCase]:
        return {
            (case.person_id, case.disease_id, case.year): case
            for case in MajorIllnessCase.objects.filter(
                person__in=self.persons(rows),
                disease__in={row.extra["disease"].pk for row in rows},
            )
        }

    def values(self, row: Row) -> dict[str, Any]:
        name = row["hospital"] or ""
        hospital = self.hospitals.get(name)
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

    def new(self, row: Row, values: dict[str, Any]) -> MajorIllnessCase:
        return MajorIllnessCase(
            person=row.person,
            disease=row.extra["disease"],
            year=row["screening_date"].year,
            created_by=self.context.user,
            **values,
        )


@register
class StayLedger(UpsertLedger):
    kind = "stays"
    label = gettext_lazy("Inpatient settlement ledger (住院结算台账)")
    columns = [
        ID_NUMBER_COLUMN,
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

    model = InpatientStay
    fields = ()  # a stay on the file a second time changes nothing: stays are only created
    duplicate_message = gettext_lazy("The same stay is already on row %(row)d.")
    duplicate_field = "admitted_on"

    def key_of(self, row: Row) -> tuple:
        return (row.person.pk, row["admitted_on"], row["discharged_on"], row["hospital"])

    def validate_rows(self, rows: list[Row]) -> None:
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

        self.hospitals = _hospitals_by_name(
            {row["hospital"] for row in rows if row["hospital"]}, self.context
        )
        # The newest case of each person: a stay is filed under it unless the case is of a
        # later year than the discharge.
        self.latest_case = {
            case.person_id: case
            for case in MajorIllnessCase.objects.filter(
                person__in={row.person.pk for row in rows if row.person}
            ).order_by("year", "pk")
        }

    def existing(self, rows: list[Row]) -> dict[tuple, InpatientStay]:
        return {
            (stay.person_id, stay.admitted_on, stay.discharged_on, stay.hospital_display): stay
            for stay in InpatientStay.objects.filter(person__in=self.persons(rows)).select_related(
                "hospital"
            )
        }

    def values(self, row: Row) -> dict[str, Any]:
        return {}

    def new(self, row: Row, values: dict[str, Any]) -> InpatientStay:
        hospital = self.hospitals.get(row["hospital"])
        case = self.latest_case.get(row.person.pk)
        if case is not None and case.year > row["discharged_on"].year:
            case = None
        return InpatientStay(
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
