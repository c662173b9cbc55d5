"""The one follow-up engine: which chronic patients are followed up as the policy requires.

Patients with one of the four key chronic diseases (``Disease.is_key_chronic``) need a
follow-up visit (a :class:`~signing.models.FulfilmentRecord` of kind ``follow_up``) in every
quarter of the year; the year's :class:`~signing.models.YearPolicy` says how many (4 →
quarters; a policy of 2 makes each "quarter" a half-year). Quarters are counted from the
later of 1 January and the patient's first registration (the earliest ``diagnosed_on`` of
their key chronic registrations): the quarter that holds the registration date counts,
earlier ones do not.

As of a date, each quarter of that date's year is

- ``done``: a follow-up dated inside the quarter and not after the as-of date;
- ``overdue``: the quarter ended before the as-of date without a follow-up;
- ``due``: the quarter holds the as-of date and has no follow-up yet;
- ``not_required``: the quarter ended before the patient was registered;
- ``upcoming``: the quarter starts after the as-of date.

A patient is *compliant* when no quarter is overdue (a follow-up in every elapsed quarter):
this is the ``followup_compliance`` indicator.

An unsatisfactory visit (its :class:`~signing.models.FollowUpVisit` classified 控制不满意,
不良反应 or 并发症) calls for a *recheck*: when a patient's last follow-up by the as-of date was
unsatisfactory, the next one is due from that visit and overdue once :data:`RECHECK_DAYS` days
have passed after it (a later visit of any classification ends it; an unsatisfactory one starts
the two weeks again). A recheck makes the patient due or overdue on the work lists; it does not
touch compliance, which counts quarters only.

Public functions (everything else in the project goes through them):

- :func:`quarters_of_year` — the quarters of a year under its policy.
- :func:`status_dates` and :func:`status_columns` — the same columns from a day's dates
  given as values, for a list's statement built once (``cached_rows``).
- :func:`with_followup_status` — annotate a ``Person`` queryset in SQL with
  ``chronic_since``, ``followup_overdue``, ``followup_due`` (quarter or recheck),
  ``followup_quarter_overdue`` (compliance), ``followup_recheck_from``,
  ``followup_quarter_end`` (and ``followup_done_current``); rows that are not patients get
  ``chronic_since = None`` and every flag false.
- :func:`next_due_on` — the date a listed patient's next follow-up is due by.
- :func:`chronic_patients` — a ``Person`` queryset of the patients as of a date, annotated.
- :func:`in_state` and :func:`due_soon` — those patients narrowed to a state.
- :func:`compliant_registrations_q` — the same compliance rule for a whole county at once,
  as a condition on ``ChronicRegistration`` rows (the indicator registry reads it);
- :func:`patient_followup_status` — one patient's quarters for a page;
  :func:`status_from_records` — the same from records already loaded (household pages);
  :func:`set_status` — the columns of :func:`with_followup_status` from the records of a
  page of persons (the work list's page).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from healthpov.statements import cached_rows
from signing.models import (
    UNSATISFACTORY_CLASSIFICATIONS,
    ChronicRegistration,
    Disease,
    FollowUpVisit,
    FulfilmentKind,
    FulfilmentRecord,
    YearPolicy,
)

#: Days after an unsatisfactory visit within which the next follow-up is due.
RECHECK_DAYS = 14

DONE = "done"
DUE = "due"
OVERDUE = "overdue"
NOT_REQUIRED = "not_required"
UPCOMING = "upcoming"
DUE_OR_OVERDUE = "due_or_overdue"
COMPLIANT = "compliant"
DUE_SOON = "due_soon"
NOT_DUE = "not_due"

#: A follow-up still due is *due soon* when its quarter ends within this many days: it must be
#: done this week or it is overdue.
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class Quarter:
    index: int  # 1-based: Q1..Q4 when quarterly
    start: datetime.date
    end: datetime.date

    def label(self) -> str:
        return f"{self.start:%m-%d}~{self.end:%m-%d}"


def quarters_of_year(year: int, per_year: int | None = None) -> list[Quarter]:
    """The follow-up quarters of ``year`` (half-years when the policy asks for 2 a year)."""
    if per_year is None:
        per_year = YearPolicy.for_year(year).followups_per_year
    return list(_quarters(year, per_year))


@functools.lru_cache(maxsize=64)
def _quarters(year: int, per_year: int) -> tuple[Quarter, ...]:
    # Cached: a list page asks for every row's status (``status_from_records``).
    months = 12 // per_year
    result = []
    for index in range(per_year):
        first_month = index * months + 1
        start = datetime.date(year, first_month, 1)
        if first_month + months > 12:
            end = datetime.date(year, 12, 31)
        else:
            end = datetime.date(year, first_month + months, 1) - datetime.timedelta(days=1)
        result.append(Quarter(index + 1, start, end))
    return tuple(result)


def key_chronic() -> list[int]:
    # The key chronic diseases as a list of ids (one small query) rather than a join: the join
    # was planned inside the per-person subquery, and every list row hashed the disease table
    # again (docs/architecture.md "Performance choices"). Its statement is built once per
    # process (``cached_rows``).
    return cached_rows("key chronic diseases", Disease, _key_chronic_ids)


def _key_chronic_ids() -> QuerySet[Disease]:
    return Disease.objects.filter(is_key_chronic=True).values_list("pk", flat=True)


def _chronic_since(as_of: datetime.date, key_chronic: list[int]) -> Subquery:
    return Subquery(
        ChronicRegistration.objects.filter(
            person=OuterRef("pk"),
            disease__in=key_chronic,
            diagnosed_on__lte=as_of,
        )
        .order_by("diagnosed_on")
        .values("diagnosed_on")[:1]
    )


def _registered_by(day: datetime.date, key_chronic: list[int]) -> Exists:
    """Registered with a key chronic disease by ``day``: ``chronic_since <= day`` as a test
    of existence, which the database answers without sorting the registrations (and may
    answer for all persons at once)."""
    return Exists(
        ChronicRegistration.objects.filter(
            person=OuterRef("pk"), disease__in=key_chronic, diagnosed_on__lte=day
        )
    )


def _followup_in(start: datetime.date, end: datetime.date) -> Exists:
    return Exists(
        FulfilmentRecord.objects.filter(
            person=OuterRef("pk"),
            kind=FulfilmentKind.FOLLOW_UP,
            served_on__gte=start,
            served_on__lte=end,
        )
    )


def with_followup_status(
    persons: QuerySet, as_of: datetime.date, per_year: int | None = None
) -> QuerySet:
    """Annotate ``persons`` with the follow-up status as of ``as_of``, all in SQL.

    Adds ``chronic_since`` (date or None), ``followup_overdue``, ``followup_due`` and
    ``followup_done_current`` (booleans). Filter on them, e.g.
    ``with_followup_status(qs, day).filter(followup_overdue=True)``.
    """
    return _with_status(persons, as_of, per_year, patients_only=False)


@dataclass(frozen=True)
class StatusDates:
    """The dates a day's follow-up status is computed from (:func:`status_dates`): the
    quarters of the year that ended before ``as_of``, the quarter that holds it, and the day
    before which an unsatisfactory visit's recheck is overdue. The SQL of the status is built
    from these values alone, so a list can keep its statement and put in another day's dates
    (``cached_rows``)."""

    as_of: datetime.date
    past: tuple[Quarter, ...]
    current: Quarter | None
    recheck_limit: datetime.date

    def arguments(self) -> dict[str, datetime.date | list[datetime.date]]:
        """The dates as the arguments of a statement (:meth:`from_arguments` reads them)."""
        if self.current is None:  # no quarter holds the day: a policy that leaves a gap
            raise ValueError("no follow-up quarter holds the day")
        return {
            "as_of": self.as_of,
            "past_starts": [quarter.start for quarter in self.past],
            "past_ends": [quarter.end for quarter in self.past],
            "current_start": self.current.start,
            "current_end": self.current.end,
            "recheck_limit": self.recheck_limit,
        }

    @classmethod
    def from_arguments(
        cls,
        *,
        as_of: datetime.date,
        past_starts: list[datetime.date],
        past_ends: list[datetime.date],
        current_start: datetime.date,
        current_end: datetime.date,
        recheck_limit: datetime.date,
    ) -> StatusDates:
        past = tuple(
            Quarter(index, start, end)
            for index, (start, end) in enumerate(zip(past_starts, past_ends, strict=True), 1)
        )
        return cls(as_of, past, Quarter(len(past) + 1, current_start, current_end), recheck_limit)


def status_dates(as_of: datetime.date, per_year: int | None = None) -> StatusDates:
    """The dates of ``as_of``'s status under the year's policy."""
    past: list[Quarter] = []
    current = None
    for quarter in quarters_of_year(as_of.year, per_year):
        if quarter.start > as_of:
            break
        if quarter.end < as_of:
            past.append(quarter)
        else:
            current = quarter
    return StatusDates(as_of, tuple(past), current, as_of - datetime.timedelta(days=RECHECK_DAYS))


def _with_status(
    persons: QuerySet,
    as_of: datetime.date,
    per_year: int | None,
    *,
    patients_only: bool,
    select: bool = True,
) -> QuerySet:
    return status_columns(
        persons,
        status_dates(as_of, per_year),
        key_chronic(),
        patients_only=patients_only,
        select=select,
    )


def status_columns(
    persons: QuerySet,
    dates: StatusDates,
    key_chronic: list[int],
    *,
    patients_only: bool,
    select: bool = True,
) -> QuerySet:
    """The columns of :func:`with_followup_status` (``patients_only``: of
    :func:`chronic_patients`) from ``dates`` and the key chronic diseases' ids only, each used
    as a value compared in the query: for a statement built once (``cached_rows``)."""
    # ``select=False`` names the same columns as aliases: the filters may use them, the rows
    # do not carry them (``set_status`` fills them in for the rows read).
    columns = "annotate" if select else "alias"
    as_of = dates.as_of
    overdue_q = None
    aliases = {"_followup_patient": _registered_by(as_of, key_chronic)}
    for quarter in dates.past:
        name = f"_followup_p{quarter.index}"
        aliases[name] = _followup_in(quarter.start, quarter.end)
        registered = f"_followup_registered_p{quarter.index}"
        aliases[registered] = _registered_by(quarter.end, key_chronic)
        missed = Q(**{registered: True, name: False})
        overdue_q = missed if overdue_q is None else overdue_q | missed
    current_name = current_end = None
    if dates.current is not None:
        current_name, current_end = f"_followup_p{dates.current.index}", dates.current.end
        aliases[current_name] = _followup_in(dates.current.start, as_of)
    # The last follow-up by the as-of date, read once: its date when the visit was
    # unsatisfactory (a recheck is called for), else null.
    last = FulfilmentRecord.objects.filter(
        person=OuterRef("pk"), kind=FulfilmentKind.FOLLOW_UP, served_on__lte=as_of
    ).order_by("-served_on", "-pk")
    recheck_from = last.annotate(
        recheck_from=Case(
            When(visit__classification__in=UNSATISFACTORY_CLASSIFICATIONS, then=F("served_on")),
            default=Value(None),
            output_field=DateField(),
        )
    ).values("recheck_from")[:1]
    qs = getattr(persons.alias(**aliases), columns)(
        chronic_since=_chronic_since(as_of, key_chronic),
        followup_recheck_from=Subquery(recheck_from, output_field=DateField()),
    )
    if patients_only:
        # A CASE, not a bare EXISTS: PostgreSQL would turn a bare one into a join and then
        # compute the flags below for every patient of the county before the scope applies.
        qs = qs.filter(_flag(Q(_followup_patient=True)))
    # Every flag is false for a person who is not a patient; among patients only (the lists)
    # that test is already made once, so the flags leave it out.
    is_patient = Q() if patients_only else Q(_followup_patient=True)
    recheck_limit = dates.recheck_limit
    recheck_due = Q(followup_recheck_from__gte=recheck_limit)
    recheck_overdue = Q(followup_recheck_from__lt=recheck_limit)
    # Each condition names the patient test (and every sub-query) as few times as it can: the
    # database runs each sub-query where it is written. The registration tests are tests of
    # existence, not comparisons of ``chronic_since``: that column sorts a person's
    # registrations and, in the filter, ran for every person of the scope; as a display
    # column the database computes it for the rows it returns only (docs/architecture.md
    # "Performance choices"). The recheck's last visit is read for patients only. A quarter
    # is missed only by a patient registered by its end, so ``overdue_q`` needs no patient
    # test of its own.
    due = recheck_due if current_name is None else Q(**{current_name: False}) | recheck_due
    return getattr(qs, columns)(
        followup_quarter_end=Value(current_end, output_field=DateField()),
        followup_quarter_overdue=_flag(overdue_q),
        followup_overdue=_flag(
            is_patient & recheck_overdue
            if overdue_q is None
            else overdue_q | (is_patient & recheck_overdue)
        ),
        followup_due=_flag(is_patient & due),
        followup_done_current=_flag(
            None if current_name is None else is_patient & Q(**{current_name: True})
        ),
    )


def _flag(condition: Q | None) -> Case | Value:
    """A boolean column; a plain ``False`` when there is nothing to test (portable SQL)."""
    if condition is None:
        return Value(False)
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def chronic_patients(
    persons: QuerySet, as_of: datetime.date, per_year: int | None = None, *, select: bool = True
) -> QuerySet:
    """The key chronic patients among ``persons`` registered by ``as_of``, annotated as above.

    ``in_state(chronic_patients(qs, day), COMPLIANT)`` are the compliant ones. With
    ``select=False`` the columns are aliases, for filtering only: a page of rows then gets them
    from :func:`set_status` (the database would compute them for the rows it returns with
    sub-queries planned for every row it might return, docs/architecture.md "Performance
    choices").
    """
    return _with_status(persons, as_of, per_year, patients_only=True, select=select)


def in_state(patients: QuerySet, state: str) -> QuerySet:
    """Annotated patients (:func:`chronic_patients`) narrowed to a state: ``due``,
    ``overdue``, ``due_or_overdue`` or ``compliant`` (no quarter overdue); any other value
    leaves them all."""
    if state == DUE:
        return patients.filter(followup_due=True)
    if state == OVERDUE:
        return patients.filter(followup_overdue=True)
    if state == DUE_OR_OVERDUE:
        return patients.filter(Q(followup_due=True) | Q(followup_overdue=True))
    if state == COMPLIANT:
        return patients.filter(followup_quarter_overdue=False)
    return patients


def current_quarter(as_of: datetime.date, per_year: int | None = None) -> Quarter:
    """The quarter (under the year's policy) that holds ``as_of``."""
    return next(q for q in quarters_of_year(as_of.year, per_year) if q.start <= as_of <= q.end)


def due_soon(patients: QuerySet, as_of: datetime.date, per_year: int | None = None) -> QuerySet:
    """Annotated patients whose follow-up is ``due`` in a quarter that ends within
    :data:`DUE_SOON_DAYS` days of ``as_of``: done by then, or overdue. Every due patient shares
    the quarter's end, so this is all of them in a quarter's last week and none before."""
    if (current_quarter(as_of, per_year).end - as_of).days > DUE_SOON_DAYS:
        return patients.none()
    return in_state(patients, DUE)


def compliant_registrations_q(as_of: datetime.date, per_year: int | None = None) -> Q:
    """Key chronic registrations (by ``as_of``) of patients compliant on ``as_of``: a
    condition on ``ChronicRegistration`` rows, for counting a whole county in one pass.

    The same rule as :func:`with_followup_status` (a patient registered by a quarter's end
    that ended before ``as_of`` needs a follow-up inside it), written as set operations, one
    per elapsed quarter, rather than as correlated sub-queries per person
    (tests/signing/test_followups.py checks both agree person by person).
    """
    compliant = Q(disease__is_key_chronic=True, diagnosed_on__lte=as_of)
    for quarter in quarters_of_year(as_of.year, per_year):
        if quarter.end >= as_of:
            break
        followed = FulfilmentRecord.objects.filter(
            kind=FulfilmentKind.FOLLOW_UP, served_on__gte=quarter.start, served_on__lte=quarter.end
        ).values("person_id")
        registered = ChronicRegistration.objects.filter(
            disease__is_key_chronic=True, diagnosed_on__lte=min(quarter.end, as_of)
        )
        compliant &= Q(person_id__in=followed) | ~Q(person_id__in=registered.values("person_id"))
    return compliant


@dataclass
class QuarterStatus:
    quarter: Quarter
    state: str
    followups: list[datetime.date] = field(default_factory=list)


@dataclass
class PatientFollowupStatus:
    as_of: datetime.date
    chronic_since: datetime.date | None
    quarters: list[QuarterStatus]
    #: The date of the last visit when it was unsatisfactory (a recheck is called for).
    recheck_from: datetime.date | None = None

    @property
    def is_patient(self) -> bool:
        return self.chronic_since is not None

    @property
    def recheck_due_on(self) -> datetime.date | None:
        if not self.is_patient or self.recheck_from is None:
            return None
        return self.recheck_from + datetime.timedelta(days=RECHECK_DAYS)

    @property
    def recheck_state(self) -> str | None:
        """``due`` within the two weeks after an unsatisfactory last visit, ``overdue`` after
        them, None when no recheck is called for."""
        due_on = self.recheck_due_on
        if due_on is None:
            return None
        return DUE if self.as_of <= due_on else OVERDUE

    @property
    def quarter_overdue(self) -> bool:
        return any(q.state == OVERDUE for q in self.quarters)

    @property
    def overdue(self) -> bool:
        return self.quarter_overdue or self.recheck_state == OVERDUE

    @property
    def due(self) -> bool:
        return any(q.state == DUE for q in self.quarters) or self.recheck_state == DUE

    @property
    def compliant(self) -> bool:
        return self.is_patient and not self.quarter_overdue


def quarter_state(
    quarter: Quarter,
    as_of: datetime.date,
    chronic_since: datetime.date,
    followups: list[datetime.date],
) -> str:
    if quarter.start > as_of:
        return UPCOMING
    if quarter.end < chronic_since:
        return NOT_REQUIRED
    if followups:
        return DONE
    return OVERDUE if quarter.end < as_of else DUE


def recheck_from(followups: list[FulfilmentRecord], as_of: datetime.date) -> datetime.date | None:
    """The date of the last follow-up by ``as_of`` when that visit was unsatisfactory (the
    one-record form of ``followup_recheck_from``); ``followups`` with ``visit`` loaded."""
    done = [f for f in followups if f.kind == FulfilmentKind.FOLLOW_UP and f.served_on <= as_of]
    if not done:
        return None
    last = max(done, key=lambda f: (f.served_on, f.pk or 0))
    visit = visit_of(last)
    if visit is not None and visit.is_unsatisfactory:
        return last.served_on
    return None


def visit_of(record: FulfilmentRecord) -> FollowUpVisit | None:
    """The visit details of a follow-up record, None for a record without them."""
    try:
        return record.visit
    except FollowUpVisit.DoesNotExist:
        return None


def state_of(patient) -> str:
    """The one state of a patient annotated by :func:`with_followup_status`, the most urgent
    first: ``overdue``, ``due``, ``done`` (this quarter's follow-up is in), else ``not_due``.
    The record-by-record form of :func:`in_state`'s ``overdue`` and ``due``."""
    if patient.followup_overdue:
        return OVERDUE
    if patient.followup_due:
        return DUE
    if patient.followup_done_current:
        return DONE
    return NOT_DUE


def next_due_on(patient) -> datetime.date | None:
    """The date a patient annotated by :func:`with_followup_status` is next due by: two weeks
    after an unsatisfactory last visit, else the end of the as-of date's quarter."""
    if patient.followup_recheck_from is not None:
        return patient.followup_recheck_from + datetime.timedelta(days=RECHECK_DAYS)
    return patient.followup_quarter_end


def status_from_records(
    registrations: list[ChronicRegistration],
    followup_dates: list[datetime.date],
    as_of: datetime.date,
    per_year: int | None = None,
    *,
    recheck_from: datetime.date | None = None,
) -> PatientFollowupStatus:
    """The status computed from records already loaded (no query but the year policy's).

    ``registrations`` are the person's chronic registrations (with ``disease`` loaded),
    ``followup_dates`` the dates of their follow-up records (any year), ``recheck_from`` what
    :func:`recheck_from` gives for their follow-up records.
    """
    since = [
        r.diagnosed_on
        for r in registrations
        if r.disease.is_key_chronic and r.diagnosed_on <= as_of
    ]
    if not since:
        return PatientFollowupStatus(as_of=as_of, chronic_since=None, quarters=[])
    first = min(since)
    dates = [d for d in followup_dates if d.year == as_of.year and d <= as_of]
    statuses = []
    for quarter in quarters_of_year(as_of.year, per_year):
        inside = sorted(d for d in dates if quarter.start <= d <= quarter.end)
        statuses.append(
            QuarterStatus(quarter, quarter_state(quarter, as_of, first, inside), inside)
        )
    return PatientFollowupStatus(
        as_of=as_of, chronic_since=first, quarters=statuses, recheck_from=recheck_from
    )


def _registrations_of(ids: list[int]) -> QuerySet[ChronicRegistration]:
    return ChronicRegistration.objects.filter(person_id__in=ids).select_related("disease")


def registrations_of(ids: list[int]) -> list[ChronicRegistration]:
    """The chronic registrations of ``ids`` with their diseases, what
    :func:`status_from_records` reads: one statement built once per process and number of
    persons (``cached_rows``)."""
    return cached_rows("chronic registrations", ChronicRegistration, _registrations_of, ids=ids)


def _followups_by(ids: list[int], end: datetime.date) -> QuerySet[FulfilmentRecord]:
    return FulfilmentRecord.objects.filter(
        person_id__in=ids, kind=FulfilmentKind.FOLLOW_UP, served_on__lte=end
    ).select_related("visit")


def _followups_until(ids: list[int], as_of: datetime.date) -> dict[int, list[FulfilmentRecord]]:
    """Every follow-up of each of ``ids`` by ``as_of``, any year, with its visit."""
    records: dict[int, list[FulfilmentRecord]] = {pk: [] for pk in ids}
    for record in cached_rows("follow-ups by", FulfilmentRecord, _followups_by, ids=ids, end=as_of):
        records[record.person_id].append(record)
    return records


def rechecks_from(ids: list[int], as_of: datetime.date) -> dict[int, datetime.date | None]:
    """:func:`recheck_from` of each of ``ids``, from all their follow-ups by ``as_of``: for a
    page that has read a year's records only, for patients with no follow-up in them (the last
    one may be of an earlier year)."""
    if not ids:
        return {}
    return {pk: recheck_from(done, as_of) for pk, done in _followups_until(ids, as_of).items()}


def set_status(persons: list, as_of: datetime.date, per_year: int | None = None) -> None:
    """Set on each of ``persons`` the columns :func:`with_followup_status` annotates
    (``chronic_since``, ``followup_overdue``, ...), computed from their records by
    :func:`status_from_records`: two queries for all of them, each built once per process and
    number of persons (``cached_rows``)."""
    if not persons:
        return
    if per_year is None:
        per_year = YearPolicy.for_year(as_of.year).followups_per_year
    ids = sorted({person.pk for person in persons})
    registrations: dict[int, list[ChronicRegistration]] = {pk: [] for pk in ids}
    for registration in registrations_of(ids):
        registrations[registration.person_id].append(registration)
    records = _followups_until(ids, as_of)
    current = current_quarter(as_of, per_year)
    for person in persons:
        done = records[person.pk]
        status = status_from_records(
            registrations[person.pk],
            [r.served_on for r in done],
            as_of,
            per_year,
            recheck_from=recheck_from(done, as_of),
        )
        person.chronic_since = status.chronic_since
        person.followup_recheck_from = status.recheck_from
        person.followup_quarter_end = current.end
        person.followup_quarter_overdue = status.quarter_overdue
        person.followup_overdue = status.is_patient and status.overdue
        person.followup_due = status.is_patient and status.due
        person.followup_done_current = any(
            q.quarter == current and q.state == DONE for q in status.quarters
        )


def patient_followup_status(
    person, as_of: datetime.date, per_year: int | None = None
) -> PatientFollowupStatus:
    """One person's follow-up quarters of ``as_of``'s year; for pages and the API."""
    registrations = list(
        ChronicRegistration.objects.filter(person=person).select_related("disease")
    )
    records = list(
        FulfilmentRecord.objects.filter(
            person=person, kind=FulfilmentKind.FOLLOW_UP, served_on__lte=as_of
        ).select_related("visit")
    )
    dates = [r.served_on for r in records if r.served_on.year == as_of.year]
    return status_from_records(
        registrations, dates, as_of, per_year, recheck_from=recheck_from(records, as_of)
    )
