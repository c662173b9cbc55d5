"""Demo signing records of the demo county, matching seed 000 (泰宁县, as of 2018-06-04).

Built on the registry demo's persons (``households.demo.demo_persons``, ordered by resident
ID), deterministic (``random.Random(DEMO_SEED)``) and idempotent (nothing is written when the
county already has contracts for the demo year). Dates are drawn in the seed's frame and moved
into the demo year by ``households.demo.DemoCalendar``; follow-ups are drawn per quarter of the
demo year. Records are bulk-created, so they have no history rows. What the figures come to
(the coverage helper's indicators, for the demo year as of its as-of date):

- signed 4878: every person whose status is 正常; the 94 others have a not-signed record with
  the reason matching their status: 49 away / 33 died / 2 moved / 6 missing / 4 married out;
- electronic 2069, of them 541 elderly (born in or before the year - 65), 287 with hypertension
  and 47 with type-2 diabetes (registered chronic diseases); more hypertension, diabetes,
  tuberculosis and mental-disorder patients among the paper-signed;
- 1755 persons with a health check in the year;
- 925 persons with a special-disease diagnosis, 703 of them with a valid booklet; the 222
  others are not applied, applied, or issued but expired (counted as pending);
- 2246 brochures: one per household (1601) and a second copy for 645 households;
- reminder slips and policy publicity for part of the persons; a follow-up in most ended
  quarters of the year (about one in seven is missed: overdue) and in about half of the
  current quarter (the others are due).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from healthpov.places.models import Institution, Place
from households.demo import DEMO_YEAR, DemoCalendar, demo_persons
from households.models import Person, PersonStatus
from signing.catalogue import diseases_in_force, ensure_default_catalogue
from signing.models import (
    DEFAULT_REQUIRED_ITEMS,
    Booklet,
    BookletStatus,
    ChronicKind,
    ChronicRegistration,
    Contract,
    Disease,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    ServicePackage,
    SignMethod,
    SpecialDiseaseDiagnosis,
    Team,
    UnsignedReason,
    UnsignedRecord,
    YearPolicy,
)

DEMO_SEED = 20180604
DEMO_AS_OF = datetime.date(2018, 6, 4)  # the seed's frame (households.demo.DemoCalendar)

SIGNED = 4878
E_SIGNED = 2069
E_SIGNED_ELDERLY = 541
E_SIGNED_HYPERTENSION = 287
E_SIGNED_DIABETES = 47
HEALTH_CHECKED = 1755
SPECIAL_DISEASE_PERSONS = 925
VALID_BOOKLETS = 703
BROCHURES = 2246

REASON_OF_STATUS = {
    PersonStatus.AWAY: UnsignedReason.AWAY,
    PersonStatus.DIED: UnsignedReason.DIED,
    PersonStatus.MOVED_OUT: UnsignedReason.MOVED,
    PersonStatus.MISSING: UnsignedReason.MISSING,
    PersonStatus.MARRIED_OUT: UnsignedReason.MARRIED,
}
CONTACT_NOTES = {
    UnsignedReason.AWAY: "长期在外务工,电话联系未接通,已告知家属签约政策",
    UnsignedReason.DIED: "经村委会核实已死亡",
    UnsignedReason.MOVED: "户口已迁出本县,村委会证明",
    UnsignedReason.MISSING: "多次入户未见本人,家属称下落不明",
    UnsignedReason.MARRIED: "已外嫁外县,电话告知政策",
}
PACKAGES = [
    ("基础包", Decimal("0.00"), "基本公共卫生服务经费", "免费,由基本公共卫生服务经费支付"),
    ("B1", Decimal("120.00"), "医保基金 70 元,财政补助 50 元,个人 0 元", "医保基金、财政补助"),
    ("B2", Decimal("180.00"), "医保基金 100 元,财政补助 80 元,个人 0 元", "医保基金、财政补助"),
]
DOCTORS = "陈林黄张李王吴刘蔡杨"


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _elderly(person: Person, year: int) -> bool:
    return person.birth_date.year <= year - 65


def _catalogue_and_policy(year: int) -> dict[str, ServicePackage]:
    ensure_default_catalogue(year)
    YearPolicy.objects.get_or_create(
        year=year,
        defaults={"required_items": list(DEFAULT_REQUIRED_ITEMS), "followups_per_year": 4},
    )
    packages = {}
    for name, fee, makeup, payer in PACKAGES:
        packages[name], _created = ServicePackage.objects.get_or_create(
            year=year,
            name=name,
            defaults={"fee": fee, "fee_makeup": makeup, "payer": payer, "services": "见服务协议"},
        )
    return packages


def _teams(county: Place) -> dict[int, Team]:
    """One team per township health centre, covering the township's villages; by village id."""
    by_village = {}
    centres = Institution.objects.filter(
        kind=Institution.Kind.HEALTH_CENTRE, place__path__startswith=county.path
    ).select_related("place")
    for index, centre in enumerate(centres.order_by("place__path")):
        team, _created = Team.objects.get_or_create(
            institution=centre,
            name=f"{centre.place.name}家庭医生团队",
            defaults={"lead_doctor_name": f"{DOCTORS[index % len(DOCTORS)]}医生"},
        )
        villages = list(centre.place.children.all())
        team.villages.set(villages)
        for village in villages:
            by_village[village.pk] = team
    return by_village


@transaction.atomic
def build_demo(county: Place, calendar: DemoCalendar | None = None) -> None:
    calendar = calendar or DemoCalendar.of()
    persons = list(demo_persons(county).select_related("household"))
    if not persons:
        return
    packages = _catalogue_and_policy(calendar.year)
    teams = _teams(county)
    if Contract.objects.filter(person__in=demo_persons(county), year=calendar.year).exists():
        return
    rng = random.Random(DEMO_SEED)
    diseases: dict[str, Disease] = {d.name: d for d in diseases_in_force(calendar.year)}

    signed = [p for p in persons if p.status == PersonStatus.NORMAL]
    gone = [p for p in persons if p.status != PersonStatus.NORMAL]
    _unsigned(gone, rng, calendar)

    elderly = [p for p in signed if _elderly(p, calendar.year)]
    younger = [p for p in signed if not _elderly(p, calendar.year)]
    electronic = elderly[:E_SIGNED_ELDERLY] + younger[: E_SIGNED - E_SIGNED_ELDERLY]
    electronic_ids = {p.pk for p in electronic}
    paper = [p for p in signed if p.pk not in electronic_ids]
    _contracts(signed, electronic_ids, teams, packages, rng, calendar)

    # Chronic patients: the e-signed figures exactly, and more among the paper-signed.
    chronic = {
        ChronicKind.HYPERTENSION: electronic[:E_SIGNED_HYPERTENSION] + paper[0:1200:4],
        ChronicKind.DIABETES: electronic[
            E_SIGNED_HYPERTENSION : E_SIGNED_HYPERTENSION + E_SIGNED_DIABETES
        ]
        + paper[1:1200:12],
        ChronicKind.TUBERCULOSIS: paper[2:1200:90],
        ChronicKind.MENTAL: paper[3:1200:60],
    }
    _chronic(chronic, diseases, rng, calendar)

    checked = sorted(rng.sample(signed, HEALTH_CHECKED), key=lambda p: p.id_number)
    _health_checks(checked, teams, rng, calendar)
    _special_diseases(signed, diseases, rng, calendar)
    _fulfilment(persons, signed, rng, calendar)


def _unsigned(gone: list[Person], rng: random.Random, calendar: DemoCalendar) -> None:
    records = []
    for person in gone:
        reason = REASON_OF_STATUS.get(person.status, UnsignedReason.AWAY)
        records.append(
            UnsignedRecord(
                person=person,
                year=calendar.year,
                reason=reason,
                recorded_on=calendar.date(_day(rng, datetime.date(2018, 2, 1), DEMO_AS_OF)),
                contact_note=CONTACT_NOTES[reason],
            )
        )
    UnsignedRecord.objects.bulk_create(records)


def _contracts(signed, electronic_ids, teams, packages, rng, calendar) -> None:
    contracts = []
    for person in signed:
        team = teams.get(person.household.village_id)
        package = packages["B1" if rng.random() < 0.3 else "基础包"]
        contracts.append(
            Contract(
                person=person,
                year=calendar.year,
                team=team,
                team_name=team.name if team else "",
                doctor_name=f"{rng.choice(DOCTORS)}医生",
                signed_on=calendar.date(_day(rng, datetime.date(2018, 1, 2), DEMO_AS_OF)),
                valid_until=datetime.date(calendar.year, 12, 31),
                method=SignMethod.ELECTRONIC if person.pk in electronic_ids else SignMethod.PAPER,
                package=package,
                package_name=package.name,
            )
        )
    Contract.objects.bulk_create(contracts, batch_size=1000)


def _chronic(chronic, diseases, rng, calendar: DemoCalendar) -> None:
    by_kind = {d.chronic_kind: d for d in diseases.values() if d.chronic_kind}
    registrations, followups = [], []
    quarters = _quarters(calendar)
    for kind, patients in chronic.items():
        for person in patients:
            diagnosed = _day(rng, datetime.date(2008, 1, 1), datetime.date(2018, 5, 20))
            diagnosed = max(calendar.date(max(diagnosed, person.birth_date)), person.birth_date)
            registrations.append(
                ChronicRegistration(
                    person=person,
                    disease=by_kind[kind],
                    diagnosed_on=diagnosed,
                    managing_doctor_name=f"{rng.choice(DOCTORS)}医生",
                )
            )
            # Follow-ups per quarter: most ended quarters have one, about half of the current
            # quarter already has one (in 2018 as of 4 June: Q1 ended, Q2 current).
            for start, end in quarters:
                if end < calendar.as_of:
                    if diagnosed <= end and rng.random() < 0.85:
                        followups.append(
                            FulfilmentRecord(
                                person=person,
                                kind=FulfilmentKind.FOLLOW_UP,
                                served_on=_day(rng, start + datetime.timedelta(days=4), end),
                                staff_name=f"{rng.choice(DOCTORS)}医生",
                                note="血压血糖随访",
                            )
                        )
                elif rng.random() < 0.45:
                    followups.append(
                        FulfilmentRecord(
                            person=person,
                            kind=FulfilmentKind.FOLLOW_UP,
                            served_on=_day(rng, max(start, diagnosed), calendar.as_of),
                            staff_name=f"{rng.choice(DOCTORS)}医生",
                            note="季度随访",
                        )
                    )
    ChronicRegistration.objects.bulk_create(registrations, batch_size=1000)
    FulfilmentRecord.objects.bulk_create(followups, batch_size=1000)


def _quarters(calendar: DemoCalendar) -> list[tuple[datetime.date, datetime.date]]:
    """The calendar quarters of the demo year that have begun by the as-of date."""
    result = []
    for first_month in (1, 4, 7, 10):
        start = datetime.date(calendar.year, first_month, 1)
        end = (
            datetime.date(calendar.year, first_month + 3, 1) - datetime.timedelta(days=1)
            if first_month < 10
            else datetime.date(calendar.year, 12, 31)
        )
        if start <= calendar.as_of:
            result.append((start, end))
    return result


def _record(person, kind, rng, start, end, calendar: DemoCalendar, note="") -> FulfilmentRecord:
    """A record dated between two days of the seed's year (month, day), moved into the demo
    year."""
    seed_day = _day(rng, datetime.date(DEMO_YEAR, *start), datetime.date(DEMO_YEAR, *end))
    return FulfilmentRecord(
        person=person,
        kind=kind,
        served_on=calendar.date(seed_day),
        staff_name=f"{rng.choice(DOCTORS)}医生",
        note=note,
    )


def _health_checks(checked, teams, rng, calendar: DemoCalendar) -> None:
    checks = []
    for person in checked:
        team = teams.get(person.household.village_id)
        abnormal = "血压偏高" if rng.random() < 0.15 else ""
        checks.append(
            HealthCheck(
                person=person,
                checked_on=calendar.date(_day(rng, datetime.date(2018, 1, 8), DEMO_AS_OF)),
                institution=team.institution if team else None,
                institution_name=team.institution.name if team else "",
                summary="一般情况良好" if not abnormal else "建议复查血压",
                abnormal_findings=abnormal,
                fed_back=rng.random() < 0.8,
            )
        )
    HealthCheck.objects.bulk_create(checks, batch_size=1000)


def _special_diseases(signed, diseases, rng, calendar: DemoCalendar) -> None:
    special = [d for d in diseases.values() if d.is_special_outpatient]
    special.sort(key=lambda d: d.name)
    patients = sorted(rng.sample(signed, SPECIAL_DISEASE_PERSONS), key=lambda p: p.id_number)
    seed_days = []  # each diagnosis' day in the seed's frame
    diagnoses = []
    for person in patients:
        disease = rng.choice(special)
        seed_day = max(
            person.birth_date, _day(rng, datetime.date(2010, 1, 1), datetime.date(2018, 3, 1))
        )
        seed_days.append(seed_day)
        diagnoses.append(
            SpecialDiseaseDiagnosis(
                person=person,
                disease=disease,
                diagnosed_on=max(person.birth_date, calendar.date(seed_day)),
            )
        )
    SpecialDiseaseDiagnosis.objects.bulk_create(diagnoses, batch_size=1000)
    day = calendar.date
    booklets = []
    for index, (diagnosis, diagnosed) in enumerate(zip(diagnoses, seed_days, strict=True)):
        if index < VALID_BOOKLETS:
            issued = _day(rng, max(diagnosed, datetime.date(2016, 6, 1)), DEMO_AS_OF)
            booklets.append(
                Booklet(
                    diagnosis=diagnosis,
                    status=BookletStatus.ISSUED,
                    applied_on=day(issued - datetime.timedelta(days=10)),
                    number=f"TN{day(issued):%Y}-{index + 1:05d}",
                    issued_on=day(issued),
                    # A few expire within 30 days of the as-of date (the expiring work list).
                    expires_on=day(
                        datetime.date(2018, 6, 20)
                        if index % 40 == 0
                        else issued.replace(year=issued.year + 3) - datetime.timedelta(days=1)
                    ),
                )
            )
        elif index % 3 == 0:
            booklets.append(Booklet(diagnosis=diagnosis, status=BookletStatus.PENDING))
        elif index % 3 == 1:
            booklets.append(
                Booklet(
                    diagnosis=diagnosis,
                    status=BookletStatus.APPLIED,
                    applied_on=calendar.as_of,
                )
            )
        else:  # issued long ago and expired: counts as pending again
            issued = day(datetime.date(2014, 3, 20))
            booklets.append(
                Booklet(
                    diagnosis=diagnosis,
                    status=BookletStatus.ISSUED,
                    applied_on=day(datetime.date(2014, 3, 1)),
                    number=f"TN{issued:%Y}-{index + 1:05d}",
                    issued_on=issued,
                    expires_on=day(datetime.date(2017, 3, 19)),
                )
            )
    Booklet.objects.bulk_create(booklets, batch_size=1000)


def _fulfilment(persons, signed, rng, calendar: DemoCalendar) -> None:
    records = []
    first_of_household: dict[int, Person] = {}
    for person in persons:
        first_of_household.setdefault(person.household_id, person)
    households = list(first_of_household.values())
    for person in households:
        records.append(
            _record(person, FulfilmentKind.BROCHURE, rng, (1, 10), (4, 30), calendar, "宣传册")
        )
    for person in households[: BROCHURES - len(households)]:
        records.append(
            _record(person, FulfilmentKind.BROCHURE, rng, (5, 2), (6, 4), calendar, "补发宣传册")
        )
    for person in signed:
        if rng.random() < 0.82:
            records.append(
                _record(person, FulfilmentKind.REMINDER_SLIP, rng, (1, 10), (6, 4), calendar)
            )
        if rng.random() < 0.75:
            records.append(
                _record(person, FulfilmentKind.POLICY_PUBLICITY, rng, (1, 10), (6, 4), calendar)
            )
    FulfilmentRecord.objects.bulk_create(records, batch_size=2000)
