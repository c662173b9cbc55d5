"""Demo of the coverage app: the year's targets and snapshots of the demo county (idempotent).

Snapshots are taken at the last three month ends before the demo's as-of date and on that date
(in 2018: 31 March, 30 April, 31 May and 4 June, the date of seed 000's circular), so the trend
chart has points and the county's 工作情况表 as of that day shows the seed's figures.
"""

import datetime
from decimal import Decimal

from coverage.models import IndicatorTarget
from coverage.services import recompute_coverage
from healthpov.places.models import Place
from households.demo import DEMO_YEAR, SEED_AS_OF, DemoCalendar

DEMO_AS_OF = SEED_AS_OF  # seed 000's year and date: ``seed_demo --year 2018``
__all__ = ["DEMO_AS_OF", "DEMO_YEAR", "build_demo", "trend_dates"]

# Seed 000: signing (electronic included) and fulfilment must reach 100% by 30 June 2018.
DEMO_TARGETS = {
    "signing_rate": ("min", "1"),
    "e_signing_rate": ("min", "1"),
    "fulfilment_rate": ("min", "1"),
    "health_check_rate": ("min", "1"),
    "booklet_rate": ("min", "1"),
    "followup_compliance": ("min", "1"),
    "one_stop_rate": ("min", "1"),
    "no_deposit_rate": ("min", "1"),
    "in_county_rate": ("min", "0.9"),
}


def trend_dates(calendar: DemoCalendar) -> list[datetime.date]:
    """Up to three month ends of the demo year before its as-of date."""
    ends = [
        datetime.date(calendar.year, month + 1, 1) - datetime.timedelta(days=1)
        for month in range(1, 12)
    ] + [datetime.date(calendar.year, 12, 31)]
    return [end for end in ends if end < calendar.as_of][-3:]


def build_demo(county: Place, calendar: DemoCalendar | None = None) -> None:
    calendar = calendar or DemoCalendar.of()
    for code, (direction, target) in DEMO_TARGETS.items():
        IndicatorTarget.objects.get_or_create(
            year=calendar.year,
            code=code,
            defaults={"direction": direction, "target": Decimal(target)},
        )
    for day in [*trend_dates(calendar), calendar.as_of]:
        recompute_coverage(year=calendar.year, as_of=day)
