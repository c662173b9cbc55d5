"""Writes of the registry: households, persons, status changes, reveals and imports."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from households.idnumber import ResidentId, parse_resident_id
from households.imports import ImportContext, ImportResult, ImportRun, get_ledger, normalise
from households.messages import HOUSEHOLD_NUMBER_NOT_REGISTRABLE, ID_NOT_REGISTRABLE
from households.models import (
    ChangeSource,
    Household,
    ImportBatch,
    Person,
    PersonStatus,
    PovertyStatus,
    RevealLog,
    StatusChange,
)

if TYPE_CHECKING:
    from healthpov.accounts.models import User


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------ imports


def _store_result(batch: ImportBatch, result: ImportResult) -> None:
    batch.file_error = result.file_error
    batch.errors = result.errors
    batch.error_count = result.error_count
    batch.row_count = result.rows_total
    batch.counts = {
        **result.counts,
        "rows_valid": result.rows_valid,
        "sheet_name": result.sheet_name,
        "header_row": result.header_row,
        "file_format": result.file_format,
    }


def _record_applied(batch: ImportBatch, actor: User | None) -> Callable[[ImportResult], None]:
    """Marks the batch applied inside the import's own transaction (``ImportRun.apply``)."""

    def record(result: ImportResult) -> None:
        _store_result(batch, result)
        batch.status = ImportBatch.Status.APPLIED
        batch.applied_by = actor
        batch.applied_at = timezone.now()
        batch.progress = 100
        batch.save()

    return record


def import_batch_create(
    *,
    kind: str,
    uploaded_file: UploadedFile | File,
    actor: User | None,
    options: dict[str, Any] | None = None,
) -> ImportBatch:
    """Keep an uploaded file as a batch (nothing imported yet)."""
    get_ledger(kind)  # unknown kinds fail here
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    batch = ImportBatch(
        kind=kind,
        original_name=Path(uploaded_file.name or "upload").name[:255],
        sha256=digest.hexdigest(),
        size=uploaded_file.size or 0,
        options=options or {},
        created_by=actor,
        place=getattr(actor, "place", None),
    )
    batch.file.save(
        f"{batch.sha256[:16]}{Path(batch.original_name).suffix.lower()[:8]}",
        uploaded_file,
        save=False,
    )
    batch.full_clean(exclude=["file"])
    batch.save()
    return batch


def _context_for(batch: ImportBatch, actor: User | None, *, dry_run: bool) -> ImportContext:
    def progress(fraction: float) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(progress=int(fraction * 100))

    return ImportContext(
        user=actor, options=dict(batch.options), batch=batch, dry_run=dry_run, progress=progress
    )


def import_batch_check(*, batch: ImportBatch) -> ImportResult:
    """Validate the batch's file and store the preview (counts and errors); writes no records."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CHECKING, progress=0)
    run = ImportRun(
        get_ledger(batch.kind),
        Path(batch.file.path),
        _context_for(batch, batch.created_by, dry_run=True),
    )
    result = run.check()
    _store_result(batch, result)
    batch.status = ImportBatch.Status.REJECTED if result.file_error else ImportBatch.Status.CHECKED
    batch.progress = 100
    batch.save(
        update_fields=[
            "file_error",
            "errors",
            "error_count",
            "row_count",
            "counts",
            "status",
            "progress",
        ]
    )
    return result


def import_batch_apply(
    *, batch: ImportBatch, actor: User, valid_rows_only: bool = False, claim: str = ""
) -> ImportResult:
    """Import the batch's file in one transaction; refused (nothing written) if any row has an
    error, unless ``valid_rows_only``. Safe to run twice: the second run changes nothing.

    ``claim`` is the id of the job applying the batch. A job whose worker died mid-apply (its
    transaction rolled back) is redelivered with the same id and takes the batch over again;
    a duplicate job with another id finds the batch busy and leaves it alone. The batch is
    marked applied in the transaction that writes the rows, so a job dying at any point leaves
    either the rows and an applied batch, or neither (tests/hardening/test_faults.py)."""
    claimable = Q(status__in=[ImportBatch.Status.CHECKED, ImportBatch.Status.FAILED])
    if claim:
        claimable |= Q(status=ImportBatch.Status.APPLYING, apply_claim=claim)
    claimed = ImportBatch.objects.filter(claimable, pk=batch.pk).update(
        status=ImportBatch.Status.APPLYING,
        progress=0,
        valid_rows_only=valid_rows_only,
        apply_claim=claim,
    )
    batch.refresh_from_db()
    if not claimed:
        return ImportResult(applied=batch.status == ImportBatch.Status.APPLIED, counts=batch.counts)
    run = ImportRun(
        get_ledger(batch.kind),
        Path(batch.file.path),
        _context_for(batch, batch.created_by, dry_run=False),
    )
    try:
        result = run.apply(
            valid_rows_only=valid_rows_only, on_applied=_record_applied(batch, actor)
        )
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
        raise
    if not result.applied:
        _store_result(batch, result)
        batch.status = (
            ImportBatch.Status.REJECTED if result.file_error else ImportBatch.Status.CHECKED
        )
        batch.progress = 100
        batch.save()
    return result


def import_file(
    *, kind: str, path: Path, context: ImportContext, actor: User | None
) -> ImportResult:
    """Import a file from disk (commands): recorded as a batch with its SHA-256, applied at once."""
    with path.open("rb") as handle:
        batch = import_batch_create(
            kind=kind,
            uploaded_file=File(handle, name=path.name),
            actor=actor,
            options={k: v for k, v in context.options.items() if k in {"year", "create_places"}},
        )
    context.batch = batch
    result = ImportRun(get_ledger(kind), path, context).apply(
        valid_rows_only=bool(context.options.get("valid_rows_only")),
        on_applied=_record_applied(batch, actor),
    )
    if not result.applied:
        _store_result(batch, result)
        batch.status = ImportBatch.Status.REJECTED
        batch.progress = 100
        batch.save()
    return result


# ------------------------------------------------------------ registry edits
#
# The rules of a registry edit live here, so the pages, the API and any other caller refuse
# the same input with the same message. The ``checked_*`` functions raise a ValidationError of
# no field (a form's ``clean_<field>`` calls them as they are); the services below raise them
# under the field's name.


def checked_resident_id(*, id_number: str, person_pk: int | None = None) -> ResidentId:
    """The number, checked (households.idnumber) and normalised; refused when another person
    holds it."""
    resident = parse_resident_id(id_number)
    if Person.objects.filter(id_number=resident.number).exclude(pk=person_pk).exists():
        raise ValidationError(ID_NOT_REGISTRABLE)
    return resident


def checked_phone(value: str) -> str:
    """The phone as the roster import stores it ("" for none)."""
    if not value:
        return ""
    try:
        return normalise.phone(value)
    except normalise.CellError as exc:
        raise ValidationError(exc.message) from None


def checked_change_date(value: datetime.date) -> datetime.date:
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))
    return value


def _checked_choice(value: str, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise ValidationError(
            models.Field.default_error_messages["invalid_choice"], params={"value": value}
        )
    return value


def _checked_reason(value: str) -> str:
    if not value.strip():
        raise ValidationError(models.Field.default_error_messages["blank"])
    return value


@contextmanager
def _on_field(field: str) -> Iterator[None]:
    """Raise a field-less ValidationError of the block under ``field``."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ValidationError({field: error.error_list}) from None


def _record(
    *,
    household: Household,
    person: Person | None,
    field: str,
    old: str,
    new: str,
    changed_on: datetime.date,
    reason: str,
    actor: User,
) -> StatusChange:
    change = StatusChange(
        household=household,
        person=person,
        field=field,
        old_value=old,
        new_value=new,
        changed_on=changed_on,
        reason=reason,
        source=ChangeSource.STAFF,
        actor=actor,
    )
    change.full_clean()
    change.save()
    return change


@transaction.atomic
def household_save(*, household: Household, actor: User, reason: str = "") -> Household:
    """Create or update a household; poverty status and village changes go into the history."""
    with _on_field("phone"):
        household.phone = checked_phone(household.phone)
    household.township = household.village.parent
    if household.pk:
        before = Household.objects.select_for_update().get(pk=household.pk)
        today = timezone.localdate()
        if before.poverty_status != household.poverty_status:
            _record(
                household=household,
                person=None,
                field=StatusChange.Field.POVERTY_STATUS,
                old=before.poverty_status,
                new=household.poverty_status,
                changed_on=today,
                reason=reason,
                actor=actor,
            )
        if before.village_id != household.village_id:
            _record(
                household=household,
                person=None,
                field=StatusChange.Field.VILLAGE,
                old=str(before.village_id),
                new=str(household.village_id),
                changed_on=today,
                reason=reason,
                actor=actor,
            )
    clash = Household.objects.filter(number=household.number).exclude(pk=household.pk)
    if household.number and clash.exists():
        raise ValidationError({"number": HOUSEHOLD_NUMBER_NOT_REGISTRABLE})
    household.full_clean()
    household._change_reason = reason or "staff edit"
    household.save()
    return household


@transaction.atomic
def household_change_poverty_status(
    *,
    household: Household,
    poverty_status: str,
    changed_on: datetime.date,
    reason: str,
    actor: User,
) -> StatusChange | None:
    """Change a household's poverty status (未脱贫, 已脱贫 …) with the date and reason."""
    with _on_field("poverty_status"):
        _checked_choice(poverty_status, PovertyStatus)
    with _on_field("changed_on"):
        checked_change_date(changed_on)
    with _on_field("reason"):
        _checked_reason(reason)
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.poverty_status == poverty_status:
        return None
    change = _record(
        household=household,
        person=None,
        field=StatusChange.Field.POVERTY_STATUS,
        old=household.poverty_status,
        new=poverty_status,
        changed_on=changed_on,
        reason=reason,
        actor=actor,
    )
    household.poverty_status = poverty_status
    household._change_reason = reason
    household.save(update_fields=["poverty_status", "updated_at"])
    return change


@transaction.atomic
def person_save(*, person: Person, actor: User, reason: str = "") -> Person:
    """Create or update a person (sex and birth date always follow the ID number)."""
    with _on_field("id_number"):
        resident = checked_resident_id(id_number=person.id_number, person_pk=person.pk)
    with _on_field("phone"):
        person.phone = checked_phone(person.phone)
    person.id_number, person.sex, person.birth_date = (
        resident.number,
        resident.sex,
        resident.birth_date,
    )
    if person.pk:
        before = Person.objects.select_for_update().get(pk=person.pk)
        if before.household_id != person.household_id:
            _record(
                household=person.household,
                person=person,
                field=StatusChange.Field.HOUSEHOLD,
                old=str(before.household_id),
                new=str(person.household_id),
                changed_on=timezone.localdate(),
                reason=reason,
                actor=actor,
            )
    else:
        person.created_by = actor
    person.full_clean()
    person._change_reason = reason or "staff edit"
    person.save()
    return person


@transaction.atomic
def person_change_status(
    *, person: Person, status: str, changed_on: datetime.date, reason: str, actor: User
) -> StatusChange | None:
    """Change a person's status (正常, 死亡, 外迁 …) with the date and reason it happened."""
    with _on_field("status"):
        _checked_choice(status, PersonStatus)
    with _on_field("changed_on"):
        checked_change_date(changed_on)
    with _on_field("reason"):
        _checked_reason(reason)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status == status:
        return None
    change = _record(
        household=person.household,
        person=person,
        field=StatusChange.Field.PERSON_STATUS,
        old=person.status,
        new=status,
        changed_on=changed_on,
        reason=reason,
        actor=actor,
    )
    person.status = status
    person._change_reason = reason
    person.save(update_fields=["status", "updated_at"])
    return change


@transaction.atomic
def personal_data_reveal(
    *, person: Person | None, household: Household, field: str, actor: User
) -> RevealLog:
    """Record that ``actor`` was shown a full ID number or phone."""
    if not actor.may_reveal_personal_data:
        raise PermissionError("not allowed to reveal personal data")
    log = RevealLog(person=person, household=household, field=field, user=actor)
    log.full_clean()
    log.save()
    return log
