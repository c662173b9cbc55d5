"""Writes of the signing app. Every function checks what a user may do and what the record
may hold, raises ``ValidationError`` with a message fit to show (nothing is saved then), and
runs in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from healthpov.places.models import Institution
from households.models import Person
from signing.catalogue import package_year_in_force, packages_in_force
from signing.models import (
    Booklet,
    BookletStatus,
    ChronicRegistration,
    Contract,
    Disease,
    FollowUpVisit,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    ServicePackage,
    SignMethod,
    SpecialDiseaseDiagnosis,
    Team,
    UnsignedReason,
    UnsignedRecord,
    YearPolicy,
)

if TYPE_CHECKING:
    from healthpov.accounts.models import User


# --- shared checks ---------------------------------------------------------------------------


def check_may_edit(person: Person, actor: User) -> None:
    """The actor may enter service records, and ``person`` is in the actor's area."""
    if not actor.can_edit_registry:
        raise PermissionDenied(_("You may not enter service records."))
    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise ValidationError(_("%(name)s is not in your area.") % {"name": person.name})


def check_date(day: datetime.date | None, person: Person, label: str) -> None:
    """A service date is neither in the future nor before the person was born."""
    if day is None:
        raise ValidationError(_("%(field)s is required.") % {"field": label})
    if day > timezone.localdate():
        raise ValidationError(_("%(field)s cannot be in the future.") % {"field": label})
    if person.birth_date and day < person.birth_date:
        raise ValidationError(
            _("%(field)s cannot be before %(name)s was born (%(birth)s).")
            % {"field": label, "name": person.name, "birth": person.birth_date.isoformat()}
        )


def _save(obj, actor: User | None = None, reason: str = "") -> None:
    obj.full_clean()
    if actor is not None:
        obj._history_user = actor
    if reason:
        obj._change_reason = reason
    obj.save()


# --- contracts -------------------------------------------------------------------------------


def contract_sign(
    *,
    person: Person,
    year: int,
    signed_on: datetime.date,
    method: str,
    actor: User,
    team: Team | None = None,
    doctor: User | None = None,
    package: ServicePackage | None = None,
    team_name: str = "",
    doctor_name: str = "",
    package_name: str = "",
) -> Contract:
    """Sign ``person`` for the service year ``year`` (one contract per person and year)."""
    check_may_edit(person, actor)
    check_date(signed_on, person, _("Date signed"))
    if method not in SignMethod.values:
        raise ValidationError(_("Unknown signing method."))
    if signed_on.year not in (year - 1, year):
        raise ValidationError(
            _("A contract for %(year)d must be signed in %(year)d or late in the year before.")
            % {"year": year}
        )
    if team is not None and not Team.objects.visible_to(actor).filter(pk=team.pk).exists():
        raise ValidationError(_("That team is not in your area."))
    if package is not None and package.year != package_year_in_force(year):
        raise ValidationError(_("The package belongs to another year."))
    if Contract.objects.filter(person=person, year=year).exists():
        raise ValidationError(
            _("%(name)s already has a contract for %(year)d.") % {"name": person.name, "year": year}
        )
    contract = Contract(
        person=person,
        year=year,
        signed_on=signed_on,
        valid_until=datetime.date(year, 12, 31),
        method=method,
        team=team,
        team_name=team.name if team else team_name,
        doctor=doctor,
        doctor_name=(doctor.get_full_name() or doctor.username) if doctor else doctor_name,
        package=package,
        package_name=package.name if package else package_name,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            _save(contract, actor, "signed")
    except IntegrityError:  # a concurrent second submit
        raise ValidationError(
            _("%(name)s already has a contract for %(year)d.") % {"name": person.name, "year": year}
        ) from None
    return contract


def contract_renew(
    *, contract: Contract, signed_on: datetime.date, actor: User, method: str | None = None
) -> Contract:
    """A contract for the year after ``contract``'s, with the same team, doctor and package
    (the package of the new year with the same name, if there is one)."""
    year = contract.year + 1
    package = None
    if contract.package_id:
        package = packages_in_force(year).filter(name=contract.package.name).first()
    return contract_sign(
        person=contract.person,
        year=year,
        signed_on=signed_on,
        method=method or contract.method,
        actor=actor,
        team=contract.team,
        doctor=contract.doctor,
        package=package,
        team_name=contract.team_name,
        doctor_name=contract.doctor_name,
        package_name="" if package else contract.package_name,
    )


@transaction.atomic
def unsigned_record(
    *,
    person: Person,
    year: int,
    reason: str,
    recorded_on: datetime.date,
    contact_note: str,
    actor: User,
) -> UnsignedRecord:
    """Record (or correct) why ``person`` has no contract in ``year``."""
    check_may_edit(person, actor)
    check_date(recorded_on, person, _("Date recorded"))
    if reason not in UnsignedReason.values:
        raise ValidationError(_("Choose a reason."))
    if Contract.objects.filter(person=person, year=year).exists():
        raise ValidationError(
            _("%(name)s has a contract for %(year)d; no reason for not signing is needed.")
            % {"name": person.name, "year": year}
        )
    if not contact_note.strip() and reason != UnsignedReason.DIED:
        raise ValidationError(_("Note how the person was contacted (the evidence of the attempt)."))
    record = UnsignedRecord.objects.filter(person=person, year=year).first() or UnsignedRecord(
        person=person, year=year
    )
    record.reason = reason
    record.recorded_on = recorded_on
    record.contact_note = contact_note.strip()
    record.recorded_by = actor
    _save(record, actor)
    return record


# --- fulfilment and follow-ups ---------------------------------------------------------------


@transaction.atomic
def fulfilment_record(
    *,
    persons: Iterable[Person],
    kind: str,
    served_on: datetime.date,
    actor: User,
    note: str = "",
    staff: User | None = None,
    staff_name: str = "",
) -> list[FulfilmentRecord]:
    """Record one service for several persons at once.

    A brochure is given per household: of the persons chosen, one record per household.
    A follow-up is only for a key chronic patient registered by the date of the visit.
    """
    persons = list(persons)
    if not persons:
        raise ValidationError(_("Choose at least one person."))
    if kind not in FulfilmentKind.values:
        raise ValidationError(_("Unknown service."))
    for person in persons:
        check_may_edit(person, actor)
        check_date(served_on, person, _("Service date"))
    if kind == FulfilmentKind.BROCHURE:
        by_household: dict[int, Person] = {}
        for person in persons:
            by_household.setdefault(person.household_id, person)
        persons = list(by_household.values())
    if kind == FulfilmentKind.FOLLOW_UP:
        patients = set(
            ChronicRegistration.objects.filter(
                person__in=persons, disease__is_key_chronic=True, diagnosed_on__lte=served_on
            ).values_list("person_id", flat=True)
        )
        outsiders = [p.name for p in persons if p.pk not in patients]
        if outsiders:
            raise ValidationError(
                _("A follow-up is only for key chronic patients; not registered: %(names)s.")
                % {"names": "、".join(outsiders)}
            )
    staff_label = (staff.get_full_name() or staff.username) if staff else staff_name
    records = []
    for person in persons:
        record = FulfilmentRecord(
            person=person,
            kind=kind,
            served_on=served_on,
            staff=staff or actor,
            staff_name=staff_label or (actor.get_full_name() or actor.username),
            note=note.strip(),
        )
        _save(record, actor)
        records.append(record)
    return records


#: What a follow-up visit may record besides its date and note (``visit`` of followup_record).
VISIT_FIELDS = tuple(
    f.name for f in FollowUpVisit._meta.concrete_fields if f.name not in ("id", "record")
)


def followup_visit_build(values: Mapping[str, Any]) -> FollowUpVisit:
    """An unsaved visit from ``values`` (names of :data:`VISIT_FIELDS`; blanks as None or
    ""), texts stripped, decimals to one place and BMI computed from weight and height."""
    unknown = set(values) - set(VISIT_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown follow-up fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    visit = FollowUpVisit()
    for name, value in values.items():
        field = FollowUpVisit._meta.get_field(name)
        if value is None:
            value = field.get_default() if not field.null else None
        elif isinstance(value, str):
            value = value.strip()
        elif isinstance(value, (Decimal, float)) and field.get_internal_type() == "DecimalField":
            value = _one_place(value, name)
        setattr(visit, name, value)
    visit.symptoms = list(dict.fromkeys(visit.symptoms or []))
    if not visit.adverse_reaction:
        visit.adverse_reaction_note = ""
    try:
        visit.compute_bmi()
    except InvalidOperation:  # a weight or height far beyond any plausible value
        raise ValidationError({"bmi": [_implausible("bmi")]}) from None
    return visit


def _implausible(name: str) -> str:
    return _("%(field)s is not a plausible number.") % {
        "field": FollowUpVisit._meta.get_field(name).verbose_name
    }


def _one_place(value: Decimal | float, name: str) -> Decimal:
    """``value`` to one decimal place; a number too large to be rounded (1e400, which a form's
    DecimalField accepts) is refused on its field instead of failing the request."""
    try:
        return Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise ValidationError({name: [_implausible(name)]}) from None


def _has_details(visit: FollowUpVisit) -> bool:
    blank = FollowUpVisit()
    return any(getattr(visit, name) != getattr(blank, name) for name in VISIT_FIELDS)


@transaction.atomic
def followup_record(
    *,
    person: Person,
    served_on: datetime.date,
    actor: User,
    note: str = "",
    visit: Mapping[str, Any] | None = None,
) -> FulfilmentRecord:
    """A follow-up visit of a key chronic patient, with what it found (``visit``: values of
    :data:`VISIT_FIELDS`, each range-checked; nothing is saved when one is implausible)."""
    check_may_edit(person, actor)
    check_date(served_on, person, _("Date of the visit"))
    details = followup_visit_build(visit or {})
    errors = details.value_errors(served_on)
    if errors:
        raise ValidationError(errors)
    record = fulfilment_record(
        persons=[person], kind=FulfilmentKind.FOLLOW_UP, served_on=served_on, actor=actor, note=note
    )[0]
    if _has_details(details):
        details.record = record
        _save(details, actor)
    return record


@transaction.atomic
def chronic_register(
    *,
    person: Person,
    disease: Disease,
    diagnosed_on: datetime.date,
    actor: User,
    managing_doctor: User | None = None,
    managing_doctor_name: str = "",
) -> ChronicRegistration:
    """Register ``person`` with a key chronic disease (quarterly follow-ups from then on)."""
    check_may_edit(person, actor)
    check_date(diagnosed_on, person, _("Date diagnosed"))
    if not disease.is_key_chronic:
        raise ValidationError(
            _("%(disease)s is not a key chronic disease of the catalogue.")
            % {"disease": disease.name}
        )
    if ChronicRegistration.objects.filter(person=person, disease__name=disease.name).exists():
        raise ValidationError(
            _("%(name)s is already registered with %(disease)s.")
            % {"name": person.name, "disease": disease.name}
        )
    registration = ChronicRegistration(
        person=person,
        disease=disease,
        diagnosed_on=diagnosed_on,
        managing_doctor=managing_doctor,
        managing_doctor_name=managing_doctor_name,
    )
    _save(registration, actor)
    return registration


# --- health checks ---------------------------------------------------------------------------


@transaction.atomic
def health_check_record(
    *,
    person: Person,
    checked_on: datetime.date,
    actor: User,
    institution: Institution | None = None,
    institution_name: str = "",
    summary: str = "",
    abnormal_findings: str = "",
    fed_back: bool = False,
) -> HealthCheck:
    check_may_edit(person, actor)
    check_date(checked_on, person, _("Date checked"))
    check = HealthCheck(
        person=person,
        checked_on=checked_on,
        institution=institution,
        institution_name=institution.name if institution else institution_name,
        summary=summary.strip(),
        abnormal_findings=abnormal_findings.strip(),
        fed_back=fed_back,
    )
    _save(check, actor)
    return check


# --- special diseases and booklets -----------------------------------------------------------


@transaction.atomic
def special_diagnosis_record(
    *, person: Person, disease: Disease, diagnosed_on: datetime.date, actor: User
) -> SpecialDiseaseDiagnosis:
    """A diagnosis of a catalogued special disease; its booklet starts as not applied."""
    check_may_edit(person, actor)
    check_date(diagnosed_on, person, _("Date diagnosed"))
    if not disease.is_special_outpatient:
        raise ValidationError(
            _("%(disease)s is not a special outpatient disease of the %(year)d catalogue.")
            % {"disease": disease.name, "year": disease.year}
        )
    if SpecialDiseaseDiagnosis.objects.filter(person=person, disease=disease).exists():
        raise ValidationError(
            _("%(name)s already has a diagnosis of %(disease)s.")
            % {"name": person.name, "disease": disease.name}
        )
    diagnosis = SpecialDiseaseDiagnosis(person=person, disease=disease, diagnosed_on=diagnosed_on)
    _save(diagnosis, actor)
    _save(Booklet(diagnosis=diagnosis), actor)
    return diagnosis


@transaction.atomic
def booklet_update(
    *,
    diagnosis: SpecialDiseaseDiagnosis | None,
    status: str,
    actor: User,
    applied_on: datetime.date | None = None,
    number: str = "",
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
) -> Booklet:
    """Move a booklet along pending → applied → issued (issued needs its number and dates)."""
    if diagnosis is None:
        raise ValidationError(
            _("A booklet needs a special-disease diagnosis first; record the diagnosis.")
        )
    person = diagnosis.person
    check_may_edit(person, actor)
    if status not in BookletStatus.values:
        raise ValidationError(_("Unknown booklet status."))
    if status in (BookletStatus.APPLIED, BookletStatus.ISSUED) and applied_on is not None:
        check_date(applied_on, person, _("Date applied"))
    if status == BookletStatus.ISSUED:
        if not number.strip():
            raise ValidationError(_("An issued booklet needs its number."))
        check_date(issued_on, person, _("Date issued"))
        if issued_on < diagnosis.diagnosed_on:
            raise ValidationError(_("A booklet cannot be issued before the diagnosis."))
        if expires_on is not None and expires_on < issued_on:
            raise ValidationError(_("The expiry date is before the date issued."))
    booklet = Booklet.objects.filter(diagnosis=diagnosis).first() or Booklet(diagnosis=diagnosis)
    booklet.status = status
    booklet.applied_on = applied_on
    booklet.number = number.strip() if status == BookletStatus.ISSUED else ""
    booklet.issued_on = issued_on if status == BookletStatus.ISSUED else None
    booklet.expires_on = expires_on if status == BookletStatus.ISSUED else None
    _save(booklet, actor)
    return booklet


# --- a new year's catalogues ---------------------------------------------------------------


@transaction.atomic
def year_start(*, year: int, actor: User | None) -> dict[str, int]:
    """Copy into ``year`` the disease catalogue, service packages and signing policy in force
    there (the newest earlier year's), so an administrator edits the new year's own rows.

    Rows ``year`` already has are kept; running it twice copies nothing the second time.
    Returns how many rows of each kind were copied.
    """
    copied = {"diseases": 0, "packages": 0, "policies": 0}
    source = _year_in_force_before(year, Disease.objects.values_list("year", flat=True))
    if source is not None:
        existing = set(Disease.objects.filter(year=year).values_list("name", flat=True))
        for disease in Disease.objects.filter(year=source).exclude(name__in=existing):
            disease.pk = None
            disease.year = year
            _save(disease, actor)
            copied["diseases"] += 1
    source = _year_in_force_before(year, ServicePackage.objects.values_list("year", flat=True))
    if source is not None:
        existing = set(ServicePackage.objects.filter(year=year).values_list("name", flat=True))
        for package in ServicePackage.objects.filter(year=source).exclude(name__in=existing):
            package.pk = None
            package.year = year
            _save(package, actor)
            copied["packages"] += 1
    if not YearPolicy.objects.filter(year=year).exists():
        policy = YearPolicy.for_year(year)
        if policy.pk is not None:
            policy.pk = None
            policy.year = year
            _save(policy, actor)
            copied["policies"] += 1
    return copied


def _year_in_force_before(year: int, years) -> int | None:
    """The newest year before ``year`` among ``years`` (the source a new year copies)."""
    return max((y for y in set(years) if y < year), default=None)
