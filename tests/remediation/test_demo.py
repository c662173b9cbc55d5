from healthpov.places.demo import build_places, build_users
from inspections import demo as inspections_demo
from inspections.models import Campaign, Finding, FindingPhoto
from remediation import demo as remediation_demo
from remediation.models import Accountability, Item, ItemState, ProgressReport, Revisit


def build(county):
    inspections_demo.build_demo(county)
    remediation_demo.build_demo(county)


def snapshot():
    return (
        Campaign.objects.count(),
        Finding.objects.count(),
        FindingPhoto.objects.count(),
        sorted((s, d is None) for s, d in Item.objects.values_list("state", "overdue_since")),
        Accountability.objects.count(),
        Revisit.objects.count(),
        ProgressReport.objects.count(),
    )


def test_demo_has_items_in_every_state_and_is_idempotent(db):
    county = build_places()
    build_users(county)
    build(county)
    first = snapshot()
    build(county)
    assert snapshot() == first
    states = set(Item.objects.values_list("state", flat=True))
    assert states == set(ItemState.values)
    assert Item.objects.filter(overdue_since__isnull=False).count() >= 3
    assert Finding.objects.values("township").distinct().count() >= 5
    assert Item.objects.filter(transitions__action="send_back").exists()
    assert Revisit.objects.count() == 1


def test_demo_inspector_sees_only_group_townships(db):
    from healthpov.accounts.models import User

    county = build_places()
    build_users(county)
    build(county)
    inspector = User.objects.get(username="inspector")
    townships = set(Finding.objects.visible_to(inspector).values_list("township__name", flat=True))
    assert townships == {"杉城镇", "朱口镇", "龙湖镇"}
