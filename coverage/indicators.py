"""The indicator registry: every figure of docs/domain.md "Indicators", each defined once.

An indicator is one of three kinds:

- a **count**: rows of a *source* (roster persons, roster households, brochure records,
  major-illness cases, inpatient stays) that satisfy a condition. The same condition is used
  by the aggregate (``Count("pk", filter=condition)`` grouped by village) and by the
  drill-down list (``source rows .filter(condition)``), so a list's length always equals
  its figure;
- a **sum** of a money field over a source (total cost of the year's stays...);
- a **rate**: numerator code ÷ denominator code (``None`` when the denominator is zero).

Every source is read with one aggregate query grouped by village; townships, counties and
everything above are sums of their villages (see :mod:`coverage.selectors`). A person belongs
to one household and a household to one village, so adding villages never counts anyone twice.

The registry states no rule of the domain itself: each condition is built from the rule of
the app that owns the records (the year's roster: ``households.selectors``; contracts,
reasons, booklets and follow-ups: ``signing``; cases and stays: ``treatment``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Model, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from healthpov.period import ReportingPeriod
from households import selectors as registry
from households.models import Cause, Household, Person, PovertyStatus
from signing import followups
from signing import selectors as signing
from signing.models import (
    HEALTH_CHECK_ITEM,
    Booklet,
    ChronicKind,
    ChronicRegistration,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SignMethod,
    SpecialDiseaseDiagnosis,
    UnsignedReason,
    YearPolicy,
)
from treatment import selectors as treatment
from treatment.models import InpatientStay, MajorIllnessCase, TreatmentPolicy

PERSON, HOUSEHOLD, RECORD, CASE, STAY = "person", "household", "record", "case", "stay"
COUNT, SUM, RATE = "count", "sum", "rate"


# ---------------------------------------------------------------------------------------
# Sources: the rows a count counts, for a period.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The rows a count counts. Sources of a person's records (brochures, cases, stays) give
    ``records`` (the period's rows) and count them for roster persons only: ``rows`` adds the
    roster limit, and the aggregate gets it for free by joining per-person totals onto the
    roster (see :mod:`coverage.selectors`)."""

    name: str
    unit: str
    model: type[Model]
    village_lookup: str
    select: Callable[[ReportingPeriod], QuerySet]
    of_person: bool = False  # ``select`` gives a person's records (column ``person``)

    def rows(self, period: ReportingPeriod) -> QuerySet:
        rows = self.select(period)
        if self.of_person:
            rows = rows.filter(person__in=roster_persons(period))
        return rows


def roster_persons(period: ReportingPeriod) -> QuerySet:
    """Persons on the year's roster as of the date, whatever their status (the seed's table
    counts so): the rule is ``households.selectors.roster_persons``."""
    return registry.roster_persons(year=period.year, as_of=period.as_of)


def _roster_households(period: ReportingPeriod) -> QuerySet:
    return registry.roster_households(year=period.year, as_of=period.as_of)


def _brochure_records(period: ReportingPeriod) -> QuerySet:
    return _records_served(period, FulfilmentKind.BROCHURE)


def _cases(period: ReportingPeriod) -> QuerySet:
    return treatment.cases_in_period(period.year, period.as_of)


def _stays(period: ReportingPeriod) -> QuerySet:
    return treatment.stays_in_period(period.year, period.as_of)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source("persons", PERSON, Person, "household__village", roster_persons),
        Source("households", HOUSEHOLD, Household, "village", _roster_households),
        Source(
            "brochures",
            RECORD,
            FulfilmentRecord,
            "person__household__village",
            _brochure_records,
            of_person=True,
        ),
        Source(
            "cases",
            CASE,
            MajorIllnessCase,
            "person__household__village",
            _cases,
            of_person=True,
        ),
        Source(
            "stays",
            STAY,
            InpatientStay,
            "person__household__village",
            _stays,
            of_person=True,
        ),
    ]
}


# ---------------------------------------------------------------------------------------
# Person flags: "this roster person has ...". Every person figure is a formula over flags
# (``flag("signed") & ~flag("e_signed")``). A flag is defined once, as the rows of a table
# that make it hold (a person has the flag when one of their rows passes ``when``): the
# drill-down list reads it as ``pk IN (those rows' person ids)`` and the aggregate reads each
# table once per recompute, every flag of the table a column of one per-person row (see
# ``coverage.selectors``), so both see the same persons.
# ---------------------------------------------------------------------------------------

FLAG_PREFIX = "flag:"


def flag(name: str) -> Q:
    return Q(**{FLAG_PREFIX + name: True})


def _ids(qs: QuerySet, person_path: str = "person_id", *, distinct: bool = True) -> QuerySet:
    """A query of distinct person ids (column ``pid``); ``distinct=False`` only for tables
    that hold at most one row per person for the filter (a contract per person and year)."""
    ids = qs.order_by().annotate(pid=F(person_path)).values("pid")
    return ids.distinct() if distinct else ids


@dataclass(frozen=True)
class PersonTable:
    """The period's rows of one table that person flags read, and the path to their person."""

    rows: Callable[[ReportingPeriod], QuerySet]
    person: str = "person_id"
    # At most one row per person for a period (a unique constraint says so): read as it is,
    # without grouping by person.
    unique: bool = False


@dataclass(frozen=True)
class Flag:
    """Holds for a person with a row of ``table`` that passes ``when`` (any row if None)."""

    table: str
    when: Callable[[ReportingPeriod], Q] | None = None

    def ids(self, period: ReportingPeriod) -> QuerySet:
        """The persons it holds for (distinct ids, column ``pid``)."""
        table = PERSON_TABLES[self.table]
        rows = table.rows(period)
        if self.when is not None:
            rows = rows.filter(self.when(period))
        return _ids(rows, table.person, distinct=not table.unique)

    __call__ = ids


def _contracts(period: ReportingPeriod) -> QuerySet:
    return signing.contracts_as_of(period.year, period.as_of)


def _unsigned_records(period: ReportingPeriod) -> QuerySet:
    return signing.unsigned_records_as_of(period.year, period.as_of)


def _chronic_registrations(period: ReportingPeriod) -> QuerySet:
    return ChronicRegistration.objects.filter(diagnosed_on__lte=period.as_of)


def _followup_compliant(period: ReportingPeriod) -> Q:
    """Key chronic patients with a follow-up in every elapsed quarter of the year: the rule
    is signing's follow-up engine's (``signing.followups.compliant_registrations_q``)."""
    return followups.compliant_registrations_q(period.end)


def _booklets(period: ReportingPeriod) -> QuerySet:
    """Booklets of special-outpatient diagnoses made by the as-of date."""
    return Booklet.objects.filter(
        diagnosis__diagnosed_on__lte=period.as_of,
        diagnosis__disease__is_special_outpatient=True,
    )


def _booklet_valid(period: ReportingPeriod) -> Q:
    """Valid on the as-of date (an expired booklet is pending again): ``Booklet.valid_on_q``."""
    return Booklet.valid_on_q(period.as_of)


# Every kind of fulfilment record but the brochure (which counts for the whole household).
SERVED_KINDS = tuple(kind.value for kind in FulfilmentKind if kind != FulfilmentKind.BROCHURE)


def _records_served(period: ReportingPeriod, kind: str | tuple[str, ...]) -> QuerySet:
    kinds = (kind,) if isinstance(kind, str) else kind
    return FulfilmentRecord.objects.filter(
        kind__in=kinds, served_on__gte=period.start, served_on__lte=period.end
    )


PERSON_TABLES: dict[str, PersonTable] = {
    # A contract and a not-signed record are unique per person and year.
    "contracts": PersonTable(_contracts, unique=True),
    "unsigned": PersonTable(_unsigned_records, unique=True),
    "chronic": PersonTable(_chronic_registrations),
    "health_checks": PersonTable(
        lambda p: HealthCheck.objects.filter(checked_on__gte=p.start, checked_on__lte=p.end)
    ),
    "special": PersonTable(
        lambda p: SpecialDiseaseDiagnosis.objects.filter(diagnosed_on__lte=p.as_of)
    ),
    "booklets": PersonTable(_booklets, person="diagnosis__person_id"),
    "served": PersonTable(lambda p: _records_served(p, SERVED_KINDS)),
}

UNSIGNED_REASONS = tuple(UnsignedReason.values)

FLAGS: dict[str, Flag] = {
    "signed": Flag("contracts"),
    "e_signed": Flag("contracts", lambda p: Q(method=SignMethod.ELECTRONIC)),
    "unsigned_recorded": Flag("unsigned"),
    **{
        f"unsigned_{reason}": Flag("unsigned", (lambda r: lambda p: Q(reason=r))(reason))
        for reason in UNSIGNED_REASONS
    },
    "chronic": Flag("chronic", lambda p: Q(disease__is_key_chronic=True)),
    "hypertension": Flag("chronic", lambda p: Q(disease__chronic_kind=ChronicKind.HYPERTENSION)),
    "diabetes": Flag("chronic", lambda p: Q(disease__chronic_kind=ChronicKind.DIABETES)),
    "followup_compliant": Flag("chronic", _followup_compliant),
    "health_checked": Flag("health_checks"),
    "special_disease": Flag("special", lambda p: Q(disease__is_special_outpatient=True)),
    "booklet_valid": Flag("booklets", _booklet_valid),
    **{
        f"served_{kind}": Flag("served", (lambda k: lambda p: Q(kind=k))(kind))
        for kind in SERVED_KINDS
    },
}


# Flags on the person's own row (or its household's): plain conditions, no other table.
COLUMN_FLAGS: dict[str, Callable[[ReportingPeriod], Q]] = {
    "not_out": lambda p: Q(household__poverty_status=PovertyStatus.NOT_OUT),
    "illness": lambda p: Q(household__main_cause=Cause.ILLNESS),
    "elderly": lambda p: Q(birth_date__lt=p.elderly_born_before),
}


# Flags of the person's household (column ``hid``): a brochure is handed over once per
# household and counts for every member.
HOUSEHOLD_FLAGS: dict[str, Callable[[ReportingPeriod], QuerySet]] = {
    "served_brochure": lambda p: (
        _records_served(p, FulfilmentKind.BROCHURE)
        .order_by()
        .annotate(hid=F("person__household_id"))
        .values("hid")
        .distinct()
    ),
}


def flags_of(q: Q) -> list[str]:
    """The flag names a formula uses, in order of first use."""
    names: list[str] = []
    for child in q.children:
        found = flags_of(child) if isinstance(child, Q) else [child[0][len(FLAG_PREFIX) :]]
        names += [n for n in found if n not in names]
    return names


def expand_flags(q: Q, period: ReportingPeriod) -> Q:
    """The formula as a plain Q over Person: each flag becomes ``pk IN (its ids)``."""
    expanded = Q()
    expanded.connector, expanded.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            expanded.children.append(expand_flags(child, period))
        else:
            name = child[0][len(FLAG_PREFIX) :]
            if name in COLUMN_FLAGS:
                expanded.children.append(COLUMN_FLAGS[name](period))
            elif name in HOUSEHOLD_FLAGS:
                expanded.children.append(Q(household_id__in=HOUSEHOLD_FLAGS[name](period)))
            else:
                expanded.children.append(Q(pk__in=FLAGS[name].ids(period)))
    return expanded


def required_items(year: int) -> list[str]:
    """The fulfilment items every signed person must receive in ``year`` (signing's policy)."""
    return list(YearPolicy.for_year(year).required_items or [])


def f_fulfilled(period: ReportingPeriod) -> Q:
    """Signed persons who received every item the year's policy requires."""
    q = flag("signed")
    for item in required_items(period.year):
        q &= flag("health_checked") if item == HEALTH_CHECK_ITEM else flag(f"served_{item}")
    return q


def _unsigned(period: ReportingPeriod, *, reason: str | None) -> Q:
    if reason is None:
        # signing.selectors.unsigned_without_reason_q over the same two tables.
        return ~flag("signed") & ~flag("unsigned_recorded")
    return ~flag("signed") & flag(f"unsigned_{reason}")


def _flag(name: str) -> Callable[[ReportingPeriod], Q]:
    return lambda period: flag(name)


# ---------------------------------------------------------------------------------------
# The registry.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Promise
    kind: str  # count | sum | rate
    source: str | None = None  # counts and sums
    condition: Callable[[ReportingPeriod], Q] | None = None  # counts
    sum_of: Callable[[], object] | None = None  # sums: an expression over the source's rows
    numerator: str | None = None  # rates
    denominator: str | None = None  # rates
    # Where the year's target comes from when another app's policy owns it.
    policy_target: Callable[[int, dict], tuple[Decimal, str] | None] | None = None
    # Marked auxiliary in docs/domain.md: a count or sum that exists so a rate can be drilled into.
    auxiliary: bool = False
    help: Promise | str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_rate(self) -> bool:
        return self.kind == RATE

    @property
    def is_count(self) -> bool:
        return self.kind == COUNT

    def available(self) -> bool:
        """Always: the registry imports every app it reads (kept for the pages and the API
        that still ask)."""
        return True

    @property
    def list_code(self) -> str:
        """The count whose rows the drill-down list shows: itself, a rate's numerator, or
        (for money) the stays it sums over."""
        if self.kind == COUNT:
            return self.code
        if self.kind == SUM:
            return "stays"
        numerator = REGISTRY[self.numerator]
        return numerator.list_code

    @property
    def unit(self) -> str:
        return SOURCES[REGISTRY[self.list_code].source].unit

    def rows(self, period: ReportingPeriod) -> QuerySet:
        """Every row the figure counts, county-wide (callers narrow to a place and a user)."""
        counted = REGISTRY[self.list_code]
        return SOURCES[counted.source].rows(period).filter(counted.where(period))

    def where(self, period: ReportingPeriod) -> Q:
        """The count's condition on its source rows (person formulas with flags expanded)."""
        condition = self.condition(period)
        if self.source == "persons":
            return expand_flags(condition, period)
        return condition


def _all(period: ReportingPeriod) -> Q:
    return Q()


def _treatment_target(field_name: str, direction: str):
    def target(year: int, looked_up: dict) -> tuple[Decimal, str] | None:
        # ``looked_up``: one page's reads, so its several policy targets read the policy once.
        key = ("treatment_policy", year)
        if key not in looked_up:
            looked_up[key] = TreatmentPolicy.for_year(year)
        return getattr(looked_up[key], field_name), direction

    return target


def _stay_paid():
    return InpatientStay.paid_expression()


INDICATORS: list[Indicator] = [
    # The registry.
    Indicator("roster_persons", _("Persons on the roster"), COUNT, "persons", _all),
    Indicator("roster_households", _("Households on the roster"), COUNT, "households", _all),
    Indicator(
        "not_out_persons",
        _("Persons not yet out of poverty"),
        COUNT,
        "persons",
        _flag("not_out"),
    ),
    Indicator(
        "not_out_households",
        _("Households not yet out of poverty"),
        COUNT,
        "households",
        lambda p: Q(poverty_status=PovertyStatus.NOT_OUT),
    ),
    Indicator(
        "illness_caused_persons",
        _("Persons in households poor because of illness"),
        COUNT,
        "persons",
        _flag("illness"),
    ),
    # Signing.
    Indicator("signed", _("Signed"), COUNT, "persons", _flag("signed")),
    Indicator(
        "signing_rate", _("Signing rate"), RATE, numerator="signed", denominator="roster_persons"
    ),
    Indicator(
        "unsigned",
        _("Not signed"),
        COUNT,
        "persons",
        lambda p: ~flag("signed"),
        auxiliary=True,
    ),
    *[
        Indicator(
            f"unsigned_{suffix}",
            label,
            COUNT,
            "persons",
            functools.partial(_unsigned, reason=reason),
        )
        for suffix, reason, label in [
            ("away", "away", _("Not signed: away long-term or unreachable")),
            ("died", "died", _("Not signed: died")),
            ("moved", "moved", _("Not signed: moved out")),
            ("missing", "missing", _("Not signed: whereabouts unknown")),
            ("married", "married", _("Not signed: married out")),
            ("refused", "refused", _("Not signed: refused")),
            ("no_reason", None, _("Not signed: no reason recorded")),
        ]
    ],
    Indicator(
        "e_signed",
        _("Signed electronically"),
        COUNT,
        "persons",
        _flag("e_signed"),
    ),
    Indicator(
        "e_signing_rate",
        _("Electronic signing rate"),
        RATE,
        numerator="e_signed",
        denominator="roster_persons",
    ),
    Indicator(
        "e_signed_elderly",
        _("Signed electronically: elderly"),
        COUNT,
        "persons",
        lambda p: flag("e_signed") & flag("elderly"),
    ),
    Indicator(
        "e_signed_hypertension",
        _("Signed electronically: hypertension"),
        COUNT,
        "persons",
        lambda p: flag("e_signed") & flag("hypertension"),
    ),
    Indicator(
        "e_signed_diabetes",
        _("Signed electronically: type 2 diabetes"),
        COUNT,
        "persons",
        lambda p: flag("e_signed") & flag("diabetes"),
    ),
    # Chronic disease follow-up.
    Indicator(
        "chronic_patients",
        _("Key chronic disease patients"),
        COUNT,
        "persons",
        _flag("chronic"),
    ),
    Indicator(
        "followup_compliant",
        _("Chronic patients followed up every quarter"),
        COUNT,
        "persons",
        lambda p: flag("chronic") & flag("followup_compliant"),
        auxiliary=True,
    ),
    Indicator(
        "followup_compliance",
        _("Follow-up compliance"),
        RATE,
        numerator="followup_compliant",
        denominator="chronic_patients",
    ),
    # Health checks and special-disease booklets.
    Indicator(
        "health_checked",
        _("Health-checked"),
        COUNT,
        "persons",
        _flag("health_checked"),
    ),
    Indicator(
        "health_check_rate",
        _("Health check rate"),
        RATE,
        numerator="health_checked",
        denominator="roster_persons",
    ),
    Indicator(
        "special_disease_persons",
        _("Special-disease patients"),
        COUNT,
        "persons",
        _flag("special_disease"),
    ),
    Indicator(
        "booklets_handled",
        _("Special-disease booklets handled"),
        COUNT,
        "persons",
        lambda p: flag("special_disease") & flag("booklet_valid"),
    ),
    Indicator(
        "booklet_rate",
        _("Booklet rate"),
        RATE,
        numerator="booklets_handled",
        denominator="special_disease_persons",
    ),
    Indicator(
        "booklets_pending",
        _("Special-disease booklets pending"),
        COUNT,
        "persons",
        lambda p: flag("special_disease") & ~flag("booklet_valid"),
    ),
    # Major-illness special treatment (cases of the year).
    Indicator("major_screened", _("Major illness: screened"), COUNT, "cases", _all),
    Indicator(
        "major_treated",
        _("Major illness: treated"),
        COUNT,
        "cases",
        lambda p: MajorIllnessCase.treated_q(),
    ),
    Indicator(
        "major_refused",
        _("Major illness: refused"),
        COUNT,
        "cases",
        lambda p: MajorIllnessCase.refused_q(),
    ),
    Indicator(
        "major_died", _("Major illness: died"), COUNT, "cases", lambda p: MajorIllnessCase.died_q()
    ),
    Indicator(
        "major_treatment_rate",
        _("Major illness treatment rate"),
        RATE,
        numerator="major_treated",
        denominator="major_screened",
    ),
    # Fulfilment.
    Indicator("brochures", _("Brochures handed out"), COUNT, "brochures", _all),
    Indicator(
        "fulfilled",
        _("Signed persons fully served"),
        COUNT,
        "persons",
        f_fulfilled,
        auxiliary=True,
    ),
    Indicator(
        "fulfilment_rate", _("Fulfilment rate"), RATE, numerator="fulfilled", denominator="signed"
    ),
    # Inpatient stays of the year (by discharge date).
    Indicator(
        "stays", pgettext_lazy("indicator", "Inpatient stays"), COUNT, "stays", _all, auxiliary=True
    ),
    Indicator(
        "stays_in_county",
        _("Stays in the county"),
        COUNT,
        "stays",
        lambda p: Q(in_county=True),
        auxiliary=True,
    ),
    Indicator(
        "stays_one_stop",
        _("Stays settled one-stop"),
        COUNT,
        "stays",
        lambda p: ~InpatientStay.not_one_stop_q(),
        auxiliary=True,
    ),
    Indicator(
        "stays_no_deposit",
        _("Stays without a deposit"),
        COUNT,
        "stays",
        lambda p: ~InpatientStay.deposit_breach_q(),
        auxiliary=True,
    ),
    Indicator(
        "stay_total_cost",
        _("Total cost of stays"),
        SUM,
        "stays",
        sum_of=lambda: F("total_cost"),
        auxiliary=True,
    ),
    Indicator(
        "stay_personal_payment",
        _("Personal payment for stays"),
        SUM,
        "stays",
        sum_of=lambda: F("personal_payment"),
        auxiliary=True,
    ),
    Indicator(
        "stay_policy_cost",
        _("Cost within policy of stays"),
        SUM,
        "stays",
        sum_of=lambda: F("policy_cost"),
        auxiliary=True,
    ),
    Indicator(
        "stay_paid",
        _("Paid by insurance and assistance"),
        SUM,
        "stays",
        sum_of=_stay_paid,
        auxiliary=True,
    ),
    Indicator(
        "personal_share",
        _("Personal share of cost"),
        RATE,
        numerator="stay_personal_payment",
        denominator="stay_total_cost",
        policy_target=_treatment_target("personal_share_cap", "max"),
    ),
    Indicator(
        "reimbursement_ratio",
        _("Reimbursement ratio"),
        RATE,
        numerator="stay_paid",
        denominator="stay_policy_cost",
        policy_target=_treatment_target("reimbursement_target", "min"),
    ),
    Indicator(
        "in_county_rate",
        _("In-county stay rate"),
        RATE,
        numerator="stays_in_county",
        denominator="stays",
    ),
    Indicator(
        "one_stop_rate",
        _("One-stop settlement rate"),
        RATE,
        numerator="stays_one_stop",
        denominator="stays",
    ),
    Indicator(
        "no_deposit_rate",
        _("No-deposit rate"),
        RATE,
        numerator="stays_no_deposit",
        denominator="stays",
    ),
]

REGISTRY: dict[str, Indicator] = {i.code: i for i in INDICATORS}
CODES: list[str] = [i.code for i in INDICATORS]
assert len(REGISTRY) == len(INDICATORS), "indicator codes must be unique"


def aggregate_expression(indicator: Indicator, period: ReportingPeriod):
    """The aggregate one village row of the indicator's source computes."""
    if indicator.kind == COUNT:
        return Count("pk", filter=indicator.condition(period))
    return Coalesce(Sum(indicator.sum_of()), Decimal(0), output_field=_money_field())


MONEY_PLACES = 2


def _money_field():
    return DecimalField(max_digits=20, decimal_places=MONEY_PLACES)


@functools.cache
def is_available(code: str) -> bool:
    """Whether the apps an indicator reads are installed (fixed for the life of a process)."""
    return REGISTRY[code].available()


def get(code: str) -> Indicator:
    try:
        return REGISTRY[code]
    except KeyError:
        raise KeyError(f"unknown indicator {code!r}") from None
