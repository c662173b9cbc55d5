"""Demo registry of the demo county (泰宁县, seed 000): 4972 persons in 1601 households.

Deterministic (``random.Random(DEMO_SEED)``; the persons are those of seed 000 in 2018, born
on the same days whatever the year the demo is built in) and idempotent (built once per county;
a second run changes nothing).
Every ID is a valid GB 11643 number with region code 350429.

**The demo's year** (:class:`DemoCalendar`). Seed 000 describes the county in 2018 as of
4 June. ``seed_demo`` builds it in the current year as of today by default (``--year 2018``
builds the historical county exactly, as of 2018-06-04). Every app's demo draws its dates in
the seed's frame, as seed 000 has them, and moves each through :meth:`DemoCalendar.date`, one
monotonic rule that keeps each date on its side of the year's start and of the as-of date:

- the seed's days of 2018 up to 4 June are spread over the demo year's days up to the as-of
  date (1 January stays 1 January, 4 June becomes the as-of date), so every dated record of the
  year exists by the as-of date, even early in the year, and no date is in the future;
- the seed's second half of 2017 (the twelve months before 4 June 2018 begin on 5 June 2017)
  is spread over the days from a year before the as-of date to the end of the year before, so
  "the last twelve months" (stays, the return-to-poverty watch) stay twelve months;
- earlier days move by the same number of days as 5 June 2017 did; days after 4 June 2018
  (expiry dates) keep their distance after the as-of date.

Records whose meaning is "so many days before the as-of date" (calls in the last 90 days) use
:meth:`DemoCalendar.recent` instead, and follow-ups are drawn per quarter of the demo year
(``signing.demo``), so the work lists show due, done and overdue quarters; early in the year
no quarter has ended yet, so none is overdue.

What other apps can rely on when they build their demo records on these persons:

- ``demo_persons(county)`` is the persons of the county ordered by ``id_number``: take slices
  of it (e.g. ``list(demo_persons(county))[:4878]``) or filter it; the order never changes.
- Everybody is on the roster of the demo year (``calendar.year``).
- Not out of poverty (未脱贫): 118 persons in 41 households (杉城 23, 朱口 12, 龙湖 20, 上青 4,
  下渠 27, 开善 12, 梅口 7, 大龙 10, 龙安 3); every other household is 已脱贫.
- Person statuses match seed 000's unsigned persons: 33 died (死亡), 49 away (长期外出),
  2 moved out (外迁), 6 missing (下落不明), 4 married out (外嫁); the other 4878 are normal.
- In 2018 about a quarter of the persons are elderly (born in or before 1953); 因病 is the main
  cause of about 45% of the households.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from healthpov.period import ReportingPeriod
from healthpov.places.demo import TOWNSHIPS
from healthpov.places.models import Place
from households.idnumber import make_resident_id
from households.models import (
    Cause,
    Health,
    Household,
    HouseholdType,
    Person,
    PersonStatus,
    PovertyStatus,
    Relation,
    RosterEntry,
)

DEMO_SEED = 20180604
DEMO_YEAR = 2018  # seed 000's year: the frame every demo date is drawn in
SEED_AS_OF = datetime.date(2018, 6, 4)  # the date of seed 000's circular
_SEED_YEAR_START = datetime.date(DEMO_YEAR, 1, 1)
_SEED_YEAR_AGO = SEED_AS_OF - datetime.timedelta(days=364)
REGION_CODE = "350429"
TOTAL_PERSONS = 4972
TOTAL_HOUSEHOLDS = 1601
# Households per township (sums to 1601).
HOUSEHOLDS_PER_TOWNSHIP = {
    "杉城镇": 300, "朱口镇": 180, "龙湖镇": 170, "上青乡": 140, "下渠乡": 200,
    "开善乡": 170, "梅口乡": 140, "大龙乡": 150, "龙安乡": 151,
}  # fmt: skip
# Not-yet-out-of-poverty persons and households per township (seed 000: 118 in 41).
NOT_OUT = {
    "杉城镇": (23, 8), "朱口镇": (12, 4), "龙湖镇": (20, 7), "上青乡": (4, 1), "下渠乡": (27, 9),
    "开善乡": (12, 4), "梅口乡": (7, 3), "大龙乡": (10, 3), "龙安乡": (3, 2),
}  # fmt: skip
SPECIAL_STATUSES = [
    (PersonStatus.DIED, 33),
    (PersonStatus.AWAY, 49),
    (PersonStatus.MOVED_OUT, 2),
    (PersonStatus.MISSING, 6),
    (PersonStatus.MARRIED_OUT, 4),
]
CAUSES = [
    (Cause.ILLNESS, 45), (Cause.DISABILITY, 15), (Cause.LABOUR, 10), (Cause.SKILLS, 9),
    (Cause.EDUCATION, 8), (Cause.FUNDS, 6), (Cause.LAND, 2), (Cause.DISASTER, 2),
    (Cause.WATER, 1), (Cause.TRANSPORT, 1), (Cause.MOTIVATION, 1),
]  # fmt: skip
SURNAMES = "陈林黄张李王吴刘蔡杨郑谢廖邱江肖罗叶何朱邓傅曾池"
GIVEN = "建国华明秀英兰芳金水春生福荣丽珍玉梅德贵海平志强桂香文清宝莲永长发云凤根"


@dataclass(frozen=True)
class DemoCalendar:
    """The year the demo county is built in and the date it is seen as of (see the module)."""

    year: int
    as_of: datetime.date

    @classmethod
    def of(cls, year: int | None = None, as_of: datetime.date | None = None) -> DemoCalendar:
        """The current year as of today by default; 2018 as of the seed's date; another past
        year as of its 31 December (the reporting period's default)."""
        if year is None:
            year = (as_of or ReportingPeriod.current().as_of).year
        if as_of is None:
            as_of = SEED_AS_OF if year == DEMO_YEAR else ReportingPeriod.for_year(year).as_of
        return cls(year=year, as_of=as_of)

    @classmethod
    def seed(cls) -> DemoCalendar:
        """Seed 000's own frame (2018 as of 4 June): every date as the seed has it."""
        return cls(year=DEMO_YEAR, as_of=SEED_AS_OF)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def _year_ago(self) -> datetime.date:
        # A year before the as-of date, and before 1 January (late in a leap year it is not).
        return min(self.as_of - datetime.timedelta(days=364), self.start - datetime.timedelta(1))

    def date(self, seed_day: datetime.date) -> datetime.date:
        """The demo year's day for a day of the seed's frame (the rule in the module's text)."""
        if seed_day < _SEED_YEAR_AGO:
            return seed_day + (self._year_ago - _SEED_YEAR_AGO)
        if seed_day < _SEED_YEAR_START:
            return _spread(seed_day, _SEED_YEAR_AGO, _SEED_YEAR_START, self._year_ago, self.start)
        if seed_day <= SEED_AS_OF:
            return _spread(seed_day, _SEED_YEAR_START, SEED_AS_OF, self.start, self.as_of)
        return seed_day + (self.as_of - SEED_AS_OF)

    def recent(self, seed_day: datetime.date) -> datetime.date:
        """A day as far before the as-of date as ``seed_day`` is before the seed's date."""
        return seed_day + (self.as_of - SEED_AS_OF)


def _spread(
    day: datetime.date,
    start: datetime.date,
    end: datetime.date,
    new_start: datetime.date,
    new_end: datetime.date,
) -> datetime.date:
    """``day`` of [start, end] at the same place in [new_start, new_end] (whole days, rounded
    down, so the order of days is kept and ``end`` maps to ``new_end``)."""
    span, new_span = (end - start).days, (new_end - new_start).days
    return new_start + datetime.timedelta(days=(day - start).days * new_span // span)


def demo_persons(county: Place) -> QuerySet[Person]:
    """The county's demo persons in a fixed order (by resident ID)."""
    return Person.objects.filter(household__village__path__startswith=county.path).order_by(
        "id_number"
    )


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _out_sizes(rng: random.Random, households: int, persons: int) -> list[int]:
    sizes = [rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6]) for _ in range(households)]
    while (difference := persons - sum(sizes)) != 0:
        index = rng.randrange(households)
        step = 1 if difference > 0 else -1
        if 1 <= sizes[index] + step <= 7:
            sizes[index] += step
    return sizes


class _Builder:
    def __init__(self) -> None:
        self.rng = random.Random(DEMO_SEED)
        self.used: set[str] = set()

    def name(self, surname: str | None = None) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
        return (surname or rng.choice(SURNAMES)) + given

    def birth(self, age: int) -> datetime.date:
        start = datetime.date(DEMO_YEAR - age, 1, 1)
        birth = start + datetime.timedelta(days=self.rng.randrange(365))
        return min(birth, datetime.date(DEMO_YEAR, 6, 1))

    def id_number(self, birth: datetime.date, male: bool) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            number = make_resident_id(REGION_CODE, birth, sequence)
            if number not in self.used:
                self.used.add(number)
                return number

    def members(self, size: int) -> list[tuple[str, int, bool]]:
        """(relation, age, male) for a household of ``size``."""
        rng = self.rng
        head_age = rng.choice([rng.randint(35, 64), rng.randint(35, 64), rng.randint(65, 88)])
        head_male = rng.random() < 0.85
        result = [(Relation.HEAD, head_age, head_male)]
        if size >= 2 and rng.random() < 0.85:
            result.append((Relation.SPOUSE, max(22, head_age + rng.randint(-6, 4)), not head_male))
        while len(result) < size:
            if (
                head_age < 55
                and rng.random() < 0.25
                and not any(r[0] == Relation.MOTHER for r in result)
            ):
                result.append((Relation.MOTHER, head_age + rng.randint(22, 32), False))
            elif head_age >= 60 and rng.random() < 0.4:
                male = rng.random() < 0.5
                relation = Relation.GRANDSON if male else Relation.GRANDDAUGHTER
                result.append((relation, max(1, head_age - rng.randint(45, 58)), male))
            else:
                male = rng.random() < 0.55
                relation = Relation.SON if male else Relation.DAUGHTER
                result.append((relation, max(1, head_age - rng.randint(20, 35)), male))
        return result


@transaction.atomic
def build_demo(county: Place, calendar: DemoCalendar | None = None) -> None:
    calendar = calendar or DemoCalendar.of()
    if Household.objects.filter(village__path__startswith=county.path).exists():
        return
    builder = _Builder()
    rng = builder.rng
    households: list[Household] = []
    for t_index, (township_name, village_names) in enumerate(TOWNSHIPS.items(), start=1):
        township = Place.objects.get(parent=county, name=township_name)
        villages = {v.name: v for v in Place.objects.filter(parent=township)}
        not_out_households = NOT_OUT[township_name][1]
        for serial in range(1, HOUSEHOLDS_PER_TOWNSHIP[township_name] + 1):
            v_index = (serial - 1) % len(village_names)
            poor = serial <= not_out_households
            households.append(
                Household(
                    number=f"{REGION_CODE}{t_index:02d}{v_index + 1:02d}{serial:04d}",
                    township=township,
                    village=villages[village_names[v_index]],
                    registration_year=rng.choice([2014, 2014, 2015, 2016, 2017]),
                    household_type=_weighted(
                        rng,
                        [
                            (HouseholdType.GENERAL, 75),
                            (HouseholdType.LOW_INCOME, 20),
                            (HouseholdType.DESTITUTE, 5),
                        ],
                    ),
                    poverty_status=PovertyStatus.NOT_OUT if poor else PovertyStatus.OUT,
                    main_cause=Cause.ILLNESS
                    if poor and rng.random() < 0.7
                    else _weighted(rng, CAUSES),
                )
            )
    # Sizes of the households that are out of poverty: exactly the remaining persons.
    out_indexes = [i for i, h in enumerate(households) if h.poverty_status == PovertyStatus.OUT]
    not_out_total = sum(p for p, _h in NOT_OUT.values())
    out_sizes = _out_sizes(rng, len(out_indexes), TOTAL_PERSONS - not_out_total)
    sizes_by_index: dict[int, int] = dict(zip(out_indexes, out_sizes, strict=True))
    for township_name in TOWNSHIPS:
        persons, count = NOT_OUT[township_name]
        poor_indexes = [
            i
            for i, h in enumerate(households)
            if h.poverty_status == PovertyStatus.NOT_OUT and h.township.name == township_name
        ]
        sizes_by_index.update(zip(poor_indexes, _split(persons, count), strict=True))
    persons: list[Person] = []
    owners: list[int] = []
    for index, household in enumerate(households):
        plan = builder.members(sizes_by_index[index])
        surname = rng.choice(SURNAMES)
        for relation, age, male in plan:
            birth = builder.birth(age)
            same_surname = relation not in {Relation.SPOUSE, Relation.MOTHER}
            person = Person(
                id_number=builder.id_number(birth, male),
                name=builder.name(surname if same_surname else None),
                sex="M" if male else "F",
                birth_date=birth,
                relation=relation,
                phone=f"13{rng.randrange(10**9):09d}" if relation == Relation.HEAD else "",
                insured=rng.random() < 0.99,
                health=_weighted(
                    rng,
                    [
                        (Health.HEALTHY, 60),
                        (Health.CHRONIC, 24),
                        (Health.MAJOR, 6),
                        (Health.DISABLED, 10),
                    ]
                    if age < 65
                    else [
                        (Health.HEALTHY, 35),
                        (Health.CHRONIC, 45),
                        (Health.MAJOR, 8),
                        (Health.DISABLED, 12),
                    ],
                ),
            )
            if relation == Relation.HEAD:
                household.head_name = person.name
                household.phone = person.phone
            persons.append(person)
            owners.append(index)
    special = rng.sample(range(len(persons)), sum(n for _s, n in SPECIAL_STATUSES))
    cursor = 0
    for status, count in SPECIAL_STATUSES:
        for index in special[cursor : cursor + count]:
            persons[index].status = status
        cursor += count
    Household.objects.bulk_create(households, batch_size=1000)
    if any(h.pk is None for h in households):
        ids = dict(
            Household.objects.filter(number__in=[h.number for h in households]).values_list(
                "number", "id"
            )
        )
        for household in households:
            household.pk = household.id = ids[household.number]
    for person, index in zip(persons, owners, strict=True):
        person.household = households[index]
    Person.objects.bulk_create(persons, batch_size=1000)
    if any(p.pk is None for p in persons):
        ids = dict(
            Person.objects.filter(id_number__in=[p.id_number for p in persons]).values_list(
                "id_number", "id"
            )
        )
        for person in persons:
            person.pk = person.id = ids[person.id_number]
    RosterEntry.objects.bulk_create(
        [RosterEntry(person=p, year=calendar.year) for p in persons], batch_size=1000
    )
