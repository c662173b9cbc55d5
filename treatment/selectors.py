"""Reads of the treatment app. Every figure is an SQL aggregate over a scoped queryset.

Figures (codes as in docs/domain.md "Indicators"):
- personal_share: personal payment ÷ total cost, over the stays;
- reimbursement_ratio: (basic + critical-illness + assistance + supplementary) ÷ cost within policy;
- in_county_rate, one_stop_rate, no_deposit_rate: stays in county / settled one-stop / without
  deposit ÷ stays;
- breaches of a stay: deposit taken (先诊疗后付费 not applied), not settled one-stop, personal
  share above the year's cap.

The rules behind them live on the models (``InpatientStay.paid_expression``, ``breach_q``...,
``MajorIllnessCase.treated_q``...). The stays and cases a year's figures count are those of
persons on that year's roster (``households.selectors.roster_persons``), as in the registry:
:func:`stays_in_period` / :func:`cases_in_period` are the period's rows, the registry and
the summaries narrow them to the roster.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from healthpov.accounts.models import User
from healthpov.statements import cached_rows
from households.models import Household, Person
from households.selectors import roster_persons
from treatment.models import (
    ZERO,
    CaseStatus,
    FollowUpCall,
    InpatientStay,
    MajorIllnessCase,
    TreatmentPolicy,
)

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
NO_CALL_DAYS = 90


def _ratio(numerator: Decimal | None, denominator: Decimal | int | None) -> Decimal | None:
    if not denominator:
        return None
    return Decimal(numerator or 0) / Decimal(denominator)


def _roster_date(year: int, as_of: datetime.date | None) -> datetime.date:
    """The date a year's roster is read at: the as-of date, or the year's last day."""
    return as_of if as_of is not None else datetime.date(year, 12, 31)


# --- stays --------------------------------------------------------------------------------


def stays_in_period(year: int, as_of: datetime.date) -> QuerySet:
    """Every stay discharged in ``year`` and not after ``as_of`` (unscoped, any person)."""
    return InpatientStay.objects.filter(
        discharged_on__gte=datetime.date(year, 1, 1),
        discharged_on__lte=min(as_of, datetime.date(year, 12, 31)),
    )


def stays_of_year(
    user: User,
    year: int,
    as_of: datetime.date | None = None,
    *,
    township_id: int | None = None,
) -> QuerySet:
    """Stays the user may see discharged in ``year`` (and not after ``as_of``) of persons on
    the year's roster (as of ``as_of``, or at the year's end), optionally narrowed to one
    township: the stays the year's figures count."""
    qs = (
        stays_in_period(year, _roster_date(year, as_of))
        .filter(person__in=roster_persons(year=year, as_of=_roster_date(year, as_of)))
        .visible_to(user)
    )
    if township_id:
        qs = qs.filter(person__household__township_id=township_id)
    return qs


def stays_with_breaches(qs: QuerySet, *, cap: Decimal) -> QuerySet:
    """Annotate each stay with its breach flags (``over_cap``, ``breach``), computed in SQL."""
    return qs.annotate(
        over_cap=Case(
            When(InpatientStay.over_cap_q(cap), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        breach=Case(
            When(InpatientStay.breach_q(cap), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


@dataclass
class StayFigures:
    stays: int = 0
    total_cost: Decimal = ZERO
    policy_cost: Decimal = ZERO
    reimbursed: Decimal = ZERO
    personal_payment: Decimal = ZERO
    in_county: int = 0
    one_stop: int = 0
    no_deposit: int = 0
    deposit_taken: int = 0
    not_one_stop: int = 0
    over_cap: int = 0
    breaches: int = 0
    personal_share: Decimal | None = None
    reimbursement_ratio: Decimal | None = None
    in_county_rate: Decimal | None = None
    one_stop_rate: Decimal | None = None
    no_deposit_rate: Decimal | None = None


def _stay_aggregates(cap: Decimal) -> dict:
    """Aggregates named ``agg_<figure>`` (a bare field name would clash with the model's)."""
    return {
        "agg_total_cost": Sum("total_cost", output_field=MONEY_FIELD),
        "agg_policy_cost": Sum("policy_cost", output_field=MONEY_FIELD),
        "agg_reimbursed": Sum(InpatientStay.paid_expression(), output_field=MONEY_FIELD),
        "agg_personal_payment": Sum("personal_payment", output_field=MONEY_FIELD),
        "agg_stays": Count("id"),
        "agg_in_county": Count("id", filter=Q(in_county=True)),
        "agg_one_stop": Count("id", filter=~InpatientStay.not_one_stop_q()),
        "agg_no_deposit": Count("id", filter=~InpatientStay.deposit_breach_q()),
        "agg_deposit_taken": Count("id", filter=InpatientStay.deposit_breach_q()),
        "agg_not_one_stop": Count("id", filter=InpatientStay.not_one_stop_q()),
        "agg_over_cap": Count("id", filter=InpatientStay.over_cap_q(cap)),
        "agg_breaches": Count("id", filter=InpatientStay.breach_q(cap)),
    }


MONEY_FIGURES = ("total_cost", "policy_cost", "reimbursed", "personal_payment")


def _figures_from_row(row: dict) -> StayFigures:
    values = {k[4:]: v for k, v in row.items() if k.startswith("agg_")}
    for name in MONEY_FIGURES:
        values[name] = Decimal(values[name] or 0).quantize(Decimal("0.01"))
    figures = StayFigures(**values)
    figures.personal_share = _ratio(figures.personal_payment, figures.total_cost)
    figures.reimbursement_ratio = _ratio(figures.reimbursed, figures.policy_cost)
    figures.in_county_rate = _ratio(figures.in_county, figures.stays)
    figures.one_stop_rate = _ratio(figures.one_stop, figures.stays)
    figures.no_deposit_rate = _ratio(figures.no_deposit, figures.stays)
    return figures


def stay_figures(qs: QuerySet, *, cap: Decimal) -> StayFigures:
    """personal_share, reimbursement_ratio, rates and breach counts over ``qs``, one query."""
    return _figures_from_row(qs.aggregate(**_stay_aggregates(cap)))


# --- cases --------------------------------------------------------------------------------


@dataclass
class CaseFigures:
    screened: int = 0
    in_treatment: int = 0
    treated: int = 0
    refused: int = 0
    died: int = 0
    treatment_rate: Decimal | None = None


def _case_aggregates() -> dict:
    return {
        "agg_screened": Count("id"),
        "agg_in_treatment": Count("id", filter=Q(status=CaseStatus.IN_TREATMENT)),
        "agg_treated": Count("id", filter=MajorIllnessCase.treated_q()),
        "agg_refused": Count("id", filter=MajorIllnessCase.refused_q()),
        "agg_died": Count("id", filter=MajorIllnessCase.died_q()),
    }


def _case_figures_from_row(row: dict) -> CaseFigures:
    figures = CaseFigures(**{k[4:]: v for k, v in row.items() if k.startswith("agg_")})
    figures.treatment_rate = _ratio(figures.treated, figures.screened)
    return figures


def case_figures(qs: QuerySet) -> CaseFigures:
    """major_screened/treated/refused/died and the treatment rate over ``qs``, one query."""
    return _case_figures_from_row(qs.aggregate(**_case_aggregates()))


def cases_in_period(year: int, as_of: datetime.date | None = None) -> QuerySet:
    """Every case of ``year`` screened by ``as_of`` (unscoped, any person)."""
    qs = MajorIllnessCase.objects.filter(year=year)
    if as_of is not None:
        qs = qs.filter(screening_date__lte=as_of)
    return qs


def cases_of_year(user: User, year: int, as_of: datetime.date | None = None) -> QuerySet:
    """Cases the user may see of ``year`` (screened by ``as_of``) of persons on the year's
    roster (as of ``as_of``, or at the year's end): the cases the year's figures count."""
    return (
        cases_in_period(year, as_of)
        .filter(person__in=roster_persons(year=year, as_of=_roster_date(year, as_of)))
        .visible_to(user)
    )


def case_list(
    user: User,
    *,
    year: int | None = None,
    status: str | None = None,
    township_id: int | None = None,
) -> QuerySet:
    """Cases the user may see; ``township_id`` narrows them (never widens the scope)."""
    qs = MajorIllnessCase.objects.visible_to(user)
    if year:
        qs = qs.filter(year=year)
    if status == "counted_treated":
        qs = qs.filter(MajorIllnessCase.treated_q())
    elif status:
        qs = qs.filter(status=status)
    if township_id:
        qs = qs.filter(person__household__township_id=township_id)
    last_call = FollowUpCall.objects.filter(case=OuterRef("pk")).order_by("-called_on")
    return qs.select_related(
        "person__household__village", "person__household__township", "disease", "hospital"
    ).annotate(last_call_on=Subquery(last_call.values("called_on")[:1]))


@dataclass
class CaseStatusCounts:
    by_status: dict[str, int]  # every status, in CaseStatus order
    total: int  # every case counted, whatever its status


def case_status_counts(user: User, *, year: int | None = None) -> CaseStatusCounts:
    """The cases ``user`` may see (of ``year``) by status: :func:`case_list`'s rows for that
    year when no township narrows it, counted in one query."""
    qs = MajorIllnessCase.objects.visible_to(user)
    if year:
        qs = qs.filter(year=year)
    counts = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    return CaseStatusCounts(
        by_status={status: counts.get(status, 0) for status in CaseStatus.values},
        total=sum(counts.values()),
    )


def cases_without_recent_call(
    user: User, *, as_of: datetime.date, days: int = NO_CALL_DAYS
) -> QuerySet:
    """Cases (other than died) whose last call, or screening when never called, is ``days`` old.

    Calls dated after ``as_of`` do not count.
    """
    cutoff = as_of - datetime.timedelta(days=days)
    return (
        MajorIllnessCase.objects.visible_to(user)
        .exclude(status=CaseStatus.DIED)
        .filter(screening_date__lte=as_of)
        .annotate(last_call_on=Max("calls__called_on", filter=Q(calls__called_on__lte=as_of)))
        .annotate(quiet_since=Coalesce("last_call_on", "screening_date", output_field=DateField()))
        .filter(quiet_since__lte=cutoff)
        .select_related("person__household__village", "person__household__township", "disease")
        .order_by("quiet_since", "pk")
    )


def case_timeline(case: MajorIllnessCase) -> list[dict]:
    """Screening, treatment, calls, stays and status changes of a case, oldest first."""
    events: list[dict] = [
        {"date": case.screening_date, "kind": "screened", "case": case},
    ]
    if case.treatment_date:
        events.append({"date": case.treatment_date, "kind": "treated", "case": case})
    previous = None
    for record in case.history.order_by("history_date", "history_id").select_related(
        "history_user"
    ):
        if previous is not None and record.status != previous.status:
            events.append(
                {
                    "date": record.history_date.date(),
                    "kind": "status",
                    "from": CaseStatus(previous.status).label,
                    "to": CaseStatus(record.status).label,
                    "by": record.history_user,
                    "reason": record.history_change_reason,
                }
            )
        previous = record
    events.extend(
        {"date": call.called_on, "kind": "call", "call": call}
        for call in case.calls.select_related("caller")
    )
    events.extend(
        {"date": stay.admitted_on, "kind": "stay", "stay": stay}
        for stay in case.stays.select_related("hospital")
    )
    order = {"screened": 0, "status": 1, "treated": 2, "stay": 3, "call": 4}
    events.sort(key=lambda e: (e["date"], order[e["kind"]]))
    return events


# --- per township -------------------------------------------------------------------------


def township_summary(user: User, *, year: int, as_of: datetime.date) -> list[dict]:
    """One row per township: case figures and stay figures, two grouped queries in all."""
    cap = TreatmentPolicy.for_year(year).personal_share_cap
    case_rows = {
        row["person__household__township"]: row
        for row in cases_of_year(user, year, as_of)
        .values("person__household__township", "person__household__township__name")
        .annotate(**_case_aggregates())
        .order_by()
    }
    stay_rows = {
        row["person__household__township"]: row
        for row in stays_of_year(user, year, as_of)
        .values("person__household__township", "person__household__township__name")
        .annotate(**_stay_aggregates(cap))
        .order_by()
    }
    rows = []
    for township_id in sorted(set(case_rows) | set(stay_rows)):
        base = case_rows.get(township_id) or stay_rows[township_id]
        cases = (
            _case_figures_from_row(case_rows[township_id])
            if township_id in case_rows
            else CaseFigures()
        )
        stays = (
            _figures_from_row(stay_rows[township_id]) if township_id in stay_rows else StayFigures()
        )
        rows.append(
            {
                "township_id": township_id,
                "township": base["person__household__township__name"],
                "cases": cases,
                "stays": stays,
            }
        )
    rows.sort(key=lambda r: r["township"])
    return rows


# --- return-to-poverty watch --------------------------------------------------------------


def twelve_months_before(as_of: datetime.date) -> datetime.date:
    """The first day of the 12 months ending on ``as_of``."""
    try:
        start = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - 1, day=28)
    return start + datetime.timedelta(days=1)


@dataclass
class RiskWatch:
    as_of: datetime.date
    since: datetime.date
    threshold: Decimal
    households: list = field(default_factory=list)


def return_to_poverty_watch(user: User, *, as_of: datetime.date) -> RiskWatch:
    """Households whose members paid more than the year's threshold themselves in 12 months.

    Two queries: the households with their sums (one grouped aggregate), then the stays
    behind those sums.
    """
    threshold = TreatmentPolicy.for_year(as_of.year).return_to_poverty_threshold
    since = twelve_months_before(as_of)
    window = Q(
        members__inpatient_stays__discharged_on__gte=since,
        members__inpatient_stays__discharged_on__lte=as_of,
    )
    households = list(
        Household.objects.visible_to(user)
        .annotate(
            personal_12m=Sum("members__inpatient_stays__personal_payment", filter=window),
            stays_12m=Count("members__inpatient_stays", filter=window),
        )
        .filter(personal_12m__gt=threshold)
        .select_related("village", "township")
        .order_by("-personal_12m", "number")
    )
    stays_by_household: dict[int, list[InpatientStay]] = {h.pk: [] for h in households}
    if households:
        stays = (
            InpatientStay.objects.filter(
                person__household__in=list(stays_by_household),
                discharged_on__gte=since,
                discharged_on__lte=as_of,
            )
            .select_related("person", "hospital")
            .order_by("discharged_on", "pk")
        )
        for stay in stays:
            stays_by_household[stay.person.household_id].append(stay)
    for household in households:
        household.risk_stays = stays_by_household[household.pk]
    return RiskWatch(as_of=as_of, since=since, threshold=threshold, households=households)


# --- household page -----------------------------------------------------------------------


def _household_cases(ids: list[int], year: int | None = None) -> QuerySet[MajorIllnessCase]:
    cases = MajorIllnessCase.objects.filter(person_id__in=ids)
    if year is not None:
        cases = cases.filter(year=year)
    return (
        cases.select_related("disease", "hospital")
        .annotate(last_call_on=Max("calls__called_on"))
        .order_by("-year", "person__name")
    )


def _household_stays(
    ids: list[int], start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[InpatientStay]:
    stays = InpatientStay.objects.filter(person_id__in=ids)
    if start is not None:
        stays = stays.filter(discharged_on__range=(start, end))
    return stays.select_related("hospital").order_by("-discharged_on")


def household_treatment(members: list[Person], *, year: int | None = None) -> dict:
    """Cases and stays of a household's members, for its page and printable sheet: those of
    ``year`` (cases of the year, stays discharged in it) when given, else every year's.
    ``members`` are all of the household's, as the page loaded them: they are not read
    again."""
    persons = {person.pk: person for person in members}
    if not persons:
        return {"cases": [], "stays": []}
    # Statements built once per process and number of members (docs/architecture.md
    # "Performance choices").
    ids = list(persons)
    if year is None:
        cases = cached_rows("household cases", MajorIllnessCase, _household_cases, ids=ids)
        stays = cached_rows("household stays", InpatientStay, _household_stays, ids=ids)
    else:
        cases = cached_rows(
            "household cases of a year", MajorIllnessCase, _household_cases, ids=ids, year=year
        )
        stays = cached_rows(
            "household stays of a year",
            InpatientStay,
            _household_stays,
            ids=ids,
            start=datetime.date(year, 1, 1),
            end=datetime.date(year, 12, 31),
        )
    for record in (*cases, *stays):
        record.person = persons[record.person_id]
    return {"cases": cases, "stays": stays}
