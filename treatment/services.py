"""Writes of the treatment app: every change goes through one of these, in one transaction.

Each service checks the actor may reach the person (a person outside the actor's places is
"not on your roster", the same answer as a person who does not exist) and runs ``full_clean``,
so a bad record is refused with a message and nothing is saved.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from healthpov.accounts.models import User
from healthpov.places.models import Institution
from healthpov.places.scoping import hospitals_choosable_by
from households.models import Person
from signing.models import Disease
from treatment.models import (
    CaseStatus,
    FollowUpCall,
    InpatientStay,
    MajorIllnessCase,
    TreatmentPolicy,
)
from treatment.proofs import proof_for_storage

CASE_EDITABLE_FIELDS = (
    "disease",
    "screening_date",
    "hospital",
    "hospital_name",
    "status",
    "treatment_date",
    "note",
)


def _require_editor(actor: User) -> None:
    if not actor.can_edit_registry:
        raise PermissionDenied(_("Your role may not change treatment records."))


def _require_person_in_scope(person: Person, actor: User) -> None:
    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("This person is not on the roster of your places.")})


def hospital_match(name: str, *, actor: User) -> Institution | None:
    """The institution written as ``name`` (exact, after trimming) that ``actor`` may name as a
    hospital (``hospitals_choosable_by``), if any; any other name is kept as text."""
    name = (name or "").strip()
    if not name:
        return None
    return hospitals_choosable_by(actor).filter(name=name).order_by("pk").first()


def _hospital_fields(
    hospital: Institution | None, hospital_name: str, actor: User
) -> tuple[Institution | None, str]:
    if hospital is not None and not hospitals_choosable_by(actor).filter(pk=hospital.pk).exists():
        raise ValidationError({"hospital": _("Choose a hospital you may record.")})
    if hospital is None:
        hospital = hospital_match(hospital_name, actor=actor)
    return hospital, ("" if hospital else (hospital_name or "").strip())


@transaction.atomic
def case_create(
    *,
    person: Person,
    disease: Disease,
    screening_date: datetime.date,
    actor: User,
    hospital: Institution | None = None,
    hospital_name: str = "",
    status: str = CaseStatus.SCREENED,
    treatment_date: datetime.date | None = None,
    note: str = "",
) -> MajorIllnessCase:
    _require_editor(actor)
    _require_person_in_scope(person, actor)
    hospital, hospital_name = _hospital_fields(hospital, hospital_name, actor)
    case = MajorIllnessCase(
        person=person,
        disease=disease,
        year=screening_date.year,
        screening_date=screening_date,
        hospital=hospital,
        hospital_name=hospital_name,
        status=status,
        treatment_date=treatment_date,
        note=note,
        created_by=actor,
    )
    case.full_clean()
    case._change_reason = _("Case screened")
    case.save()
    return case


@transaction.atomic
def case_update(*, case: MajorIllnessCase, actor: User, **changes) -> MajorIllnessCase:
    """Change the screening, hospital, status or treatment date of a case.

    A refusal goes through :func:`case_record_refusal`, which needs its reason and proof.
    """
    _require_editor(actor)
    _require_person_in_scope(case.person, actor)
    unknown = set(changes) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"case_update cannot change {sorted(unknown)}")
    case = MajorIllnessCase.objects.select_for_update().get(pk=case.pk)
    for field, value in changes.items():
        setattr(case, field, value)
    if "hospital" in changes or "hospital_name" in changes:
        case.hospital, case.hospital_name = _hospital_fields(
            case.hospital, case.hospital_name, actor
        )
    if "screening_date" in changes:
        case.year = case.screening_date.year
    if case.status != CaseStatus.REFUSED:
        case.refusal_reason = ""
    case.full_clean()
    case._change_reason = _("Case updated")
    case.save()
    return case


@transaction.atomic
def case_record_refusal(
    *,
    case: MajorIllnessCase,
    reason: str,
    actor: User,
    note: str = "",
    proof: UploadedFile | None = None,
) -> MajorIllnessCase:
    """The person refused treatment; keep the reason and the proof the policy was explained."""
    _require_editor(actor)
    _require_person_in_scope(case.person, actor)
    stored_proof = proof_for_storage(proof) if proof is not None else None
    case = MajorIllnessCase.objects.select_for_update().get(pk=case.pk)
    case.status = CaseStatus.REFUSED
    case.refusal_reason = (reason or "").strip()
    case.refusal_note = (note or "").strip()
    if stored_proof is not None:
        case.refusal_proof = stored_proof
        case.refusal_proof_by = actor
    case.full_clean()
    case._change_reason = _("Refusal recorded")
    case.save()
    return case


@transaction.atomic
def call_record(
    *,
    case: MajorIllnessCase,
    called_on: datetime.date,
    actor: User,
    note: str = "",
    caller_name: str = "",
) -> FollowUpCall:
    _require_editor(actor)
    _require_person_in_scope(case.person, actor)
    call = FollowUpCall(
        case=case,
        called_on=called_on,
        caller=actor,
        caller_name=caller_name or actor.last_name or actor.username,
        note=note,
    )
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def stay_record(
    *,
    person: Person,
    admitted_on: datetime.date,
    discharged_on: datetime.date,
    total_cost: Decimal,
    policy_cost: Decimal,
    actor: User,
    basic_insurance: Decimal = Decimal("0"),
    critical_insurance: Decimal = Decimal("0"),
    medical_assistance: Decimal = Decimal("0"),
    supplementary_insurance: Decimal = Decimal("0"),
    personal_payment: Decimal = Decimal("0"),
    hospital: Institution | None = None,
    hospital_name: str = "",
    in_county: bool = True,
    referral: bool = False,
    deposit_taken: bool = False,
    one_stop: bool = True,
    case: MajorIllnessCase | None = None,
    note: str = "",
) -> InpatientStay:
    _require_editor(actor)
    _require_person_in_scope(person, actor)
    if case is not None and case.person_id != person.pk:
        raise ValidationError({"case": _("The case belongs to another person.")})
    hospital, hospital_name = _hospital_fields(hospital, hospital_name, actor)
    stay = InpatientStay(
        person=person,
        case=case,
        hospital=hospital,
        hospital_name=hospital_name,
        in_county=in_county,
        referral=referral,
        admitted_on=admitted_on,
        discharged_on=discharged_on,
        total_cost=total_cost,
        policy_cost=policy_cost,
        basic_insurance=basic_insurance,
        critical_insurance=critical_insurance,
        medical_assistance=medical_assistance,
        supplementary_insurance=supplementary_insurance,
        personal_payment=personal_payment,
        deposit_taken=deposit_taken,
        one_stop=one_stop,
        note=note,
        created_by=actor,
    )
    stay.full_clean()
    stay.save()
    return stay


@transaction.atomic
def treatment_policy_start_year(*, year: int, actor: User | None) -> int:
    """Copy the treatment policy in force in ``year`` (the newest earlier year's) into a row of
    ``year`` for an administrator to edit; 1 if copied, 0 if ``year`` has its own or none was
    ever saved (the defaults apply)."""
    if TreatmentPolicy.objects.filter(year=year).exists():
        return 0
    policy = TreatmentPolicy.for_year(year)
    if policy.pk is None:
        return 0
    policy.pk = None
    policy.year = year
    policy.full_clean()
    if actor is not None:
        policy._history_user = actor
    policy.save()
    return 1
