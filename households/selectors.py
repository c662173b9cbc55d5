"""Reads of the registry: search, the household case file, export rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from healthpov.exports import personal_value
from healthpov.places.models import Place, label_places
from healthpov.places.scoping import places_visible_to
from healthpov.statements import cached_rows
from households import ledgers
from households.idnumber import normalise_id_text
from households.models import (
    Household,
    ImportBatch,
    Person,
    PersonStatus,
    RosterEntry,
    StatusChange,
)

if TYPE_CHECKING:
    from healthpov.accounts.models import User


# --- the year's roster ------------------------------------------------------------------------
# The one rule every figure's base reads: a person is on ``year``'s roster as of a date when
# they are listed for the year and no newer roster had dropped them by that date
# (``RosterEntry.current_on_q`` / ``RosterEntry.is_current_on``), whatever their status.


def roster_entries(*, year: int, as_of: datetime.date) -> QuerySet[RosterEntry]:
    """The entries of ``year``'s roster still current on ``as_of``."""
    return RosterEntry.objects.filter(year=year).filter(RosterEntry.current_on_q(as_of))


def roster_persons(*, year: int, as_of: datetime.date) -> QuerySet[Person]:
    """Persons on ``year``'s roster as of ``as_of`` (unscoped: callers add ``visible_to``)."""
    return Person.objects.filter(pk__in=roster_entries(year=year, as_of=as_of).values("person_id"))


def roster_households(*, year: int, as_of: datetime.date) -> QuerySet[Household]:
    """Households with at least one member on ``year``'s roster as of ``as_of``."""
    return Household.objects.filter(
        pk__in=roster_persons(year=year, as_of=as_of).values("household_id")
    )


def on_roster(*, year: int, as_of: datetime.date, person: str = "pk") -> Exists:
    """A condition on a row whose ``person`` path leads to a person on the roster (a
    correlated ``EXISTS``, for lists that read a few rows at a time)."""
    return Exists(roster_entries(year=year, as_of=as_of).filter(person=OuterRef(person)))


def is_on_roster(person: Person, *, year: int, as_of: datetime.date) -> bool:
    """The same rule for one person (reads their entries, prefetched or not)."""
    return any(
        entry.year == year and entry.is_current_on(as_of) for entry in person.roster_entries.all()
    )


@dataclass
class PersonFilters:
    q: str = ""  # name or household number
    village_id: int | None = None
    township_id: int | None = None
    status: str = ""
    poverty_status: str = ""
    id_number: str = ""  # only ever from a POST body

    def query_string(self) -> str:
        """The filters for links (never the ID number)."""
        from urllib.parse import urlencode

        params = {
            "q": self.q,
            "village": self.village_id or "",
            "township": self.township_id or "",
            "status": self.status,
            "poverty_status": self.poverty_status,
        }
        return urlencode({k: v for k, v in params.items() if v})


def person_search(*, user: User, filters: PersonFilters) -> QuerySet[Person]:
    persons = Person.objects.visible_to(user).select_related(
        "household", "household__village", "household__township"
    )
    if filters.q:
        persons = persons.filter(
            Q(name__contains=filters.q) | Q(household__number__contains=filters.q)
        )
    if filters.village_id:
        persons = persons.filter(household__village_id=filters.village_id)
    if filters.township_id:
        persons = persons.filter(household__township_id=filters.township_id)
    if filters.status:
        persons = persons.filter(status=filters.status)
        if filters.status != PersonStatus.NORMAL:
            # Said again as the condition of the rare statuses' index (households.models):
            # SQLite uses a partial index only when its condition is written in the query.
            persons = persons.exclude(status=PersonStatus.NORMAL)
    if filters.poverty_status:
        persons = persons.filter(household__poverty_status=filters.poverty_status)
    if filters.id_number:
        persons = persons.filter(id_number=normalise_id_text(filters.id_number))
    return persons.order_by("household__number", "relation", "id")


# The roster page's columns: a page reads 50 rows as dicts, not 200 model instances (the
# person, the household and its two places); docs/architecture.md "Performance choices".
ROSTER_ROW_FIELDS = (
    "household_id",
    "household__number",
    "name",
    "relation",
    "id_number",
    "phone",
    "household__township__name",
    "household__village__name",
    "household__poverty_status",
    "status",
)


def roster_rows(persons: QuerySet[Person]) -> QuerySet[dict[str, Any]]:
    """``persons`` (from :func:`person_search`) as dicts of :data:`ROSTER_ROW_FIELDS`."""
    return persons.values(*ROSTER_ROW_FIELDS)


@dataclass
class HouseholdFilters:
    q: str = ""  # household number or head of household
    village_id: int | None = None
    township_id: int | None = None
    poverty_status: str = ""


def household_search(*, user: User, filters: HouseholdFilters) -> QuerySet[Household]:
    households = Household.objects.visible_to(user).select_related("village", "township")
    if filters.q:
        households = households.filter(
            Q(number__contains=filters.q) | Q(head_name__contains=filters.q)
        )
    if filters.village_id:
        households = households.filter(village_id=filters.village_id)
    if filters.township_id:
        households = households.filter(township_id=filters.township_id)
    if filters.poverty_status:
        households = households.filter(poverty_status=filters.poverty_status)
    return households.order_by("number", "id")


def villages_visible_to(user: User) -> QuerySet[Place]:
    return (
        places_visible_to(user)
        .filter(level=Place.Level.VILLAGE)
        .select_related("parent")
        .order_by("path")
    )


@dataclass
class RosterPlaces:
    villages: list[Place]  # labelled (township·village)
    townships: list[Place]


def roster_places(user: User) -> RosterPlaces:
    """The villages and townships the roster's filter offers ``user``, read in one query."""
    places = label_places(
        places_visible_to(user)
        .filter(level__in=[Place.Level.VILLAGE, Place.Level.TOWNSHIP])
        .select_related("parent")
        .order_by("path")
    )
    return RosterPlaces(
        villages=[place for place in places if place.level == Place.Level.VILLAGE],
        townships=[place for place in places if place.level == Place.Level.TOWNSHIP],
    )


@dataclass
class CaseFile:
    household: Household
    members: list[Person]
    changes: list[StatusChange]
    roster_years: list[int]  # the years of the rosters a member is on, newest first


def household_case_file(*, household: Household) -> CaseFile:
    # Each read is a statement built once per process (and number of members):
    # docs/architecture.md "Performance choices".
    members = cached_rows("case file members", Person, _members, household=household.pk)
    for member in members:
        Person.household.field.set_cached_value(member, household)
    changes = cached_rows("case file changes", StatusChange, _changes, household=household.pk)
    ids = [member.pk for member in members]
    roster_years = (
        cached_rows("case file roster years", RosterEntry, _roster_years, ids=ids) if ids else []
    )
    return CaseFile(
        household=household, members=members, changes=changes, roster_years=roster_years
    )


# The case file's statements (``cached_rows``): functions of their arguments only.


def _members(household: int) -> QuerySet[Person]:
    return Person.objects.filter(household_id=household).order_by("relation", "birth_date")


def _changes(household: int) -> QuerySet[StatusChange]:
    # A change shows the names of its person, user and import file: only those are read of
    # them (an import keeps every row's errors).
    return (
        StatusChange.objects.filter(household_id=household)
        .select_related("person", "actor", "batch")
        .only(
            "field",
            "old_value",
            "new_value",
            "changed_on",
            "reason",
            "source",
            "person__name",
            "actor__username",
            "actor__last_name",
            "batch__original_name",
        )
        .order_by("-changed_on", "-id")
    )


def _roster_years(ids: list[int]) -> QuerySet[RosterEntry]:
    return (
        RosterEntry.objects.filter(person_id__in=ids)
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


# The roster export is a roster file: its columns are the roster ledger's (headers and order),
# and every value is written in a spelling the ledger reads back, so an export with full
# values re-imports with nothing changed.
def _spelling(mapping: dict[str, Any]) -> dict[Any, str]:
    """The first spelling the ledger accepts for each stored value."""
    spellings: dict[Any, str] = {}
    for spelling, stored in mapping.items():
        spellings.setdefault(stored, spelling)
    return spellings


_SEX = _spelling(ledgers.SEX_VALUES)
_RELATION = _spelling(ledgers.RELATION_VALUES)
_HOUSEHOLD_TYPE = _spelling(ledgers.HOUSEHOLD_TYPE_VALUES)
_POVERTY = _spelling(ledgers.POVERTY_VALUES)
_CAUSE = _spelling(ledgers.CAUSE_VALUES)
_HEALTH = _spelling(ledgers.HEALTH_VALUES)
_PERSON_STATUS = _spelling(ledgers.PERSON_STATUS_VALUES)

ROSTER_EXPORT_VALUES: dict[str, Callable[[Person, bool], Any]] = {
    "id_number": lambda p, reveal: personal_value(p.id_number, kind="id_number", reveal=reveal),
    "name": lambda p, reveal: p.name,
    "sex": lambda p, reveal: _SEX.get(p.sex, ""),
    "birth_date": lambda p, reveal: p.birth_date,
    "household_number": lambda p, reveal: p.household.number,
    "relation": lambda p, reveal: _RELATION.get(p.relation, ""),
    "township": lambda p, reveal: p.household.township.name,
    "village": lambda p, reveal: p.household.village.name,
    "phone": lambda p, reveal: personal_value(p.phone, kind="phone", reveal=reveal),
    "household_type": lambda p, reveal: _HOUSEHOLD_TYPE.get(p.household.household_type, ""),
    "poverty_status": lambda p, reveal: _POVERTY.get(p.household.poverty_status, ""),
    "cause": lambda p, reveal: _CAUSE.get(p.household.main_cause, ""),
    "health": lambda p, reveal: _HEALTH.get(p.health, ""),
    "person_status": lambda p, reveal: _PERSON_STATUS.get(p.status, ""),
    "insured": lambda p, reveal: "是" if p.insured else "否",
    "year": lambda p, reveal: p.household.registration_year,
}
EXPORT_HEADERS = [column.label for column in ledgers.RosterLedger.columns]
_EXPORT_VALUES = [ROSTER_EXPORT_VALUES[column.field] for column in ledgers.RosterLedger.columns]


def roster_export_rows(*, persons: QuerySet[Person], reveal: bool) -> Iterator[list[Any]]:
    """Rows of the roster export in EXPORT_HEADERS order (the roster ledger's columns),
    personal data masked unless ``reveal``."""
    for person in persons.iterator(chunk_size=2000):
        yield [value(person, reveal) for value in _EXPORT_VALUES]


def import_batches_visible_to(user: User) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.visible_to(user).select_related(
        "created_by", "applied_by", "undone_by"
    )


@dataclass
class TownshipLeavers:
    """Persons an import would take off the roster in one township (its preview)."""

    name: str
    count: int  # all of them
    roster: int  # the township's roster now
    persons: list[Person]  # the first ones, by name, that the user may see

    @property
    def more(self) -> int:
        return self.count - len(self.persons)

    @property
    def share(self) -> float:
        return 100 * self.count / self.roster if self.roster else 0.0


def import_leavers(*, batch: ImportBatch, user: User) -> list[TownshipLeavers]:
    """Who the batch's roster would take off the year's roster, by township, from the preview
    its check stored (the persons loaded in one query, scoped to the user)."""
    townships = ((batch.preview or {}).get("leavers") or {}).get("townships") or []
    ids = [person_id for township in townships for person_id in township["persons"]]
    persons = {
        person.pk: person
        for person in Person.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("household__village")
    }
    return [
        TownshipLeavers(
            name=township["name"],
            count=township["count"],
            roster=township["roster"],
            persons=[persons[pk] for pk in township["persons"] if pk in persons],
        )
        for township in townships
    ]
