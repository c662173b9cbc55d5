"""Writes of the inspections app: campaigns, groups, checklists, findings and their photos."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from healthpov.accounts.models import User
from healthpov.places.models import Institution, Place
from healthpov.places.scoping import places_visible_to
from households.models import Person
from inspections.models import (
    Campaign,
    ChecklistItem,
    Finding,
    FindingPhoto,
    InspectionGroup,
)
from inspections.photos import process_photo

MAX_PHOTOS_PER_UPLOAD = 10


def _require_county(actor: User) -> None:
    if not actor.is_county_level:
        raise PermissionError(_("Only county bureau staff may do this."))


def campaign_create(
    *,
    name: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    place: Place,
    document_number: str = "",
    starting_score: Decimal = Decimal("100"),
    actor: User,
) -> Campaign:
    _require_county(actor)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})
    campaign = Campaign(
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place,
        document_number=document_number,
        starting_score=starting_score,
    )
    campaign.full_clean()
    with transaction.atomic():
        campaign._change_reason = "created"
        campaign.save()
    return campaign


def group_save(
    *,
    campaign: Campaign,
    name: str,
    members: Iterable[User],
    places: Iterable[Place],
    institutions: Iterable[Institution] = (),
    group: InspectionGroup | None = None,
    actor: User,
) -> InspectionGroup:
    """Create or update a group: its members see exactly the places and institutions given."""
    _require_county(actor)
    members, places, institutions = list(members), list(places), list(institutions)
    bad = [p for p in places if p.level not in {Place.Level.TOWNSHIP, Place.Level.VILLAGE}]
    if bad:
        raise ValidationError(
            {"places": _("Assign townships or villages, not %(place)s.") % {"place": bad[0]}}
        )
    not_inspectors = [u for u in members if u.role != User.Role.INSPECTOR]
    if not_inspectors:
        raise ValidationError(
            {"members": _("%(user)s is not an inspector.") % {"user": not_inspectors[0]}}
        )
    group = group or InspectionGroup(campaign=campaign)
    group.name = name
    group.full_clean()
    with transaction.atomic():
        group.save()
        group.members.set(members)
        group.places.set(places)
        group.institutions.set(institutions)
    return group


def checklist_item_create(
    *, campaign: Campaign, number: int, title: str, deduction: Decimal, actor: User
) -> ChecklistItem:
    _require_county(actor)
    item = ChecklistItem(campaign=campaign, number=number, title=title, deduction=deduction)
    item.full_clean()
    with transaction.atomic():
        item.save()
    return item


def recordable_groups(*, campaign: Campaign, actor: User) -> list[InspectionGroup]:
    return list(campaign.groups.filter(members=actor).prefetch_related("places", "institutions"))


def check_may_record(
    *, campaign: Campaign, place: Place, institution: Institution | None, actor: User
) -> InspectionGroup | None:
    """Raise unless ``actor`` may record a finding at ``place``; return the inspector's group."""
    if actor.is_county_level:
        if (
            not place.is_within(campaign.place)
            or not places_visible_to(actor).filter(pk=place.pk).exists()
        ):
            raise ValidationError(_("This place is not inspected by this campaign."))
        return None
    if actor.role == User.Role.INSPECTOR:
        for group in recordable_groups(campaign=campaign, actor=actor):
            in_places = any(place.is_within(p) for p in group.places.all())
            in_institutions = institution is not None and institution in group.institutions.all()
            if in_places or in_institutions:
                return group
        raise ValidationError(
            _(
                "%(place)s is not assigned to your inspection group in this campaign; "
                "nothing was saved."
            )
            % {"place": place}
        )
    if actor.is_township_level and campaign.kind == Campaign.Kind.SELF_CHECK:
        paths = actor.visible_place_paths() or []
        if any(place.path.startswith(p) for p in paths):
            return None
    raise ValidationError(_("You may not record findings in this campaign."))


def finding_create(
    *,
    campaign: Campaign,
    place: Place,
    description: str,
    found_on: date,
    actor: User,
    checklist_item: ChecklistItem | None = None,
    category: str = "",
    person_times: int = 1,
    institution: Institution | None = None,
    household=None,
    person=None,
    photos: Sequence[UploadedFile] = (),
    source_kind: str = "",
    source_id: int | None = None,
) -> Finding:
    """Record a finding and its photos; every photo is checked before anything is written."""
    group = check_may_record(campaign=campaign, place=place, institution=institution, actor=actor)
    errors: dict[str, list[str]] = {}
    if place.level not in {Place.Level.TOWNSHIP, Place.Level.VILLAGE}:
        errors.setdefault("place", []).append(_("Choose a township or a village."))
    if checklist_item is None and not category:
        errors.setdefault("checklist_item", []).append(_("Choose a checklist item or a category."))
    if checklist_item is not None and checklist_item.campaign_id != campaign.pk:
        errors.setdefault("checklist_item", []).append(
            _("This item is not on the campaign's checklist.")
        )
    if found_on > timezone.localdate():
        errors.setdefault("found_on", []).append(_("The date found cannot be in the future."))
    township = place.ancestor_at(Place.Level.TOWNSHIP)
    if (
        institution is not None
        and township is not None
        and not institution.place.is_within(township)
    ):
        errors.setdefault("institution", []).append(_("The institution is not in this township."))
    if household is not None and not household.village.is_within(place):
        errors.setdefault("household", []).append(_("The household does not live in this place."))
    if person is not None:
        if household is None:
            household = person.household
        if person.household_id != household.pk:
            errors.setdefault("person", []).append(
                _("The person is not a member of this household.")
            )
        elif not household.village.is_within(place):
            errors.setdefault("person", []).append(_("The person does not live in this place."))
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        errors.setdefault("photos", []).append(
            _("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS_PER_UPLOAD}
        )
    processed = []
    for upload in photos:
        try:
            processed.append(process_photo(upload))
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    finding = Finding(
        campaign=campaign,
        group=group,
        place=place,
        township=township,
        institution=institution,
        household=household,
        person=person,
        checklist_item=checklist_item,
        category=category,
        description=description,
        person_times=person_times,
        found_on=found_on,
        inspector=actor,
        source_kind=source_kind,
        source_id=source_id,
    )
    finding.full_clean(exclude=["township"])
    try:
        with transaction.atomic():
            finding.save()
            _save_photos(finding, processed, actor)
    except IntegrityError:
        raise ValidationError(_("This problem has already been raised in this campaign.")) from None
    return finding


def _save_photos(finding: Finding, processed, actor: User) -> list[FindingPhoto]:
    saved = []
    for content, width, height in processed:
        photo = FindingPhoto(finding=finding, width=width, height=height, uploaded_by=actor)
        photo.image.save(content.name, content, save=False)
        photo.save()
        saved.append(photo)
    return saved


def finding_add_photos(
    *, finding: Finding, photos: Sequence[UploadedFile], actor: User
) -> list[FindingPhoto]:
    check_may_record(
        campaign=finding.campaign, place=finding.place, institution=finding.institution, actor=actor
    )
    if not photos:
        raise ValidationError(_("Choose at least one photo."))
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationError(_("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS_PER_UPLOAD})
    processed = [process_photo(upload) for upload in photos]
    with transaction.atomic():
        return _save_photos(finding, processed, actor)


def finding_raise(
    *,
    source_kind: str,
    source_id: int,
    person: Person,
    category: str,
    description: str,
    actor: User,
    campaign: Campaign | None = None,
) -> Finding:
    """Raise a problem found in the registry as a finding of a running campaign, in one step.

    The caller (desk.services.finding_raise) has checked that the record is still a problem
    and described it; this records it once per campaign and source record."""
    village = person.household.village
    today = timezone.localdate()
    if campaign is None:
        campaign = _running_campaign_for(village=village, actor=actor, today=today)
    return finding_create(
        campaign=campaign,
        place=village,
        description=description,
        found_on=min(today, campaign.ends_on),
        category=category,
        household=person.household,
        person=person,
        source_kind=source_kind,
        source_id=source_id,
        actor=actor,
    )


def _running_campaign_for(*, village: Place, actor: User, today: date) -> Campaign:
    running = Campaign.objects.visible_to(actor).filter(starts_on__lte=today, ends_on__gte=today)
    for campaign in running.order_by("-starts_on", "-id"):
        try:
            check_may_record(campaign=campaign, place=village, institution=None, actor=actor)
        except ValidationError:
            continue
        return campaign
    raise ValidationError(
        _("No running campaign in which you may record findings here; nothing was raised.")
    )
