"""The one follow-up engine: which chronic patients are followed up as the policy requires.

Patients with one of the four key chronic diseases (``Disease.is_key_chronic``) need a
follow-up visit (a :class:`~signing.models.FulfilmentRecord` of kind ``follow_up``) in every
period of the year; the year's :class:`~signing.models.YearPolicy` says how many periods
(4 → quarters). Periods are counted from the later of 1 January and the patient's first
registration (the earliest ``diagnosed_on`` of their key chronic registrations): the period
that holds the registration date counts, earlier ones do not.

As of a date, each period of that date's year is

- ``done``: a follow-up dated inside the period and not after the as-of date;
- ``overdue``: the period ended before the as-of date without a follow-up;
- ``due``: the period holds the as-of date and has no follow-up yet;
- ``not_required``: the period ended before the patient was registered;
- ``upcoming``: the period starts after the as-of date.

A patient is *compliant* when no period is overdue (a follow-up in every elapsed period):
this is the ``followup_compliance`` indicator.

Public functions (everything else in the project goes through them):

- :func:`periods_of_year` — the periods of a year under its policy.
- :func:`with_followup_status` — annotate a ``Person`` queryset in SQL with
  ``chronic_since``, ``followup_overdue``, ``followup_due`` (and ``followup_done_current``);
  rows that are not patients get ``chronic_since = None`` and both flags false.
- :func:`chronic_patients` — a ``Person`` queryset of the patients as of a date, annotated.
- :func:`patient_followup_status` — one patient's periods for a page;
  :func:`status_from_records` — the same from records already loaded (household pages).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from signing.models import (
    ChronicRegistration,
    Disease,
    FulfilmentKind,
    FulfilmentRecord,
    YearPolicy,
)

DONE = "done"
DUE = "due"
OVERDUE = "overdue"
NOT_REQUIRED = "not_required"
UPCOMING = "upcoming"


@dataclass(frozen=True)
class Period:
    index: int  # 1-based: Q1..Q4 when quarterly
    start: datetime.date
    end: datetime.date

    def label(self) -> str:
        return f"{self.start:%m-%d}~{self.end:%m-%d}"


def periods_of_year(year: int, per_year: int | None = None) -> list[Period]:
    """The follow-up periods of ``year`` (quarters when the policy asks for 4 a year)."""
    if per_year is None:
        per_year = YearPolicy.for_year(year).followups_per_year
    months = 12 // per_year
    result = []
    for index in range(per_year):
        first_month = index * months + 1
        start = datetime.date(year, first_month, 1)
        if first_month + months > 12:
            end = datetime.date(year, 12, 31)
        else:
            end = datetime.date(year, first_month + months, 1) - datetime.timedelta(days=1)
        result.append(Period(index + 1, start, end))
    return result


def _chronic_since(as_of: datetime.date) -> Subquery:
    # The key chronic diseases as a list of ids (one small query) rather than a join: the join
    # was planned inside the per-person subquery, and every list row hashed the disease table
    # again (docs/architecture.md "Performance choices").
    key_chronic = list(Disease.objects.filter(is_key_chronic=True).values_list("pk", flat=True))
    return Subquery(
        ChronicRegistration.objects.filter(
            person=OuterRef("pk"),
            disease__in=key_chronic,
            diagnosed_on__lte=as_of,
        )
        .order_by("diagnosed_on")
        .values("diagnosed_on")[:1]
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
    current_name = None
    overdue_q = None
    aliases = {}
    for period in periods_of_year(as_of.year, per_year):
        if period.start > as_of:
            break
        name = f"_followup_p{period.index}"
        aliases[name] = _followup_in(period.start, min(period.end, as_of))
        if period.end < as_of:
            missed = Q(chronic_since__lte=period.end, **{name: False})
            overdue_q = missed if overdue_q is None else overdue_q | missed
        else:
            current_name = name
    qs = persons.annotate(chronic_since=_chronic_since(as_of)).alias(**aliases)
    is_patient = Q(chronic_since__isnull=False)
    return qs.annotate(
        followup_overdue=_flag(None if overdue_q is None else is_patient & overdue_q),
        followup_due=_flag(
            None if current_name is None else is_patient & Q(**{current_name: False})
        ),
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
    persons: QuerySet, as_of: datetime.date, per_year: int | None = None
) -> QuerySet:
    """The key chronic patients among ``persons`` registered by ``as_of``, annotated as above.

    ``chronic_patients(qs, day).filter(followup_overdue=False)`` are the compliant ones.
    """
    return with_followup_status(persons, as_of, per_year).filter(chronic_since__isnull=False)


@dataclass
class PeriodStatus:
    period: Period
    state: str
    followups: list[datetime.date] = field(default_factory=list)


@dataclass
class PatientFollowupStatus:
    as_of: datetime.date
    chronic_since: datetime.date | None
    periods: list[PeriodStatus]

    @property
    def is_patient(self) -> bool:
        return self.chronic_since is not None

    @property
    def overdue(self) -> bool:
        return any(p.state == OVERDUE for p in self.periods)

    @property
    def due(self) -> bool:
        return any(p.state == DUE for p in self.periods)

    @property
    def compliant(self) -> bool:
        return self.is_patient and not self.overdue


def period_state(
    period: Period,
    as_of: datetime.date,
    chronic_since: datetime.date,
    followups: list[datetime.date],
) -> str:
    if period.start > as_of:
        return UPCOMING
    if period.end < chronic_since:
        return NOT_REQUIRED
    if followups:
        return DONE
    return OVERDUE if period.end < as_of else DUE


def status_from_records(
    registrations: list[ChronicRegistration],
    followup_dates: list[datetime.date],
    as_of: datetime.date,
    per_year: int | None = None,
) -> PatientFollowupStatus:
    """The status computed from records already loaded (no query but the year policy's).

    ``registrations`` are the person's chronic registrations (with ``disease`` loaded),
    ``followup_dates`` the dates of their follow-up records (any year).
    """
    since = [
        r.diagnosed_on
        for r in registrations
        if r.disease.is_key_chronic and r.diagnosed_on <= as_of
    ]
    if not since:
        return PatientFollowupStatus(as_of=as_of, chronic_since=None, periods=[])
    first = min(since)
    dates = [d for d in followup_dates if d.year == as_of.year and d <= as_of]
    statuses = []
    for period in periods_of_year(as_of.year, per_year):
        inside = sorted(d for d in dates if period.start <= d <= period.end)
        statuses.append(PeriodStatus(period, period_state(period, as_of, first, inside), inside))
    return PatientFollowupStatus(as_of=as_of, chronic_since=first, periods=statuses)


def patient_followup_status(
    person, as_of: datetime.date, per_year: int | None = None
) -> PatientFollowupStatus:
    """One person's follow-up periods of ``as_of``'s year; for pages and the API."""
    registrations = list(
        ChronicRegistration.objects.filter(person=person).select_related("disease")
    )
    dates = list(
        FulfilmentRecord.objects.filter(
            person=person, kind=FulfilmentKind.FOLLOW_UP, served_on__year=as_of.year
        ).values_list("served_on", flat=True)
    )
    return status_from_records(registrations, dates, as_of, per_year)
