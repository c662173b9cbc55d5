"""Reads of the signing app: the township work lists and what the household page shows.

Every list starts from ``visible_to(user)``; follow-up states come from
:mod:`signing.followups` only.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    prefetch_related_objects,
)

from healthpov.paging import ListStatement
from healthpov.places.scoping import scope_ids
from healthpov.statements import cached_rows, padded
from households.models import Household, Person, PersonStatus
from households.selectors import on_roster
from signing import followups
from signing.models import (
    Booklet,
    ChronicRegistration,
    Contract,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SpecialDiseaseDiagnosis,
    UnsignedRecord,
    YearPolicy,
)

if TYPE_CHECKING:
    from healthpov.accounts.models import User
    from healthpov.places.models import Place

EXPIRY_WINDOW_DAYS = 30

#: Persons who no longer need a health check or a follow-up visit.
GONE_STATUSES = (PersonStatus.DIED, PersonStatus.MOVED_OUT, PersonStatus.MARRIED_OUT)


@dataclass
class ListFilters:
    """The filters every work list accepts (all optional)."""

    village_id: int | None = None
    search: str = ""
    state: str = ""  # list-specific: due/overdue, pending/expiring...
    #: Every place the user sees (``places_visible_to``), when the caller has read them anyway
    #: (the list page, for its village filter): the person lists pass them to ``visible_to``,
    #: which scopes by their ids.
    places: tuple[Place, ...] | None = None


def _persons(user: User, filters: ListFilters) -> QuerySet[Person]:
    # With the place ids at hand the scope is their village ids: no join to the places and no
    # path pattern, so PostgreSQL starts from the township's households by their village
    # index and knows how many (docs/architecture.md "Performance choices").
    persons = Person.objects.visible_to(user, places=filters.places)
    if scope_ids(user, filters.places) is None:
        # Scoped by path: the persons of the households the user sees is the same scope said
        # twice, which lets SQLite start from the township's households instead of computing
        # every person's follow-up state in the county first (bench/demo_pages.py: a
        # township's households to visit about 2x faster).
        persons = persons.filter(household__in=Household.objects.visible_to(user).values("pk"))
    return _listed(persons, filters)


def _listed(persons: QuerySet[Person], filters: ListFilters) -> QuerySet[Person]:
    return (
        persons.filter(_filters_q(filters))
        .select_related("household", "household__village", "household__township")
        .order_by("household__village__name", "household__number", "id")
    )


def _filters_q(filters: ListFilters, *, person: str = "") -> Q:
    """The village and search filters, on rows whose ``person`` path leads to a person."""
    q = Q()
    if filters.village_id:
        q &= Q(**{f"{person}household__village_id": filters.village_id})
    if filters.search:
        q &= Q(**{f"{person}name__contains": filters.search}) | Q(
            **{f"{person}household__number": filters.search}
        )
    return q


def _to_serve_q(year: int, as_of: datetime.date, *, person: str = "") -> Q:
    """The persons the work lists are about: on ``year``'s roster as of ``as_of`` (the base of
    every indicator) and still living here (docs/domain.md "Work lists"); a condition on rows
    whose ``person`` path leads to a person."""
    return Q(on_roster(year=year, as_of=as_of, person=f"{person}pk")) & ~Q(
        **{f"{person}status__in": GONE_STATUSES}
    )


def _persons_to_serve(
    user: User, year: int, as_of: datetime.date, filters: ListFilters
) -> QuerySet[Person]:
    return _persons(user, filters).filter(_to_serve_q(year, as_of))


def _has_contract(year: int) -> Exists:
    return Exists(Contract.objects.filter(person=OuterRef("pk"), year=year))


# --- signed / not signed as of a date ----------------------------------------------------------
# A contract or a not-signed record counts from the day it was signed or recorded. The rule
# "unsigned without a reason" is ``unsigned_without_reason_q`` (SQL, over Person) and
# ``is_unsigned_without_reason`` (one person); the indicator registry counts it from the same
# two tables (``contracts_as_of``, ``unsigned_records_as_of``).


def contracts_as_of(year: int, as_of: datetime.date) -> QuerySet[Contract]:
    """Contracts for service year ``year`` signed by ``as_of``."""
    return Contract.objects.filter(year=year, signed_on__lte=as_of)


def unsigned_records_as_of(year: int, as_of: datetime.date) -> QuerySet[UnsignedRecord]:
    """Reasons for not signing in ``year`` recorded by ``as_of``."""
    return UnsignedRecord.objects.filter(year=year, recorded_on__lte=as_of)


def unsigned_without_reason_q(year: int, as_of: datetime.date) -> Q:
    """Persons with neither a contract for ``year`` nor a recorded reason, as of ``as_of``."""
    return ~Q(Exists(contracts_as_of(year, as_of).filter(person=OuterRef("pk")))) & ~Q(
        Exists(unsigned_records_as_of(year, as_of).filter(person=OuterRef("pk")))
    )


def is_unsigned_without_reason(person: Person, year: int, as_of: datetime.date) -> bool:
    return (
        not contracts_as_of(year, as_of).filter(person=person).exists()
        and not unsigned_records_as_of(year, as_of).filter(person=person).exists()
    )


# --- work lists ------------------------------------------------------------------------------


def unsigned_without_reason(
    user: User, year: int, as_of: datetime.date, filters: ListFilters
) -> QuerySet[Person]:
    """Persons of ``year``'s roster with neither a contract nor a recorded reason (the gap
    the ``unsigned_no_reason`` indicator counts)."""
    # Scoped by path even when the place ids are at hand (exports, a search); the page reads
    # the same rows scoped by the ids through ``unsigned_without_reason_statement``, for the
    # same database time (docs/architecture.md "Performance choices").
    return _without_reason(_persons(user, replace(filters, places=None)), year, as_of)


def _without_reason(persons: QuerySet[Person], year: int, as_of: datetime.date) -> QuerySet[Person]:
    return persons.filter(on_roster(year=year, as_of=as_of)).filter(
        unsigned_without_reason_q(year, as_of)
    )


def unsigned_without_reason_statement(
    user: User, year: int, as_of: datetime.date, filters: ListFilters
) -> ListStatement | None:
    """:func:`unsigned_without_reason` as a statement (:func:`_list_statement`)."""

    def build(
        *, villages: list[int], year: int, as_of: datetime.date, village: int | None = None
    ) -> QuerySet[Person]:
        persons = _listed(Person.objects.in_places(villages), ListFilters(village_id=village))
        return _without_reason(persons, year, as_of)

    return _list_statement(
        user, filters, "unsigned without a reason", build, year=year, as_of=as_of
    )


def followups_due(
    user: User, year: int, as_of: datetime.date, filters: ListFilters, *, select: bool = True
) -> QuerySet[Person]:
    """Chronic patients of ``year``'s roster with a follow-up due this quarter or overdue
    (``state``: due/overdue, or due_soon: due in a quarter ending within a week); annotated
    with their follow-up status unless ``select`` is false (``followups.chronic_patients``)."""
    qs = followups.chronic_patients(
        _persons_to_serve(user, year, as_of, filters), as_of, select=select
    )
    if filters.state == followups.DUE_SOON:
        return followups.due_soon(qs, as_of)
    return followups.in_state(qs, _followups_state(filters))


def _followups_state(filters: ListFilters) -> str:
    """The state the follow-up list shows: due or overdue as asked, else both."""
    if filters.state in (followups.DUE, followups.OVERDUE):
        return filters.state
    return followups.DUE_OR_OVERDUE


def _list_statement(
    user: User,
    filters: ListFilters,
    name: str,
    build: Callable[..., QuerySet[Person]],
    **arguments: Any,
) -> ListStatement | None:
    """A list of persons' page query as a statement built once per process and shape
    (``healthpov.paging.ListStatement``), scoped by the ids of the user's places: ``build``
    takes ``villages`` (those ids), ``village`` (the village filter, when one is chosen) and
    ``arguments``. None where the list is not said with numbers and dates alone: a search text
    or a scope of paths (``scope_ids``)."""
    villages = scope_ids(user, filters.places)
    if filters.search or villages is None:
        return None
    arguments["villages"] = padded(list(villages))
    if filters.village_id:
        arguments["village"] = filters.village_id
        name += ", one village"
    return ListStatement(name, Person, build, arguments)


def followups_due_statement(
    user: User, year: int, as_of: datetime.date, filters: ListFilters
) -> ListStatement | None:
    """:func:`followups_due` without the status columns (``select=False``, what a page reads)
    as a statement (:func:`_list_statement`): the list's query tests seven sub-queries, and
    building it cost the web process more than the database spent answering it
    (docs/scaling.md). None also for the due-soon state (which depends on the day's place in
    its quarter)."""
    if filters.state == followups.DUE_SOON:
        return None
    state = _followups_state(filters)
    dates = followups.status_dates(as_of)
    if dates.current is None:
        return None

    def build(
        *,
        villages: list[int],
        year: int,
        key_chronic: list[int],
        village: int | None = None,
        **dates: Any,
    ) -> QuerySet[Person]:
        persons = _listed(Person.objects.in_places(villages), ListFilters(village_id=village))
        patients = followups.status_columns(
            persons.filter(_to_serve_q(year, dates["as_of"])),
            followups.StatusDates.from_arguments(**dates),
            key_chronic,
            patients_only=True,
            select=False,
        )
        return followups.in_state(patients, state)

    return _list_statement(
        user,
        filters,
        f"follow-ups due, {state}",
        build,
        year=year,
        key_chronic=followups.key_chronic(),
        **dates.arguments(),
    )


def booklets_to_handle(
    user: User, year: int, as_of: datetime.date, filters: ListFilters
) -> QuerySet[SpecialDiseaseDiagnosis]:
    """Diagnoses of persons of ``year``'s roster whose booklet is not valid (pending, applied,
    expired) or expires within 30 days (``state``: pending/expiring)."""
    soon = as_of + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    valid = Booklet.valid_on_q(as_of, prefix="booklet__")
    expiring = valid & Q(booklet__expires_on__lte=soon)
    # The diagnoses' own scope reaches the persons: their conditions apply to the same rows,
    # not through a second, scoped list of persons.
    # The page reads this queryset too, scoped by paths: scoped by the ids of the user's
    # places (a statement built once, as the other two lists), PostgreSQL read every
    # diagnosis of a database of ten counties and probed each person (123 against 29 ms of
    # backend CPU at 600,000 persons; docs/scaling.md "Session 15").
    qs = (
        SpecialDiseaseDiagnosis.objects.visible_to(user)
        .filter(
            _to_serve_q(year, as_of, person="person__"),
            _filters_q(filters, person="person__"),
            diagnosed_on__lte=as_of,
        )
        .select_related(
            "person",
            "person__household",
            "person__household__village",
            "person__household__township",
            "disease",
        )
        .select_related("booklet")
        .order_by("person__household__village__name", "person__household__number", "person_id")
    )
    if filters.state == "expiring":
        return qs.filter(expiring)
    if filters.state == "pending":
        return qs.exclude(valid)
    return qs.filter(~valid | expiring)


def health_checks_missing(
    user: User, year: int, as_of: datetime.date, filters: ListFilters
) -> QuerySet[Person]:
    """Signed persons of ``year``'s roster without a health check in ``year``."""
    return (
        _persons_to_serve(user, year, as_of, filters)
        .filter(_has_contract(year))
        .exclude(Exists(HealthCheck.objects.filter(person=OuterRef("pk"), checked_on__year=year)))
    )


def contracts_expiring(
    user: User, year: int, as_of: datetime.date, filters: ListFilters
) -> QuerySet[Contract]:
    """Contracts of ``year``'s roster persons for ``year`` ending within 30 days of ``as_of``
    (or ended) with no contract for the next year yet."""
    soon = as_of + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    persons = _persons_to_serve(user, year, as_of, filters)
    renewed = Contract.objects.filter(person=OuterRef("person"), year=OuterRef("year") + 1)
    return (
        Contract.objects.visible_to(user)
        .filter(person__in=persons, year=year, valid_until__lte=soon)
        .exclude(Exists(renewed))
        .select_related(
            "person",
            "person__household",
            "person__household__village",
            "person__household__township",
            "team",
        )
        .order_by("valid_until", "person__household__number", "person_id")
    )


# Why a household is to be visited; ``households_to_visit``'s ``state`` picks one.
VISIT_FOLLOWUP = "followup"
VISIT_UNSIGNED = "unsigned"
VISIT_BOOKLET = "booklet"


def households_to_visit(
    user: User, year: int, as_of: datetime.date, filters: ListFilters, *, select: bool = True
) -> QuerySet[Household]:
    """Households with a member on one of the person work lists (docs/domain.md "Households
    to visit"): a follow-up due or overdue, on the roster with neither contract nor reason, or
    a booklet to handle. Each row carries the three reasons as booleans (``visit_followup``,
    ``visit_unsigned``, ``visit_booklet``); ``state`` keeps the households with one of them.
    With ``select=False`` the reasons are aliases, for filtering only; ``set_visit_reasons``
    gives a page of rows theirs (the database would build each set again for the select
    list, bench/page_costs.py)."""
    reasons = _visit_reasons(user, year, as_of, ListFilters(village_id=filters.village_id))
    qs = Household.objects.visible_to(user).select_related("village", "township")
    qs = qs.annotate(**reasons) if select else qs.alias(**reasons)
    if filters.village_id:
        qs = qs.filter(village_id=filters.village_id)
    if filters.search:
        qs = qs.filter(Q(number=filters.search) | Q(head_name__contains=filters.search))
    chosen = f"visit_{filters.state}"
    if chosen in reasons:
        qs = qs.filter(**{chosen: True})
    else:
        qs = qs.filter(Q(visit_followup=True) | Q(visit_unsigned=True) | Q(visit_booklet=True))
    return qs.order_by("village__name", "number", "id")


def _visit_reasons(
    user: User,
    year: int,
    as_of: datetime.date,
    members: ListFilters,
    households: list[int] | None = None,
) -> dict[str, ExpressionWrapper]:
    """The three reasons to visit as booleans over households; ``households``: only those
    households' members are looked at."""
    # Each reason is one uncorrelated ``IN (SELECT household ...)``: the database builds each
    # set once, where a correlated EXISTS re-ran the follow-up states per household (seconds
    # for a county on SQLite; bench/demo_pages.py).
    households_of = {
        "visit_followup": (
            followups_due(user, year, as_of, members, select=False),
            "household_id",
        ),
        "visit_unsigned": (unsigned_without_reason(user, year, as_of, members), "household_id"),
        "visit_booklet": (booklets_to_handle(user, year, as_of, members), "person__household_id"),
    }
    reasons = {}
    for name, (rows, household) in households_of.items():
        if households is not None:
            rows = rows.filter(**{f"{household}__in": households})
        reasons[name] = ExpressionWrapper(
            Q(pk__in=rows.values(household)), output_field=BooleanField()
        )
    return reasons


def set_visit_reasons(
    households: list[Household], user: User, year: int, as_of: datetime.date
) -> None:
    """Set the reasons ``households_to_visit`` annotates on a page of its rows (made with
    ``select=False``): one query, over those households' members only."""
    if not households:
        return
    ids = [household.pk for household in households]
    reasons = _visit_reasons(user, year, as_of, ListFilters(), households=ids)
    flags = {
        pk: values
        for pk, *values in Household.objects.filter(pk__in=ids)
        .annotate(**reasons)
        .values_list("pk", *reasons)
    }
    for household in households:
        for name, value in zip(reasons, flags[household.pk], strict=True):
            setattr(household, name, value)


# --- brochures (one per household and year) ----------------------------------------------------


def brochures_given(year: int, as_of: datetime.date) -> QuerySet[FulfilmentRecord]:
    """Brochure records of ``year`` given by ``as_of`` (a brochure counts for the household
    of the member it was recorded for)."""
    return FulfilmentRecord.objects.filter(
        kind=FulfilmentKind.BROCHURE, served_on__year=year, served_on__lte=as_of
    )


def brochure_given_q(year: int, as_of: datetime.date, *, household: str = "pk") -> Q:
    """A condition on a row whose ``household`` path leads to a household that was given
    ``year``'s brochure by ``as_of``."""
    return Q(Exists(brochures_given(year, as_of).filter(person__household=OuterRef(household))))


def households_without_brochure(
    user: User, year: int, as_of: datetime.date, filters: ListFilters
) -> QuerySet[Household]:
    """Households of ``year``'s roster (a member on it as of ``as_of``) not yet given the
    year's brochure."""
    members_on_roster = Person.objects.filter(household=OuterRef("pk")).filter(
        on_roster(year=year, as_of=as_of)
    )
    qs = (
        Household.objects.visible_to(user)
        .filter(Exists(members_on_roster))
        .exclude(brochure_given_q(year, as_of))
    )
    if filters.village_id:
        qs = qs.filter(village_id=filters.village_id)
    return qs.order_by("village__name", "number", "id")


# --- the household page ----------------------------------------------------------------------


@dataclass
class MemberRecords:
    person: Person
    contract: Contract | None = None
    unsigned: UnsignedRecord | None = None  # read for a member without a contract only
    chronic: list[ChronicRegistration] = field(default_factory=list)
    followup: followups.PatientFollowupStatus | None = None
    checks: list[HealthCheck] = field(default_factory=list)
    diagnoses: list[SpecialDiseaseDiagnosis] = field(default_factory=list)
    fulfilments: list[FulfilmentRecord] = field(default_factory=list)
    previous_contract: Contract | None = None

    @property
    def checked_this_year(self) -> bool:
        return bool(self.checks)

    @property
    def is_patient(self) -> bool:
        return bool(self.followup and self.followup.is_patient)


def household_records(
    household: Household,
    year: int,
    as_of: datetime.date,
    *,
    members: list[Person] | None = None,
) -> list[MemberRecords]:
    """Every member's signing records of ``year`` (the household page and its printed sheet),
    members in id order; ``members``: the household's members when the page has them already.

    One query per kind of record for the whole household, and none for what the page does not
    show: the reason for not signing of a member signed for the year; the follow-up visits'
    details and the year's policy when no member has a chronic disease; a doctor when no
    contract names one (docs/architecture.md "Performance choices").
    """
    if members is None:
        members = cached_rows("household members", Person, _members, household=household.pk)
        for member in members:
            Person.household.field.set_cached_value(member, household)
    else:
        members = sorted(members, key=attrgetter("pk"))
    if not members:
        return []
    records = {person.pk: MemberRecords(person=person) for person in members}
    ids = list(records)

    # Each kind of record is one statement built once per process and number of members
    # (docs/architecture.md "Performance choices").
    contracts = cached_rows(
        "household contracts", Contract, _contracts, ids=ids, years=[year - 1, year]
    )
    # The doctor is mostly written as a name, seldom a user: read only when one is named.
    prefetch_related_objects([c for c in contracts if c.doctor_id], "doctor")
    for contract in contracts:
        record = records[contract.person_id]
        if contract.year == year:
            record.contract = contract
        else:
            record.previous_contract = contract
    not_signed = [pk for pk, record in records.items() if record.contract is None]
    if not_signed:
        for unsigned in cached_rows(
            "household unsigned", UnsignedRecord, _unsigned, ids=not_signed, year=year
        ):
            records[unsigned.person_id].unsigned = unsigned

    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    for registration in followups.registrations_of(ids):
        records[registration.person_id].chronic.append(registration)
    for check in cached_rows(
        "household checks", HealthCheck, _checks, ids=ids, start=start, end=end
    ):
        records[check.person_id].checks.append(check)
    for diagnosis in cached_rows(
        "household diagnoses", SpecialDiseaseDiagnosis, _diagnoses, ids=ids
    ):
        records[diagnosis.person_id].diagnoses.append(diagnosis)
    patients = [record for record in records.values() if record.chronic]
    # A recheck follows an unsatisfactory last visit: patients need the visits' details.
    fulfilments = cached_rows(
        "household fulfilments with visits" if patients else "household fulfilments",
        FulfilmentRecord,
        _fulfilments_with_visits if patients else _fulfilments,
        ids=ids,
        start=start,
        end=end,
    )
    for fulfilment in fulfilments:
        records[fulfilment.person_id].fulfilments.append(fulfilment)

    if patients:
        per_year = YearPolicy.for_year(as_of.year).followups_per_year
        # The recheck follows the last follow-up by the as-of date, of whatever year: a
        # patient without one this year is read further back (one query, seldom).
        earlier = followups.rechecks_from(
            [
                record.person.pk
                for record in patients
                if not any(
                    f.kind == FulfilmentKind.FOLLOW_UP and f.served_on <= as_of
                    for f in record.fulfilments
                )
            ],
            as_of,
        )
        for record in patients:
            followup_dates = [
                f.served_on for f in record.fulfilments if f.kind == FulfilmentKind.FOLLOW_UP
            ]
            record.followup = followups.status_from_records(
                record.chronic,
                followup_dates,
                as_of,
                per_year,
                recheck_from=earlier[record.person.pk]
                if record.person.pk in earlier
                else followups.recheck_from(record.fulfilments, as_of),
            )
    return list(records.values())


# The household page's statements (``cached_rows``): functions of their arguments only.


def _members(household: int) -> QuerySet[Person]:
    return Person.objects.filter(household_id=household).order_by("id")


def _contracts(ids: list[int], years: list[int]) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(person_id__in=ids, year__in=years)
        .select_related("team", "package")
        .order_by()
    )


def _unsigned(ids: list[int], year: int) -> QuerySet[UnsignedRecord]:
    return UnsignedRecord.objects.filter(person_id__in=ids, year=year).order_by()


def _checks(ids: list[int], start: datetime.date, end: datetime.date) -> QuerySet[HealthCheck]:
    return HealthCheck.objects.filter(
        person_id__in=ids, checked_on__range=(start, end)
    ).select_related("institution")


def _diagnoses(ids: list[int]) -> QuerySet[SpecialDiseaseDiagnosis]:
    return SpecialDiseaseDiagnosis.objects.filter(person_id__in=ids).select_related(
        "disease", "booklet"
    )


def _fulfilments(
    ids: list[int], start: datetime.date, end: datetime.date
) -> QuerySet[FulfilmentRecord]:
    return FulfilmentRecord.objects.filter(person_id__in=ids, served_on__range=(start, end))


def _fulfilments_with_visits(
    ids: list[int], start: datetime.date, end: datetime.date
) -> QuerySet[FulfilmentRecord]:
    return _fulfilments(ids, start, end).select_related("visit")


def booklet_of(diagnosis: SpecialDiseaseDiagnosis) -> Booklet | None:
    try:
        return diagnosis.booklet
    except Booklet.DoesNotExist:
        return None
