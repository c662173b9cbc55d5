"""Demo of the coverage app: the year's targets and snapshots of the demo county (idempotent).

Snapshots are taken at month ends and on 2018-06-04, the date of seed 000's circular, so the
trend chart has points and the county's 工作情况表 as of that day shows the seed's figures.
"""

import datetime
from decimal import Decimal

from coverage.models import IndicatorTarget
from coverage.services import recompute_coverage
from healthpov.places.models import Place

DEMO_YEAR = 2018
DEMO_AS_OF = datetime.date(2018, 6, 4)
TREND_DATES = [datetime.date(2018, 3, 31), datetime.date(2018, 4, 30), datetime.date(2018, 5, 31)]

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


def build_demo(county: Place) -> None:
    for code, (direction, target) in DEMO_TARGETS.items():
        IndicatorTarget.objects.get_or_create(
            year=DEMO_YEAR, code=code, defaults={"direction": direction, "target": Decimal(target)}
        )
    for day in [*TREND_DATES, DEMO_AS_OF]:
        recompute_coverage(year=DEMO_YEAR, as_of=day)
