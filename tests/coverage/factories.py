"""A small, fixed world for indicator tests: every record kind an indicator counts.

``build_world(village_a, village_b)`` returns the records by name so a test can assert the
exact figure each indicator must give (see ``EXPECTED``).
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace

from households.models import Cause, Household, Person, PovertyStatus, Relation, RosterEntry, Sex
from signing.models import (
    Booklet,
    BookletStatus,
    ChronicKind,
    ChronicRegistration,
    Contract,
    Disease,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SignMethod,
    SpecialDiseaseDiagnosis,
    UnsignedReason,
    UnsignedRecord,
    YearPolicy,
)
from treatment.models import CaseStatus, InpatientStay, MajorIllnessCase

YEAR = 2018
AS_OF = datetime.date(2018, 6, 4)
_seq = itertools.count(1)


def household(village, *, status=PovertyStatus.OUT, cause="", number=None) -> Household:
    n = next(_seq)
    return Household.objects.create(
        number=number or f"CV{n:08d}",
        township=village.parent,
        village=village,
        head_name=f"户主{n}",
        poverty_status=status,
        main_cause=cause,
    )


def person(hh: Household, *, born=datetime.date(1980, 1, 1), name=None, year=YEAR) -> Person:
    n = next(_seq)
    p = Person.objects.create(
        id_number=f"35042919800101{n:04d}"[:18],
        name=name or f"居民{n}",
        sex=Sex.MALE,
        birth_date=born,
        household=hh,
        relation=Relation.HEAD,
    )
    RosterEntry.objects.create(person=p, year=year)
    return p


def catalogue(year: int = YEAR) -> SimpleNamespace:
    return SimpleNamespace(
        hypertension=Disease.objects.get_or_create(
            year=year,
            name="高血压",
            defaults={
                "is_key_chronic": True,
                "is_special_outpatient": True,
                "chronic_kind": ChronicKind.HYPERTENSION,
            },
        )[0],
        diabetes=Disease.objects.get_or_create(
            year=year,
            name="2型糖尿病",
            defaults={
                "is_key_chronic": True,
                "is_special_outpatient": True,
                "chronic_kind": ChronicKind.DIABETES,
            },
        )[0],
        esrd=Disease.objects.get_or_create(
            year=year, name="终末期肾病", defaults={"is_major_illness": True}
        )[0],
    )


def contract(
    p: Person, *, method=SignMethod.PAPER, signed_on=datetime.date(2018, 3, 1), year=YEAR
) -> Contract:
    return Contract.objects.create(
        person=p,
        year=year,
        signed_on=signed_on,
        valid_until=datetime.date(year, 12, 31),
        method=method,
    )


def unsigned(p: Person, reason: str, *, on=datetime.date(2018, 3, 1)) -> UnsignedRecord:
    return UnsignedRecord.objects.create(
        person=p, year=YEAR, reason=reason, recorded_on=on, contact_note="电话"
    )


def fulfil(p: Person, kind: str, on=datetime.date(2018, 4, 1)) -> FulfilmentRecord:
    return FulfilmentRecord.objects.create(person=p, kind=kind, served_on=on)


def stay(
    p: Person, *, total="1000", policy="900", basic="600", assistance="200", personal="200", **flags
):
    return InpatientStay.objects.create(
        person=p,
        hospital_name="县总医院",
        admitted_on=datetime.date(2018, 2, 1),
        discharged_on=datetime.date(2018, 2, 10),
        total_cost=Decimal(total),
        policy_cost=Decimal(policy),
        basic_insurance=Decimal(basic),
        medical_assistance=Decimal(assistance),
        personal_payment=Decimal(personal),
        **flags,
    )


def build_world(village_a, village_b) -> SimpleNamespace:
    """Township A's village: 6 persons in 3 households; township B's: 3 persons in 1 household."""
    d = catalogue()
    YearPolicy.objects.update_or_create(
        year=YEAR,
        defaults={"required_items": ["brochure", "health_check"], "followups_per_year": 4},
    )
    w = SimpleNamespace(catalogue=d)
    h1 = household(village_a, status=PovertyStatus.NOT_OUT, cause=Cause.ILLNESS)
    h2 = household(village_a)
    h3 = household(village_a, status=PovertyStatus.NOT_OUT)
    hb = household(
        village_b, status=PovertyStatus.NOT_OUT, cause=Cause.ILLNESS, number="B-MARKER-HH"
    )
    w.elder = person(h1, born=datetime.date(1950, 5, 5))  # e-signed, elderly, hypertension
    w.wife = person(h1)  # paper-signed, diabetes (not e-signed)
    w.away = person(h2)  # unsigned: away
    w.died = person(h2)  # unsigned: died; a later record does not count
    w.nobody = person(h3)  # unsigned, no reason
    w.late = person(h3)  # signed after the as-of date: counts as unsigned, no reason
    w.b1 = person(hb, name="乙村居民甲")  # e-signed, fully served
    w.b2 = person(hb)  # refused
    w.b3 = person(hb)  # paper-signed

    # Not on the 2018 roster as of 2018-06-04: only on 2017's, or dropped in May. Not counted.
    w.old_roster = person(h2, year=2017)
    w.dropped = person(h2)
    RosterEntry.objects.filter(person=w.dropped).update(left_on=datetime.date(2018, 5, 1))
    contract(w.old_roster, method=SignMethod.ELECTRONIC)
    contract(w.dropped)
    fulfil(w.dropped, FulfilmentKind.BROCHURE)

    contract(w.elder, method=SignMethod.ELECTRONIC)
    contract(w.wife)
    contract(w.late, signed_on=datetime.date(2018, 7, 1))
    contract(w.b1, method=SignMethod.ELECTRONIC)
    contract(w.b3)
    unsigned(w.away, UnsignedReason.AWAY)
    unsigned(w.died, UnsignedReason.DIED)
    unsigned(w.b2, UnsignedReason.REFUSED)
    unsigned(w.nobody, UnsignedReason.MISSING, on=datetime.date(2018, 8, 1))  # after as-of

    ChronicRegistration.objects.create(
        person=w.elder, disease=d.hypertension, diagnosed_on=datetime.date(2015, 1, 1)
    )
    ChronicRegistration.objects.create(
        person=w.wife, disease=d.diabetes, diagnosed_on=datetime.date(2016, 1, 1)
    )
    fulfil(w.elder, FulfilmentKind.FOLLOW_UP, datetime.date(2018, 2, 1))  # Q1 done → compliant
    fulfil(w.wife, FulfilmentKind.FOLLOW_UP, datetime.date(2018, 4, 2))  # Q1 missed

    HealthCheck.objects.create(person=w.elder, checked_on=datetime.date(2018, 5, 1))
    HealthCheck.objects.create(person=w.b1, checked_on=datetime.date(2018, 5, 2))
    HealthCheck.objects.create(person=w.b3, checked_on=datetime.date(2017, 5, 2))  # last year

    fulfil(w.elder, FulfilmentKind.BROCHURE)  # counts for his wife too (per household)
    fulfil(w.b3, FulfilmentKind.BROCHURE)
    fulfil(w.b3, FulfilmentKind.BROCHURE, datetime.date(2018, 9, 1))  # after as-of

    dx_elder = SpecialDiseaseDiagnosis.objects.create(
        person=w.elder, disease=d.hypertension, diagnosed_on=datetime.date(2015, 1, 1)
    )
    dx_wife = SpecialDiseaseDiagnosis.objects.create(
        person=w.wife, disease=d.diabetes, diagnosed_on=datetime.date(2016, 1, 1)
    )
    dx_b1 = SpecialDiseaseDiagnosis.objects.create(
        person=w.b1, disease=d.hypertension, diagnosed_on=datetime.date(2017, 1, 1)
    )
    Booklet.objects.create(
        diagnosis=dx_elder,
        status=BookletStatus.ISSUED,
        number="BK1",
        issued_on=datetime.date(2017, 1, 1),
        expires_on=datetime.date(2019, 1, 1),
    )
    Booklet.objects.create(  # expired: pending again
        diagnosis=dx_wife,
        status=BookletStatus.ISSUED,
        number="BK2",
        issued_on=datetime.date(2016, 1, 1),
        expires_on=datetime.date(2017, 12, 31),
    )
    Booklet.objects.create(
        diagnosis=dx_b1,
        status=BookletStatus.ISSUED,
        number="BK3",
        issued_on=datetime.date(2017, 2, 1),
    )

    def case(p, status, treated=None):
        return MajorIllnessCase.objects.create(
            person=p,
            disease=d.esrd,
            year=YEAR,
            screening_date=datetime.date(2018, 1, 10),
            status=status,
            treatment_date=treated,
            refusal_reason="外出务工" if status == CaseStatus.REFUSED else "",
            refusal_note="电话告知" if status == CaseStatus.REFUSED else "",
        )

    case(w.elder, CaseStatus.TREATED, datetime.date(2018, 2, 1))
    case(w.wife, CaseStatus.DIED, datetime.date(2018, 2, 1))  # treated, then died
    case(w.away, CaseStatus.REFUSED)
    case(w.b1, CaseStatus.DIED)  # died before treatment
    case(w.b3, CaseStatus.SCREENED)

    stay(w.elder)  # in county, one-stop, no deposit
    stay(
        w.wife,
        total="2000",
        policy="1500",
        basic="1000",
        assistance="300",
        personal="700",
        in_county=False,
        one_stop=False,
        deposit_taken=True,
    )
    stay(w.b1, total="500", policy="500", basic="450", assistance="0", personal="50")
    return w


# Figures of ``build_world`` as of 2018-06-04: {code: (township A's village, township B's village)}.
EXPECTED = {
    "roster_persons": (6, 3),
    "roster_households": (3, 1),
    "not_out_persons": (4, 3),
    "not_out_households": (2, 1),
    "illness_caused_persons": (2, 3),
    "signed": (2, 2),
    "unsigned": (4, 1),
    "unsigned_away": (1, 0),
    "unsigned_died": (1, 0),
    "unsigned_moved": (0, 0),
    "unsigned_missing": (0, 0),
    "unsigned_married": (0, 0),
    "unsigned_refused": (0, 1),
    "unsigned_no_reason": (2, 0),
    "e_signed": (1, 1),
    "e_signed_elderly": (1, 0),
    "e_signed_hypertension": (1, 0),
    "e_signed_diabetes": (0, 0),
    "chronic_patients": (2, 0),
    "followup_compliant": (1, 0),
    "health_checked": (1, 1),
    "special_disease_persons": (2, 1),
    "booklets_handled": (1, 1),
    "booklets_pending": (1, 0),
    "major_screened": (3, 2),
    "major_treated": (2, 0),
    "major_refused": (1, 0),
    "major_died": (1, 1),
    "brochures": (1, 1),
    "fulfilled": (1, 1),
    "stays": (2, 1),
    "stays_in_county": (1, 1),
    "stays_one_stop": (1, 1),
    "stays_no_deposit": (1, 1),
    "stay_total_cost": (Decimal("3000"), Decimal("500")),
    "stay_personal_payment": (Decimal("900"), Decimal("50")),
    "stay_policy_cost": (Decimal("2400"), Decimal("500")),
    "stay_paid": (Decimal("2100"), Decimal("450")),
}
