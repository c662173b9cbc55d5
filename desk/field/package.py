"""The offline package: what a phone keeps to work in the user's villages without a signal.

Everything in it is scoped to the user's places (``visible_to``), masked as the pages mask it
(no full ID number or phone), and computed by the rules' owners: the roster
(``households.selectors``), follow-up states (``signing.followups``), the work lists
(``signing.selectors``) and the forms (the online forms, :mod:`desk.field.kinds`). Its
``version`` is a hash of its content, so an unchanged package is not downloaded again
(docs/field-sync.md).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch
from django.utils import timezone

from desk.field.kinds import describe_forms
from healthpov.accounts.masking import mask_id_number, mask_phone
from healthpov.period import ReportingPeriod
from healthpov.places.models import Place, label_places
from healthpov.places.scoping import places_visible_to
from households.models import Household, Person, RosterEntry
from households.selectors import is_on_roster
from signing import followups, selectors
from signing.models import BookletStatus, ChronicRegistration, SpecialDiseaseDiagnosis

if TYPE_CHECKING:
    from healthpov.accounts.models import User

#: Bumped when the package's shape changes, so every phone downloads it again.
PACKAGE_FORMAT = "fp1"


def _age(birth_date: datetime.date, on: datetime.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _followup(person: Person, as_of: datetime.date, quarter: int) -> dict[str, Any] | None:
    """The person's follow-up state from ``with_followup_status``'s annotations."""
    if person.chronic_since is None:
        return None
    state = followups.state_of(person)
    due_on = followups.next_due_on(person) if state in (followups.DUE, followups.OVERDUE) else None
    return {
        "quarter": quarter,
        "state": state,
        "next_due_on": due_on.isoformat() if due_on else None,
    }


def _booklet_label(diagnoses: list[SpecialDiseaseDiagnosis], as_of: datetime.date) -> str | None:
    """Each special disease with its booklet's state on ``as_of`` (expired counts as pending)."""
    if not diagnoses:
        return None
    parts = []
    for diagnosis in diagnoses:
        booklet = selectors.booklet_of(diagnosis)
        status = booklet.effective_status(as_of) if booklet else BookletStatus.PENDING
        parts.append(f"{diagnosis.disease.name}：{BookletStatus(status).label}")
    return "；".join(parts)


def _persons(user: User, period: ReportingPeriod) -> list[Person]:
    year, as_of = period.year, period.as_of
    persons = (
        Person.objects.visible_to(user)
        .select_related("household")
        .prefetch_related(
            Prefetch("roster_entries", queryset=RosterEntry.objects.filter(year=year)),
            Prefetch("contracts", queryset=selectors.contracts_as_of(year, as_of)),
            Prefetch("unsigned_records", queryset=selectors.unsigned_records_as_of(year, as_of)),
            Prefetch(
                "chronic_registrations",
                queryset=ChronicRegistration.objects.select_related("disease").order_by("id"),
            ),
            Prefetch(
                "special_diagnoses",
                queryset=SpecialDiseaseDiagnosis.objects.filter(diagnosed_on__lte=as_of)
                .select_related("disease", "booklet")
                .order_by("id"),
            ),
        )
        .order_by("household__number", "id")
    )
    return list(followups.with_followup_status(persons, as_of))


def _person_row(person: Person, period: ReportingPeriod, quarter: int) -> dict[str, Any]:
    unsigned = list(person.unsigned_records.all())
    return {
        "id": person.pk,
        "household_id": person.household_id,
        "name": person.name,
        "sex_label": person.get_sex_display(),
        "age": _age(person.birth_date, period.as_of),
        "relation_label": person.get_relation_display(),
        "id_number_masked": mask_id_number(person.id_number),
        "phone_masked": mask_phone(person.phone),
        "health_label": person.get_health_display(),
        "status_label": person.get_status_display(),
        "on_roster": is_on_roster(person, year=period.year, as_of=period.as_of),
        "signed": bool(person.contracts.all()),
        "unsigned_reason_label": unsigned[0].get_reason_display() if unsigned else None,
        "chronic": [
            {"registration_id": r.pk, "disease_label": r.disease.name}
            for r in person.chronic_registrations.all()
        ],
        "followup": _followup(person, period.as_of, quarter),
        "booklet_label": _booklet_label(list(person.special_diagnoses.all()), period.as_of),
    }


def _households(user: User, period: ReportingPeriod) -> list[Household]:
    households = list(
        Household.objects.visible_to(user)
        .select_related("village")
        .annotate(brochure_done=selectors.brochure_given_q(period.year, period.as_of))
        .order_by("village__path", "number", "id")
    )
    label_places(h.village for h in households)  # one query for every household's village
    return households


def _ids(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


def _worklists(user: User, period: ReportingPeriod) -> dict[str, list[int]]:
    year, as_of = period.year, period.as_of
    every = selectors.ListFilters()
    return {
        "followups_due": _ids(
            selectors.followups_due(user, year, as_of, selectors.ListFilters(state=followups.DUE))
        ),
        "followups_overdue": _ids(
            selectors.followups_due(
                user, year, as_of, selectors.ListFilters(state=followups.OVERDUE)
            )
        ),
        "unsigned_without_reason": _ids(
            selectors.unsigned_without_reason(user, year, as_of, every)
        ),
        "households_to_visit": _ids(selectors.households_to_visit(user, year, as_of, every)),
        "brochures_missing": _ids(selectors.households_without_brochure(user, year, as_of, every)),
    }


def _places(user: User) -> list[dict[str, Any]]:
    places = label_places(
        places_visible_to(user)
        .filter(level__in=[Place.Level.TOWNSHIP, Place.Level.VILLAGE])
        .order_by("path")
    )
    return [{"id": place.pk, "label": place.label} for place in places]


def package_version(content: dict[str, Any]) -> str:
    """A hash of the package's content (everything but ``generated_at`` and ``version``)."""
    kept = {k: v for k, v in content.items() if k not in ("generated_at", "version")}
    text = json.dumps(kept, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{PACKAGE_FORMAT}-{hashlib.sha256(text.encode()).hexdigest()[:40]}"


def field_package(*, user: User, period: ReportingPeriod | None = None) -> dict[str, Any]:
    """The offline package of ``user`` for ``period`` (the working year as of today)."""
    period = period or ReportingPeriod.current()
    quarter = followups.current_quarter(period.as_of).index
    households = _households(user, period)
    persons = _persons(user, period)
    members: dict[int, list[int]] = {}
    for person in persons:
        members.setdefault(person.household_id, []).append(person.pk)
    content: dict[str, Any] = {
        "version": "",
        "generated_at": timezone.now().isoformat(),
        "user": {
            "id": user.pk,
            "username": user.username,
            "display_name": user.get_full_name() or user.username,
        },
        "year": period.year,
        "as_of": period.as_of.isoformat(),
        "places": _places(user),
        "households": [
            {
                "id": household.pk,
                "number": household.number,
                "village_id": household.village_id,
                "village_label": household.village.label,
                "head_name": household.head_name,
                # The registry keeps no street address: the village is where to go.
                "address": household.village.label,
                "person_ids": members.get(household.pk, []),
                "brochure_done": household.brochure_done,
            }
            for household in households
        ],
        "persons": [_person_row(person, period, quarter) for person in persons],
        "worklists": _worklists(user, period),
        "forms": describe_forms(user, period.year),
    }
    content["version"] = package_version(content)
    return content
