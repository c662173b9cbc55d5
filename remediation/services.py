"""Writes of the remediation app. Every state change goes through ``item_transition``."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from healthpov.accounts.models import User
from healthpov.notifications.models import Notification
from healthpov.notifications.services import notifications_create
from healthpov.places.models import Institution, Place
from healthpov.service_errors import ServiceConflict
from remediation.evidence import process_evidence
from remediation.models import (
    Accountability,
    Item,
    ItemEvidence,
    ItemSource,
    ItemState,
    ItemTransition,
    ProgressReport,
    Revisit,
)
from remediation.selectors import due_soon_q

MAX_EVIDENCE_PER_UPLOAD = 10
REVISIT_AFTER_MONTHS = 6

Action = ItemTransition.Action
# action → (from state, to state)
TRANSITIONS: dict[str, tuple[str, str]] = {
    Action.START: (ItemState.ON_LEDGER, ItemState.IN_PROGRESS),
    Action.SUBMIT: (ItemState.IN_PROGRESS, ItemState.SUBMITTED),
    Action.CLOSE: (ItemState.SUBMITTED, ItemState.CLOSED),
    Action.SEND_BACK: (ItemState.SUBMITTED, ItemState.IN_PROGRESS),
}


class TransitionError(ValidationError):
    """The requested step is not allowed from the item's current state."""


class TransitionConflict(TransitionError, ServiceConflict):
    """Someone else changed the item first; the caller acted on a stale page."""


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- recipients and notifications ---------------------------------------------------------


def unit_users(item: Item) -> list[User]:
    """Staff of the item's township and of its responsible institution who can see the item.

    A notification carries the item's problem text, so staff of a responsible institution
    whose place does not contain the item's place (another township's health centre) get none.
    """
    q = Q(pk__in=[])
    if item.township_id:
        q |= Q(place_id=item.township_id, role=User.Role.TOWNSHIP_STAFF)
    if item.responsible_institution_id:
        q |= Q(institution_id=item.responsible_institution_id)
    candidates = User.objects.filter(q, is_active=True).exclude(role=User.Role.INSPECTOR)
    return [
        user
        for user in candidates.select_related("place")
        if Item.objects.visible_to(user).filter(pk=item.pk).exists()
    ]


def county_users(item: Item) -> list[User]:
    """Bureau staff whose place contains the item's place."""
    ancestors = [int(part) for part in item.place.path.strip("/").split("/") if part]
    return list(
        User.objects.filter(
            is_active=True,
            role__in=[User.Role.COUNTY_BUREAU],
            place_id__in=ancestors,
        )
    )


# Kinds sent at most once per item and recipient, however often the job runs.
ONCE_PER_ITEM = {
    Notification.Kind.DUE_SOON,
    Notification.Kind.OVERDUE,
    Notification.Kind.NEW_ITEM,
    Notification.Kind.REVISIT,
}


def notify(*, recipients: Iterable[User], kind: str, item: Item | None, message: str) -> int:
    """Create in-app notifications about ``item`` (at most once per item and kind where that
    applies). Must run inside the caller's transaction; e-mails are queued on commit."""
    once = kind in ONCE_PER_ITEM and item is not None
    return notifications_create(
        recipients=recipients,
        kind=kind,
        message=message,
        link=reverse("remediation:item_detail", args=[item.pk]) if item is not None else "",
        once_key=f"{kind}:{item.pk}" if once else "",
    )


# --- items ---------------------------------------------------------------------------------


def item_create(
    *,
    source: str,
    problem: str,
    deadline: dt.date,
    place: Place,
    actor: User,
    measures: str = "",
    responsible_leader: str = "",
    responsible_institution: Institution | None = None,
    responsible_unit_text: str = "",
    finding=None,
    feedback_document: str = "",
    reopened_from: Item | None = None,
) -> Item:
    """Put a problem on the ledger (挂账); the unit is told at once."""
    if not actor.is_county_level:
        raise PermissionError(_("Only county bureau staff may put items on the ledger."))
    errors: dict[str, list[str]] = {}
    if deadline < timezone.localdate():
        errors["deadline"] = [_("The deadline cannot be in the past.")]
    if source == ItemSource.FINDING and finding is None:
        errors["finding"] = [_("Choose the finding this item comes from.")]
    if source == ItemSource.FEEDBACK and not feedback_document.strip():
        errors["feedback_document"] = [_("Give the document number of the feedback.")]
    if responsible_institution is None and not responsible_unit_text.strip():
        errors["responsible_institution"] = [_("Name the responsible unit.")]
    if finding is not None and finding.remediation_items.exclude(state=ItemState.CLOSED).exists():
        errors["finding"] = [_("This finding already has an open remediation item.")]
    if errors:
        raise ValidationError(errors)
    item = Item(
        source=source,
        finding=finding,
        feedback_document=feedback_document.strip(),
        reopened_from=reopened_from,
        problem=problem,
        measures=measures,
        responsible_leader=responsible_leader,
        responsible_institution=responsible_institution,
        responsible_unit_text=responsible_unit_text.strip(),
        deadline=deadline,
        place=place,
        township=place.ancestor_at(Place.Level.TOWNSHIP),
        created_by=actor,
    )
    item.full_clean(exclude=["township", "created_by"])
    with transaction.atomic():
        item.save()
        ItemTransition.objects.create(
            item=item, action=Action.CREATE, to_state=ItemState.ON_LEDGER, actor=actor
        )
        notify(
            recipients=unit_users(item),
            kind=Notification.Kind.NEW_ITEM,
            item=item,
            message=_("New remediation item, due %(deadline)s: %(problem)s")
            % {"deadline": f"{deadline:%Y-%m-%d}", "problem": problem[:80]},
        )
    return item


def _check_actor(item: Item, action: str, actor: User) -> None:
    if action in {Action.START, Action.SUBMIT}:
        if not (actor.is_county_level or actor.is_township_level):
            raise PermissionError(_("You may not work on remediation items."))
    elif action in {Action.CLOSE, Action.SEND_BACK}:
        if not actor.is_county_level:
            raise PermissionError(_("Only county bureau staff verify remediation."))
        if action == Action.CLOSE and item.submitted_by_id == actor.pk:
            raise TransitionError(
                _("You submitted this item yourself; another county user must verify and close it.")
            )


def item_transition(
    *,
    item_id: int,
    action: str,
    actor: User,
    expected_state: str | None = None,
    note: str = "",
    photos: Sequence[UploadedFile] = (),
) -> Item:
    """Move an item one step. Two users acting at once: one wins, the other gets a conflict.

    The row is locked (``select_for_update``) and the update is conditional on the state and
    version read, so the same holds on databases that ignore row locks (SQLite).
    """
    if action not in TRANSITIONS:
        raise TransitionError(_("Unknown action."))
    from_state, to_state = TRANSITIONS[action]
    note = note.strip()
    if action == Action.SEND_BACK and not note:
        raise ValidationError({"note": [_("Give the reason for sending the item back.")]})
    if action == Action.SUBMIT and not note:
        raise ValidationError({"note": [_("Describe what was done.")]})
    if len(photos) > MAX_EVIDENCE_PER_UPLOAD:
        raise ValidationError(
            {"photos": [_("At most %(n)d files at a time.") % {"n": MAX_EVIDENCE_PER_UPLOAD}]}
        )
    processed = []
    for upload in photos:
        try:
            processed.append(process_evidence(upload))
        except ValidationError as error:
            raise ValidationError({"photos": error.messages}) from None
    with transaction.atomic():
        item = Item.objects.select_for_update().select_related("place").get(pk=item_id)
        current = ItemState(item.state)
        if expected_state and item.state != expected_state:
            raise TransitionConflict(
                _(
                    "Someone else has just changed this item; it is now “%(state)s”. "
                    "Nothing was saved: reload the page and check before acting again."
                )
                % {"state": current.label}
            )
        if item.state != from_state:
            raise TransitionError(
                _("“%(action)s” is not possible while the item is “%(state)s”.")
                % {"action": Action(action).label, "state": current.label}
            )
        _check_actor(item, action, actor)
        if action == Action.SUBMIT and not processed and not item.evidence.exists():
            raise ValidationError({"photos": [_("Attach at least one photo or PDF as evidence.")]})
        now = timezone.now()
        changes: dict = {"state": to_state, "version": F("version") + 1}
        if action == Action.SUBMIT:
            changes.update(submitted_by=actor, submitted_at=now)
        elif action == Action.CLOSE:
            changes.update(closed_by=actor, closed_at=now)
        updated = Item.objects.filter(pk=item.pk, state=from_state, version=item.version).update(
            **changes
        )
        if updated != 1:
            raise TransitionConflict(
                _("Someone else has just changed this item. Nothing was saved: reload the page.")
            )
        ItemTransition.objects.create(
            item=item,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            note=note,
            at=now,
        )
        for content, width, height in processed:
            evidence = ItemEvidence(item=item, width=width, height=height, uploaded_by=actor)
            evidence.image.save(content.name, content, save=False)
            evidence.save()
        item.refresh_from_db()
        if action == Action.SEND_BACK:
            notify(
                recipients=unit_users(item),
                kind=Notification.Kind.SENT_BACK,
                item=item,
                message=_("Item sent back: %(reason)s") % {"reason": note[:120]},
            )
        elif action == Action.SUBMIT:
            notify(
                recipients=county_users(item),
                kind=Notification.Kind.SUBMITTED,
                item=item,
                message=_("Awaiting verification: %(problem)s") % {"problem": item.problem[:80]},
            )
    return item


# --- deadlines -----------------------------------------------------------------------------


def items_process_deadlines(*, today: dt.date | None = None) -> dict[str, int]:
    """Mark items past their deadline overdue and remind units of items due within 7 days.

    Safe to run any number of times a day: an item is marked once and each reminder is sent
    once per item and recipient.
    """
    today = today or timezone.localdate()
    marked = reminded = 0
    open_items = Item.objects.exclude(state=ItemState.CLOSED).select_related("place")
    with transaction.atomic():
        for item in open_items.filter(deadline__lt=today, overdue_since__isnull=True):
            # Conditional update: a second run (or a concurrent one) finds nothing to mark.
            if not Item.objects.filter(pk=item.pk, overdue_since__isnull=True).update(
                overdue_since=today
            ):
                continue
            ItemTransition.objects.create(
                item=item,
                action=Action.OVERDUE,
                from_state=item.state,
                to_state=item.state,
                note=_("Deadline %(deadline)s passed.") % {"deadline": f"{item.deadline:%Y-%m-%d}"},
            )
            notify(
                recipients=[*unit_users(item), *county_users(item)],
                kind=Notification.Kind.OVERDUE,
                item=item,
                message=_("Overdue since %(deadline)s: %(problem)s")
                % {"deadline": f"{item.deadline:%Y-%m-%d}", "problem": item.problem[:80]},
            )
            marked += 1
        due_soon = open_items.filter(due_soon_q(today))
        for item in due_soon:
            reminded += notify(
                recipients=unit_users(item),
                kind=Notification.Kind.DUE_SOON,
                item=item,
                message=_("Due on %(deadline)s (%(days)d days left): %(problem)s")
                % {
                    "deadline": f"{item.deadline:%Y-%m-%d}",
                    "days": (item.deadline - today).days,
                    "problem": item.problem[:80],
                },
            )
    return {"marked_overdue": marked, "reminders": reminded}


# --- accountability ------------------------------------------------------------------------


def accountability_record(
    *,
    kind: str,
    place: Place,
    held_on: dt.date,
    reason: str,
    actor: User,
    items: Iterable[Item] = (),
    institution: Institution | None = None,
    person_named: str = "",
    document_number: str = "",
) -> Accountability:
    """Record a notice (通报) or a talk (约谈) against a unit, for the accountability list."""
    if not actor.is_county_level:
        raise PermissionError(_("Only county bureau staff may do this."))
    items = list(items)
    township = place.ancestor_at(Place.Level.TOWNSHIP) or place
    if any(item.township_id and item.township_id != township.pk for item in items):
        raise ValidationError({"items": [_("All items must belong to the unit's township.")]})
    record = Accountability(
        kind=kind,
        place=township,
        institution=institution,
        person_named=person_named,
        document_number=document_number,
        held_on=held_on,
        reason=reason,
        recorded_by=actor,
    )
    record.full_clean(exclude=["recorded_by"])
    with transaction.atomic():
        record.save()
        record.items.set(items)
    return record


# --- reports -------------------------------------------------------------------------------


def _report_data(county: Place, start: dt.date, end: dt.date) -> dict:
    items = Item.objects.filter(place__path__startswith=county.path)
    closed_in = Q(closed_at__date__gte=start, closed_at__date__lte=end)
    created_in = Q(created_at__date__gte=start, created_at__date__lte=end)
    counts = {
        "total": Count("id"),
        "on_ledger": Count("id", filter=Q(state=ItemState.ON_LEDGER)),
        "in_progress": Count("id", filter=Q(state=ItemState.IN_PROGRESS)),
        "submitted": Count("id", filter=Q(state=ItemState.SUBMITTED)),
        "closed": Count("id", filter=Q(state=ItemState.CLOSED)),
        "overdue": Count("id", filter=Q(overdue_since__isnull=False) & ~Q(state=ItemState.CLOSED)),
        "new_in_period": Count("id", filter=created_in),
        "closed_in_period": Count("id", filter=closed_in),
    }
    rows = (
        items.values("township__name", "township__path")
        .annotate(**counts)
        .order_by("township__path")
    )
    townships = [
        {"township": r["township__name"] or county.name, **{k: r[k] for k in counts}} for r in rows
    ]
    totals = items.aggregate(**counts)
    return {"townships": townships, "totals": totals}


def progress_report_build(
    *, kind: str, county_id: int, today: dt.date | None = None
) -> ProgressReport:
    """Build (or rebuild) the weekly or monthly report that ``today`` falls due; idempotent."""
    today = today or timezone.localdate()
    county = Place.objects.get(pk=county_id)
    if kind == ProgressReport.Kind.WEEKLY:
        start, end = today - dt.timedelta(days=6), today
    else:
        end = today.replace(day=1) - dt.timedelta(days=1)
        start = end.replace(day=1)
    with transaction.atomic():
        report, _created = ProgressReport.objects.update_or_create(
            kind=kind,
            place=county,
            period_start=start,
            defaults={
                "period_end": end,
                "data": _report_data(county, start, end),
                "generated_at": timezone.now(),
            },
        )
    return report


# --- revisits ------------------------------------------------------------------------------


def revisits_create_due(*, today: dt.date | None = None) -> int:
    """Create the revisit (回头看) of every item closed six months ago or more; idempotent."""
    today = today or timezone.localdate()
    created = 0
    candidates = Item.objects.filter(state=ItemState.CLOSED, revisit__isnull=True).select_related(
        "place"
    )
    with transaction.atomic():
        for item in candidates:
            due = add_months(timezone.localdate(item.closed_at), REVISIT_AFTER_MONTHS)
            if due > today:
                continue
            _revisit, made = Revisit.objects.get_or_create(item=item, defaults={"due_on": due})
            if made:
                created += 1
                notify(
                    recipients=county_users(item),
                    kind=Notification.Kind.REVISIT,
                    item=item,
                    message=_("Six-month revisit due: %(problem)s")
                    % {"problem": item.problem[:80]},
                )
    return created


def revisit_complete(
    *,
    revisit_id: int,
    recurred: bool,
    note: str,
    actor: User,
    deadline: dt.date | None = None,
) -> Revisit:
    """Record the revisit's outcome; a problem found again reopens as a new linked item."""
    if not actor.is_county_level:
        raise PermissionError(_("Only county bureau staff may do this."))
    if recurred and deadline is None:
        raise ValidationError({"deadline": [_("Give a deadline for the reopened item.")]})
    with transaction.atomic():
        revisit = (
            Revisit.objects.select_for_update().select_related("item__place").get(pk=revisit_id)
        )
        if revisit.outcome != Revisit.Outcome.PENDING:
            raise TransitionConflict(_("This revisit has already been recorded."))
        old = revisit.item
        if recurred:
            revisit.new_item = item_create(
                source=ItemSource.REVISIT,
                problem=old.problem,
                measures=old.measures,
                responsible_leader=old.responsible_leader,
                responsible_institution=old.responsible_institution,
                responsible_unit_text=old.responsible_unit_text,
                deadline=deadline,
                place=old.place,
                finding=None,
                feedback_document=old.feedback_document,
                reopened_from=old,
                actor=actor,
            )
        revisit.outcome = Revisit.Outcome.RECURRED if recurred else Revisit.Outcome.HELD
        revisit.note = note
        revisit.done_by = actor
        revisit.done_at = timezone.now()
        revisit.save()
    return revisit
