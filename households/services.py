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

from healthpov.operations.signals import registry_changed
from healthpov.service_errors import ServiceConflict
from households.idnumber import ResidentId, parse_resident_id
from households.imports import ImportContext, ImportResult, ImportRun, get_ledger, normalise
from households.imports.bulk import chunks, delete_rows, update_rows
from households.ledgers import HOUSEHOLD_FIELDS, PERSON_FIELDS, RosterLedger, leavers_refusal
from households.messages import HOUSEHOLD_NUMBER_NOT_REGISTRABLE, ID_NOT_REGISTRABLE
from households.models import (
    ChangeSource,
    Household,
    ImportBatch,
    ImportUndoRecord,
    Person,
    PersonStatus,
    PovertyStatus,
    RevealLog,
    RosterEntry,
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
    batch.preview = (
        {**result.preview, "refused": result.refused} if result.refused else result.preview
    )


def _record_applied(batch: ImportBatch, actor: User | None) -> Callable[[ImportResult], None]:
    """Marks the batch applied inside the import's own transaction (``ImportRun.apply``)."""

    def record(result: ImportResult) -> None:
        _store_result(batch, result)
        batch.status = ImportBatch.Status.APPLIED
        batch.applied_by = actor
        batch.applied_at = timezone.now()
        batch.progress = 100
        batch.undoable = get_ledger(batch.kind).undoable
        batch.save()
        if result.registry_years:
            # The apps above the registry (coverage's recompute) act on it with this transaction.
            registry_changed.send(
                sender=ImportBatch, years=result.registry_years, places=result.registry_places
            )

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
            "preview",
            "status",
            "progress",
        ]
    )
    return result


def import_batch_leavers_refusal(*, batch: ImportBatch, confirm_leavers: Any) -> str:
    """Why applying the batch with ``confirm_leavers`` typed is refused, from its preview ("":
    it may go ahead). The apply checks again against the registry as it then is."""
    return leavers_refusal(leavers=(batch.preview or {}).get("leavers"), typed=confirm_leavers)


def import_batch_apply(
    *,
    batch: ImportBatch,
    actor: User,
    valid_rows_only: bool = False,
    confirm_leavers: int | None = None,
    claim: str = "",
) -> ImportResult:
    """Import the batch's file in one transaction; refused (nothing written) if any row has an
    error, unless ``valid_rows_only``. Safe to run twice: the second run changes nothing.

    A roster that takes more than 5% of the roster (of the county or of a township) off it is
    refused unless ``confirm_leavers`` is the number of persons leaving (RosterLedger); the
    batch is then checked again, its preview naming the refusal.

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
    context = _context_for(batch, batch.created_by, dry_run=False)
    context.options["confirm_leavers"] = confirm_leavers
    run = ImportRun(get_ledger(batch.kind), Path(batch.file.path), context)
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
        batch.status = ImportBatch.Status.CHECKED if result.refused else ImportBatch.Status.REJECTED
        batch.progress = 100
        batch.save()
    return result


# -------------------------------------------------------------------- undo


def _touched(changes: dict[str, Any]) -> tuple[set[int], set[int]]:
    """The persons and households an applied batch created or changed (roster entries too)."""
    persons = {
        *changes.get("persons_created", ()),
        *(before[0] for before in changes.get("persons_before", ())),
        *changes.get("entries_added_for", ()),
        *(entry[1] for entry in changes.get("entries_returned", ())),
        *(entry[1] for entry in changes.get("entries_left", ())),
    }
    households = {
        *changes.get("households_created", ()),
        *(before[0] for before in changes.get("households_before", ())),
    }
    return persons, households


def _refuse_if_later_batches_depend(batch: ImportBatch, changes: dict[str, Any]) -> None:
    """A roster batch applied later that touched the same persons or households (of any
    year: it may have changed the same person rows) must be undone first; undoing this one
    under it would overwrite or delete what it wrote."""
    persons, households = _touched(changes)
    later = ImportBatch.objects.filter(
        kind=batch.kind, status=ImportBatch.Status.APPLIED, applied_at__gt=batch.applied_at
    ).order_by("-applied_at")
    records = dict(
        ImportUndoRecord.objects.filter(batch__in=later).values_list("batch_id", "changes")
    )
    for other in later:
        if other.pk not in records:
            if other.undoable:
                continue  # it changed nothing
            other_persons, other_households = persons, households  # unknown: assume it did
        else:
            other_persons, other_households = _touched(records[other.pk])
        shared = len(persons & other_persons) + len(households & other_households)
        if shared:
            raise ServiceConflict(
                _(
                    "The import “%(name)s” of %(when)s, applied after this one, changed "
                    "%(count)d of the same persons or households. Undo it first."
                )
                % {
                    "name": other.original_name,
                    "when": timezone.localtime(other.applied_at).strftime("%Y-%m-%d %H:%M"),
                    "count": shared,
                }
            )


def _refuse_if_edited_since(batch: ImportBatch, changes: dict[str, Any]) -> None:
    """Persons and households the batch wrote that someone edited since cannot be put back
    without losing that edit."""
    for model, ids in (
        (
            Person,
            [
                *changes.get("persons_created", ()),
                *(b[0] for b in changes.get("persons_before", ())),
            ],
        ),
        (
            Household,
            [
                *changes.get("households_created", ()),
                *(b[0] for b in changes.get("households_before", ())),
            ],
        ),
    ):
        edited = sum(
            model.objects.filter(pk__in=chunk, updated_at__gt=batch.applied_at).count()
            for chunk in chunks(ids, 5000)
        )
        if edited:
            raise ServiceConflict(
                _(
                    "%(count)d %(records)s this import wrote were edited after it. Undoing it "
                    "would lose those edits; nothing was undone."
                )
                % {"count": edited, "records": model._meta.verbose_name_plural}
            )


def _refuse_if_referenced(model: type[models.Model], ids: list[int]) -> None:
    """Records created by the batch that other records now refer to (a contract, a member
    added by hand, another year's roster entry…) cannot be deleted; history rows, which refer
    without a constraint, do not count."""
    if not ids:
        return
    for relation in model._meta.related_objects:
        if relation.on_delete is models.DO_NOTHING:
            continue
        name = relation.field.name
        related = relation.related_model._base_manager
        if any(related.filter(**{f"{name}__in": chunk}).exists() for chunk in chunks(ids, 5000)):
            raise ServiceConflict(
                _(
                    "%(records)s were recorded since for %(created)s this import created; "
                    "nothing was undone."
                )
                % {
                    "records": relation.related_model._meta.verbose_name_plural,
                    "created": model._meta.verbose_name_plural,
                }
            )


@transaction.atomic
def roster_batch_undo(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """Put the registry back as it was before an applied roster batch: the households and
    persons it created are deleted, those it changed get their stored values back (their
    ``updated_at`` too), the roster entries it created are deleted and those it closed or
    reopened restored, and its status changes are deleted. Histories are left exactly as they
    were (the import wrote none). Refused, with the reason, when a later roster batch touched
    the same persons or households, when someone edited them since, or when records now refer
    to what it created. The batch stays, marked undone (who, when). Places created with the
    import (``import_roster --create-places``) stay: they hold nothing once it is undone."""
    if not actor.is_county_level:
        raise PermissionError("only county users undo imports")
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.kind != RosterLedger.kind or batch.status != ImportBatch.Status.APPLIED:
        raise ServiceConflict(_("Only an imported roster can be undone."))
    if not batch.undoable:
        raise ServiceConflict(
            _(
                "This roster was imported before imports kept what they changed; it cannot "
                "be undone."
            )
        )
    record = ImportUndoRecord.objects.filter(batch=batch).first()
    changes: dict[str, Any] = record.changes if record else {}
    _refuse_if_later_batches_depend(batch, changes)
    _refuse_if_edited_since(batch, changes)

    StatusChange.objects.filter(batch=batch).delete()
    RosterEntry.objects.filter(batch=batch).delete()
    for chunk in chunks((entry[0] for entry in changes.get("entries_left", ())), 5000):
        RosterEntry.objects.filter(pk__in=chunk).update(left_on=None, left_batch=None)
    update_rows(
        RosterEntry,
        ["left_on", "left_batch"],
        [
            (entry_id, left_on, left_batch_id)
            for entry_id, _person, left_on, left_batch_id in changes.get("entries_returned", ())
        ],
    )
    update_rows(
        Person,
        [*PERSON_FIELDS, "updated_at"],
        [tuple(b) for b in changes.get("persons_before", ())],
    )
    created_persons = changes.get("persons_created", [])
    _refuse_if_referenced(Person, created_persons)
    delete_rows(Person, created_persons)
    update_rows(
        Household,
        [*HOUSEHOLD_FIELDS, "updated_at"],
        [tuple(b) for b in changes.get("households_before", ())],
    )
    created_households = changes.get("households_created", [])
    _refuse_if_referenced(Household, created_households)
    delete_rows(Household, created_households)

    batch.status = ImportBatch.Status.UNDONE
    batch.undone_by = actor
    batch.undone_at = timezone.now()
    batch.save(update_fields=["status", "undone_by", "undone_at"])
    if changes:
        # What the apply changed, undone in the same places (records kept before they were
        # noted name none: every place).
        registry_changed.send(
            sender=ImportBatch, years=[changes["year"]], places=changes.get("townships")
        )
    return batch


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
