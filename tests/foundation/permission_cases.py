"""Permission cases of the foundation's URLs (home page, places API, the caller's account)."""

from tests.factories import VillageFactory
from tests.permissions import PermissionCase, Target

B_ONLY_VILLAGE = "朱口镇独有村"


def b_village(cast) -> Target:
    village = VillageFactory(name=B_ONLY_VILLAGE, parent=cast.township_b)
    return Target(kwargs={"pk": village.pk}, marker=B_ONLY_VILLAGE)


def b_village_listed(cast) -> Target:
    village = VillageFactory(name=B_ONLY_VILLAGE, parent=cast.township_b)
    return Target(marker=village.name)


CASES = [
    PermissionCase("home", "own"),
    PermissionCase("api-me", "own", api=True),
    PermissionCase("place-list", "list", make=b_village_listed, api=True),
    PermissionCase("place-detail", "detail", make=b_village, api=True),
]
