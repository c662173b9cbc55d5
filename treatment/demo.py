"""Demo records of the treatment app for the demo county (called by ``seed_demo``, idempotent).

Seed 000 as of 2018-06-04: 31 major-illness cases screened in 2018 (13 diseases), 29 counted as
treated, all end-stage renal disease, one of whom died after treatment; 2 refused, both told
the policy by phone: a child with congenital heart disease from 龙湖 who lives with his parents
working in Foshan, Guangdong, and a 47-year-old farmer from 大田 with late cervical cancer.
Plus about three hundred inpatient stays of the 12 months before that date, a few of them with
breaches (deposit taken, not settled one-stop, personal share above 10%), and a few households
whose own payments put them on the return-to-poverty watch.

Persons are taken from ``households.demo.demo_persons`` (ordered by ID number) with a fixed
random seed, so every run picks the same people; a county that already has the cases of the
demo year is left alone. Dates are drawn in the seed's frame and moved into the demo year by
``households.demo.DemoCalendar`` (calls by their distance to the as-of date).
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from healthpov.places.models import Institution, Place
from households.demo import DemoCalendar, demo_persons
from households.models import Person, PersonStatus, Sex
from signing.catalogue import diseases_in_force, ensure_default_catalogue
from treatment.models import CaseStatus, FollowUpCall, InpatientStay, MajorIllnessCase

DEMO_SEED = 20180604 + 5
AS_OF = datetime.date(2018, 6, 4)  # the seed's frame (households.demo.DemoCalendar)
TREATED = 28
STAYS = 300
CENT = Decimal("0.01")

# Texts with the seed's days as {day} and {year} (moved into the demo year).
REFUSAL_AWAY = (
    "随父母外出务工,常住广东佛山,拒绝回乡治疗",
    "{day} 龙湖镇卫生院公卫科电话联系患儿父亲,"
    "告知建档立卡贫困人口大病专项救治及医保报销政策,家长表示暂不回乡治疗。",
    datetime.date(2018, 3, 12),
)
REFUSAL_CANCER = (
    "{year}年确诊宫颈癌(晚期),本人拒绝专项救治",
    "{day} 下渠乡卫生院家庭医生电话告知大病专项救治及健康扶贫医保政策,本人及家属明确拒绝。",
    datetime.date(2018, 3, 20),
)


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _age(person: Person, year: int) -> int:
    return year - person.birth_date.year


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _stay(
    rng: random.Random,
    person: Person,
    *,
    hospital: Institution,
    in_county: bool,
    discharged_on: datetime.date,
    total: Decimal,
    personal_share: float,
    deposit_taken: bool = False,
    one_stop: bool = True,
    case: MajorIllnessCase | None = None,
) -> InpatientStay:
    """A stay whose parts add up to ``total`` to the cent."""
    policy = _money(total * Decimal(str(rng.uniform(0.97, 0.995))))
    personal = _money(total * Decimal(str(personal_share)))
    rest = total - personal
    basic = _money(rest * Decimal(str(rng.uniform(0.62, 0.72))))
    critical = (
        _money(rest * Decimal(str(rng.uniform(0.08, 0.14)))) if total > 15000 else Decimal("0.00")
    )
    assistance = _money(rest * Decimal(str(rng.uniform(0.06, 0.12))))
    supplementary = rest - basic - critical - assistance
    days = rng.randint(4, 21)
    return InpatientStay(
        person=person,
        case=case,
        hospital=hospital,
        in_county=in_county,
        referral=not in_county,
        admitted_on=discharged_on - datetime.timedelta(days=days),
        discharged_on=discharged_on,
        total_cost=total,
        policy_cost=policy,
        basic_insurance=basic,
        critical_insurance=critical,
        medical_assistance=assistance,
        supplementary_insurance=supplementary,
        personal_payment=personal,
        deposit_taken=deposit_taken,
        one_stop=one_stop,
    )


@transaction.atomic
def build_demo(county: Place, calendar: DemoCalendar | None = None) -> None:
    calendar = calendar or DemoCalendar.of()
    year, day = calendar.year, calendar.date
    if MajorIllnessCase.objects.filter(
        year=year, person__household__village__path__startswith=county.path
    ).exists():
        return
    ensure_default_catalogue(year)
    diseases = {d.name: d for d in diseases_in_force(year, is_major_illness=True)}
    county_hospital = Institution.objects.filter(
        kind=Institution.Kind.COUNTY_HOSPITAL, place=county
    ).first()
    city_hospital = (
        Institution.objects.filter(
            kind=Institution.Kind.DESIGNATED_HOSPITAL, place__path__startswith=county.parent.path
        ).first()
        if county.parent_id
        else None
    )
    if county_hospital is None or city_hospital is None or "终末期肾病" not in diseases:
        return  # the places demo did not run: nothing sensible to attach cases to
    centres = {
        i.place_id: i
        for i in Institution.objects.filter(
            kind=Institution.Kind.HEALTH_CENTRE, place__path__startswith=county.path
        )
    }
    rng = random.Random(DEMO_SEED)
    persons = list(demo_persons(county).select_related("household__township", "household__village"))
    if not persons:
        return
    used: set[int] = set()

    def pick(candidates: list[Person]) -> Person:
        person = rng.choice([p for p in candidates if p.pk not in used])
        used.add(person.pk)
        return person

    adults = [p for p in persons if 25 <= _age(p, year) <= 78 and p.status == PersonStatus.NORMAL]
    cases: list[MajorIllnessCase] = []
    seed_screening: dict[int, datetime.date] = {}  # person id → screening day in the seed's frame
    esrd = diseases["终末期肾病"]
    for index in range(TREATED):
        person = pick(adults)
        screened = _day(rng, datetime.date(2018, 1, 3), datetime.date(2018, 3, 20))
        seed_screening[person.pk] = screened
        cases.append(
            MajorIllnessCase(
                person=person,
                disease=esrd,
                year=year,
                screening_date=day(screened),
                hospital=county_hospital if index % 3 else city_hospital,
                status=CaseStatus.TREATED,
                treatment_date=day(screened + datetime.timedelta(days=rng.randint(3, 30))),
                note="规律血液透析" if index % 3 else "转诊三明市第一医院透析",
            )
        )
    died_candidates = [
        p for p in persons if p.status == PersonStatus.DIED and 40 <= _age(p, year) <= 85
    ] or adults
    died = pick(died_candidates)
    died_on = day(datetime.date(2018, 4, 15))
    seed_screening[died.pk] = datetime.date(2018, 1, 8)
    cases.append(
        MajorIllnessCase(
            person=died,
            disease=esrd,
            year=year,
            screening_date=day(seed_screening[died.pk]),
            hospital=county_hospital,
            status=CaseStatus.DIED,
            treatment_date=day(datetime.date(2018, 1, 15)),
            note=f"救治后于{died_on.year}年{died_on.month}月病故",
        )
    )
    longhu = [p for p in persons if p.household.township.name == "龙湖镇"]
    child = pick(
        [p for p in longhu if _age(p, year) <= 14 and p.status == PersonStatus.AWAY]
        or [p for p in longhu if _age(p, year) <= 14]
        or [p for p in persons if _age(p, year) <= 14]
    )
    seed_screening[child.pk] = datetime.date(2018, 2, 26)
    cases.append(
        MajorIllnessCase(
            person=child,
            disease=diseases.get("儿童先天性心脏病", esrd),
            year=year,
            screening_date=day(seed_screening[child.pk]),
            hospital=city_hospital,
            status=CaseStatus.REFUSED,
            refusal_reason=REFUSAL_AWAY[0],
            refusal_note=REFUSAL_AWAY[1].format(day=day(REFUSAL_AWAY[2]).isoformat()),
        )
    )
    datian = [
        p
        for p in persons
        if p.household.village.name == "大田村"
        and p.sex == Sex.FEMALE
        and 40 <= _age(p, year) <= 55
    ]
    woman = pick(
        sorted(datian, key=lambda p: abs(_age(p, year) - 47))[:1]
        or [p for p in adults if p.sex == Sex.FEMALE]
    )
    seed_screening[woman.pk] = datetime.date(2018, 3, 6)
    cases.append(
        MajorIllnessCase(
            person=woman,
            disease=diseases.get("宫颈癌", esrd),
            year=year,
            screening_date=day(seed_screening[woman.pk]),
            hospital=county_hospital,
            status=CaseStatus.REFUSED,
            refusal_reason=REFUSAL_CANCER[0].format(year=year - 2),
            refusal_note=REFUSAL_CANCER[1].format(day=day(REFUSAL_CANCER[2]).isoformat()),
        )
    )
    cases = bulk_create_with_history(cases, MajorIllnessCase, batch_size=200)
    cases = list(
        MajorIllnessCase.objects.filter(year=year, person__pk__in=used)
        .select_related("person__household")
        .order_by("person__id_number")
    )

    calls = []
    for index, case in enumerate(cases):
        # Most cases were called within the last 90 days; every sixth one was not.
        quiet = index % 6 == 5
        last = (
            _day(rng, datetime.date(2018, 2, 1), datetime.date(2018, 2, 28))
            if quiet
            else _day(rng, datetime.date(2018, 3, 15), datetime.date(2018, 5, 31))
        )
        # Calls keep their distance to the as-of date (the 90 days without a call), and a
        # call after the screening stays after it.
        seed_last, last = last, calendar.recent(last)
        if seed_last >= seed_screening[case.person_id]:
            last = max(last, case.screening_date)
        first = max(case.screening_date, last - datetime.timedelta(days=rng.randint(30, 60)))
        centre = centres.get(case.person.household.township_id)
        caller = f"{centre.name}家庭医生" if centre else "家庭医生"
        for called_on in sorted({first, last}):
            if case.status == CaseStatus.DIED and called_on > day(datetime.date(2018, 4, 1)):
                continue
            calls.append(
                FollowUpCall(
                    case=case,
                    called_on=called_on,
                    caller_name=caller,
                    note="电话回访,了解治疗及报销情况",
                )
            )
    bulk_create_with_history(calls, FollowUpCall, batch_size=500)

    stays: list[InpatientStay] = []
    since = datetime.date(2017, 6, 5)
    # The treated dialysis patients: two or three stays each.
    for case in cases:
        if case.status not in (CaseStatus.TREATED, CaseStatus.DIED):
            continue
        for _ in range(rng.randint(2, 3)):
            out_of_county = rng.random() < 0.3
            stays.append(
                _stay(
                    rng,
                    case.person,
                    hospital=city_hospital if out_of_county else county_hospital,
                    in_county=not out_of_county,
                    discharged_on=max(
                        case.screening_date,
                        day(_day(rng, seed_screening[case.person_id], datetime.date(2018, 5, 31))),
                    ),
                    total=_money(rng.uniform(6000, 28000)),
                    personal_share=rng.uniform(0.03, 0.08),
                    case=case,
                )
            )
    # Three households with heavy own payments (the return-to-poverty watch).
    others = [p for p in adults if p.pk not in used]
    for _ in range(3):
        person = pick(others)
        for month in (8, 11, 3):
            seed_year = 2017 if month > 6 else 2018
            stays.append(
                _stay(
                    rng,
                    person,
                    hospital=city_hospital,
                    in_county=False,
                    discharged_on=day(datetime.date(seed_year, month, rng.randint(1, 28))),
                    total=_money(rng.uniform(52000, 68000)),
                    personal_share=rng.uniform(0.07, 0.095),
                )
            )
    # Everyday stays of other registered persons, mostly at township centres and the county.
    others = [p for p in persons if p.pk not in used and p.status == PersonStatus.NORMAL]
    breaches = ["deposit"] * 4 + ["not_one_stop"] * 4 + ["over_cap"] * 3
    while len(stays) < STAYS:
        person = pick(others)
        centre = centres.get(person.household.township_id)
        local = centre is not None and rng.random() < 0.55
        breach = breaches.pop() if breaches and rng.random() < 0.08 else ""
        stays.append(
            _stay(
                rng,
                person,
                hospital=centre if local else county_hospital,
                in_county=True,
                discharged_on=day(_day(rng, since, AS_OF)),
                total=_money(rng.uniform(1200, 4500) if local else rng.uniform(3000, 16000)),
                personal_share=rng.uniform(0.12, 0.2)
                if breach == "over_cap"
                else rng.uniform(0.02, 0.09),
                deposit_taken=breach == "deposit",
                one_stop=breach != "not_one_stop",
            )
        )
    bulk_create_with_history(stays, InpatientStay, batch_size=500)
