"""The sync: records made offline on a phone, each accepted once, validated like the online form.

Every record is answered on its own (``accepted``, ``duplicate`` or ``refused``) and saved in
its own transaction, so one refusal never undoes another record and a crash mid-batch keeps
every record already answered ``accepted``: the phone sends the rest again. The rules are the
online page's: the record fills the online form (:mod:`desk.field.kinds`) and is saved by the
same service call; this module only adds what is particular to records sent later from a
phone (docs/field-sync.md):

- the UUID made on the phone is accepted once (:class:`desk.models.FieldSubmission`); the
  same record sent again is answered ``duplicate`` with the record saved the first time, a
  different record under a used UUID is refused;
- a record queued by another user than the one sending it is refused (it stays on the phone
  until that user signs in);
- a person out of the user's places (moved to another township, or no such person) is refused
  with one text, whatever the reason, so an id tells nothing; a person who has left the year's
  roster is refused with that reason.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid as uuid_module
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from desk.field.kinds import HOUSEHOLD, KINDS, PERSON, FieldKind
from desk.models import FieldSubmission
from healthpov.period import ReportingPeriod
from healthpov.places.scoping import parse_id
from healthpov.service_errors import api_error_detail
from households.models import Household, Person, RosterEntry

if TYPE_CHECKING:
    from healthpov.accounts.models import User

#: The most records one sync request may carry.
MAX_BATCH = 500

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REFUSED = "refused"


@dataclass
class SyncResult:
    uuid: str | None
    status: str
    record_id: int | None = None
    message: str | None = None
    errors: dict[str, list[str]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Refused(Exception):
    """A record refused before the form saw it (message, and errors by field if any)."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


def out_of_places_message() -> str:
    # One text for "no such person", "another township's person" and "moved away": the
    # answer must not tell which (as households/messages.py does for ID numbers).
    return _(
        "This person or household is not (or no longer) in your places, for instance after "
        "moving to another township. The record cannot be saved from this account; if you "
        "cannot find them on your roster, ask the county health bureau to check it."
    )


# --- the envelope of one record ----------------------------------------------------------------


@dataclass
class Envelope:
    uuid: uuid_module.UUID
    sent_uuid: str  # as the phone wrote it: the answer repeats it unchanged
    kind: FieldKind
    target_id: int
    queued_by: int | None
    queued_at: datetime.datetime | None
    data: dict[str, Any]

    @property
    def payload_sha256(self) -> str:
        """The hash of what the record is: kind, target and values (not when or by whom it
        was queued, which a resend may carry differently)."""
        text = json.dumps(
            {"kind": self.kind.name, "target": self.target_id, "data": self.data},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()


def uuid_of(raw: Any) -> str | None:
    """The record's UUID as the phone sent it (for the answer), None when there is none."""
    if isinstance(raw, Mapping) and isinstance(raw.get("uuid"), str):
        return raw["uuid"][:64]
    return None


def parse_envelope(raw: Any) -> Envelope:
    """One record of the batch, checked for shape; :class:`Refused` with the reason."""
    if not isinstance(raw, Mapping):
        raise Refused(_("Each record must be an object."))
    try:
        record_uuid = uuid_module.UUID(str(raw.get("uuid", "")))
    except ValueError:
        raise Refused(
            _("The record has no valid UUID."), {"uuid": [_("Enter a valid UUID.")]}
        ) from None
    kind = KINDS.get(raw.get("kind")) if isinstance(raw.get("kind"), str) else None
    if kind is None:
        raise Refused(
            _("Unknown kind of record."),
            {"kind": [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}]},
        )
    target_key = "person" if kind.target == PERSON else "household"
    raw_target = raw.get(target_key)
    target_id = parse_id(raw_target) if not isinstance(raw_target, bool) else None
    if target_id is None:
        raise Refused(
            _("The record does not say which person or household it is about."),
            {target_key: [_("This field is required.")]},
        )
    queued_by = raw.get("queued_by")
    queued_by = parse_id(queued_by) if not isinstance(queued_by, bool) else None
    queued_at_raw = raw.get("queued_at")
    try:
        queued_at = parse_datetime(queued_at_raw) if isinstance(queued_at_raw, str) else None
    except ValueError:  # well formed but impossible (month 13): as if not given
        queued_at = None
    if queued_at is not None and timezone.is_naive(queued_at):
        queued_at = timezone.make_aware(queued_at)
    data = raw.get("data")
    if not isinstance(data, Mapping):
        raise Refused(_("The record has no values."), {"data": [_("This field is required.")]})
    return Envelope(
        record_uuid, str(raw["uuid"]), kind, target_id, queued_by, queued_at, dict(data)
    )


def record_year(envelope: Envelope, current: int) -> int:
    """The working year the record was made in: the year it was queued on the phone (so a
    reason recorded on 31 December and sent in January counts for the old year), never a
    year later than today's nor more than one year back."""
    if envelope.queued_at is None:
        return current
    queued = timezone.localtime(envelope.queued_at).year
    return queued if current - 1 <= queued <= current else current


# --- loading what a batch needs at once ---------------------------------------------------------


@dataclass
class BatchContext:
    persons: dict[int, Person]
    households: dict[int, Household]
    submissions: dict[uuid_module.UUID, FieldSubmission]


def load_batch(user: User, envelopes: Sequence[Envelope]) -> BatchContext:
    """The persons and households the records name (those the user may see: the others are
    simply missing), with their roster entries and members, and the UUIDs already used."""
    person_ids = {e.target_id for e in envelopes if e.kind.target == PERSON}
    household_ids = {e.target_id for e in envelopes if e.kind.target == HOUSEHOLD}
    entries = Prefetch("roster_entries", queryset=RosterEntry.objects.order_by("year"))
    persons = (
        Person.objects.visible_to(user)
        .filter(pk__in=person_ids)
        .select_related("household")
        .prefetch_related(entries)
    )
    households = (
        Household.objects.visible_to(user)
        .filter(pk__in=household_ids)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Person.objects.order_by("id").prefetch_related(entries),
            )
        )
    )
    submissions = FieldSubmission.objects.filter(uuid__in=[e.uuid for e in envelopes])
    return BatchContext(
        persons={p.pk: p for p in persons},
        households={h.pk: h for h in households},
        submissions={s.uuid: s for s in submissions},
    )


# --- the rules of a record sent later ------------------------------------------------------------


def check_still_on_roster(person: Person, year: int, today: datetime.date) -> None:
    """Refuse a record for a person who has left ``year``'s roster by ``today`` (a newer roster
    no longer lists them). A person the year's roster never listed yet (a new year before its
    roster is imported) is not refused: the online form takes them too."""
    for entry in person.roster_entries.all():
        if entry.year == year and not entry.is_current_on(today):
            raise Refused(
                _(
                    "%(name)s left the %(year)d roster on %(date)s (a newer roster no longer "
                    "lists them); the record cannot be saved."
                )
                % {"name": person.name, "year": year, "date": entry.left_on.isoformat()}
            )


def _answer_known(envelope: Envelope, submission: FieldSubmission, user: User) -> SyncResult:
    """The answer to a UUID already used: the same record again, or another one."""
    if submission.user_id == user.pk and submission.payload_sha256 == envelope.payload_sha256:
        return SyncResult(
            envelope.sent_uuid,
            DUPLICATE,
            record_id=submission.record_id,
            message=_("Already received; it was not saved a second time."),
        )
    return SyncResult(
        envelope.sent_uuid,
        REFUSED,
        message=_("This number is already used for another record."),
        errors={"uuid": [_("This number is already used for another record.")]},
    )


def _saved_record(saved: Any):
    """The record a service returned (the first, when it saved one per person)."""
    if isinstance(saved, list | tuple):
        return saved[0]
    return saved


def _form_for(
    envelope: Envelope, context: BatchContext, user: User, year: int, today: datetime.date
):
    kind = envelope.kind
    if kind.target == PERSON:
        person = context.persons.get(envelope.target_id)
        if person is None:
            raise Refused(out_of_places_message())
        check_still_on_roster(person, year, today)
        return kind.build_form(
            data=envelope.data, members=[person], user=user, year=year, target=person
        )
    household = context.households.get(envelope.target_id)
    if household is None:
        raise Refused(out_of_places_message())
    members = list(household.members.all())
    form = kind.build_form(data=envelope.data, members=members, user=user, year=year)
    # The members chosen must still be on the roster too (the form checks they are members).
    chosen = {str(v) for name in kind.member_fields for v in form.data.getlist(name)}
    for person in members:
        if str(person.pk) in chosen:
            check_still_on_roster(person, year, today)
    return form


def _errors_message(errors: Mapping[str, list[str]]) -> str:
    messages = [m for field_messages in errors.values() for m in field_messages]
    return "；".join(dict.fromkeys(messages))


def sync_one(
    envelope: Envelope, context: BatchContext, user: User, current_year: int, today: datetime.date
) -> SyncResult:
    answer_uuid = envelope.sent_uuid
    if envelope.queued_by != user.pk:
        return SyncResult(
            answer_uuid,
            REFUSED,
            message=_(
                "This record was queued by another user on this phone. It stays on the phone: "
                "that user must sign in to send it."
            ),
        )
    known = context.submissions.get(envelope.uuid)
    if known is not None:
        return _answer_known(envelope, known, user)
    if not user.can_edit_registry:
        return SyncResult(answer_uuid, REFUSED, message=_("You may not enter service records."))
    year = record_year(envelope, current_year)
    try:
        form = _form_for(envelope, context, user, year, today)
    except Refused as refusal:
        return SyncResult(answer_uuid, REFUSED, message=refusal.message, errors=refusal.errors)
    if not form.is_valid():
        errors = {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in form.errors.items()
        }
        return SyncResult(answer_uuid, REFUSED, message=_errors_message(errors), errors=errors)
    try:
        with transaction.atomic():
            record = _saved_record(envelope.kind.spec.save(form, user, year))
            submission = FieldSubmission.objects.create(
                uuid=envelope.uuid,
                user=user,
                kind=envelope.kind.name,
                payload_sha256=envelope.payload_sha256,
                record_type=ContentType.objects.get_for_model(record),
                record_id=record.pk,
                queued_at=envelope.queued_at,
            )
    except ValidationError as error:
        errors = api_error_detail(error)
        return SyncResult(answer_uuid, REFUSED, message=_errors_message(errors), errors=errors)
    except (PermissionDenied, PermissionError) as error:
        return SyncResult(
            answer_uuid, REFUSED, message=str(error) or _("You may not enter service records.")
        )
    except IntegrityError:
        # The same UUID saved meanwhile by a concurrent request: nothing of this one was kept.
        known = FieldSubmission.objects.filter(uuid=envelope.uuid).first()
        if known is None:
            raise
        context.submissions[envelope.uuid] = known
        return _answer_known(envelope, known, user)
    context.submissions[envelope.uuid] = submission
    return SyncResult(answer_uuid, ACCEPTED, record_id=record.pk)


def field_records_sync(*, user: User, records: Sequence[Any]) -> list[dict[str, Any]]:
    """Answer every record of a batch, in order (see the module's docstring).

    Not one transaction: each accepted record is committed on its own, before the next.
    """
    if len(records) > MAX_BATCH:
        raise ValidationError(
            _("At most %(max)d records per request; send the rest in another.") % {"max": MAX_BATCH}
        )
    parsed: list[Envelope | SyncResult] = []
    for raw in records:
        try:
            parsed.append(parse_envelope(raw))
        except Refused as refusal:
            parsed.append(
                SyncResult(uuid_of(raw), REFUSED, message=refusal.message, errors=refusal.errors)
            )
    envelopes = [p for p in parsed if isinstance(p, Envelope)]
    context = load_batch(user, envelopes)
    period = ReportingPeriod.current()
    today = period.as_of  # the working year's today (healthpov.period)
    results = []
    for item in parsed:
        if isinstance(item, SyncResult):
            results.append(item.as_dict())
        else:
            results.append(sync_one(item, context, user, period.year, today).as_dict())
    return results
