"""Permission cases of the foundation's URLs (home page, places API, the caller's account)."""

from healthpov.notifications.models import Notification
from tests.factories import VillageFactory
from tests.permissions import PermissionCase, Target

B_ONLY_VILLAGE = "朱口镇独有村"


def b_village(cast) -> Target:
    village = VillageFactory(name=B_ONLY_VILLAGE, parent=cast.township_b)
    return Target(kwargs={"pk": village.pk}, marker=B_ONLY_VILLAGE)


def b_village_listed(cast) -> Target:
    village = VillageFactory(name=B_ONLY_VILLAGE, parent=cast.township_b)
    return Target(marker=village.name)


NOTE_MARKER = "朱口镇消息标记B"


def notification_of_county_user(cast) -> Target:
    """A notification of the county user: anybody else gets 404."""
    note = Notification.objects.create(
        recipient=cast.county_user, kind="overdue", message=NOTE_MARKER
    )
    return Target(kwargs={"pk": note.pk})


def notifications_listed(cast) -> Target:
    """A's list never shows B's notifications; the county user sees their own."""
    Notification.objects.create(recipient=cast.user_b, kind="new_item", message=NOTE_MARKER)
    Notification.objects.create(recipient=cast.county_user, kind="overdue", message=NOTE_MARKER)
    return Target(marker=NOTE_MARKER)


CASES = [
    PermissionCase("home", "own"),
    PermissionCase("api-me", "own", api=True),
    PermissionCase("place-list", "list", make=b_village_listed, api=True),
    PermissionCase("place-detail", "detail", make=b_village, api=True),
    PermissionCase("notifications:notification_list", "list", notifications_listed),
    PermissionCase(
        "notifications:notification_read",
        "detail",
        notification_of_county_user,
        methods=("post",),
    ),
    PermissionCase("notifications:notifications_read_all", "own", methods=("post",)),
    PermissionCase("notifications:notification_count", "own"),
]
