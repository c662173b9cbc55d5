"""The demo county's place tree, institutions and one user per role (idempotent)."""

from __future__ import annotations

from django.db import transaction

from healthpov.accounts.models import User
from healthpov.places.models import Institution, Place

DEMO_PASSWORD = "healthpov-demo-2026"

# The nine townships of seed 000, with a few villages each.
TOWNSHIPS: dict[str, list[str]] = {
    "杉城镇": ["南会村", "际溪村", "音山村", "城关社区"],
    "朱口镇": ["朱口村", "龙湖村", "石辋村"],
    "龙湖镇": ["龙湖村", "儒坊村", "际头村"],
    "上青乡": ["上青村", "崇际村", "孔坑村"],
    "下渠乡": ["下渠村", "大田村", "渠里村"],
    "开善乡": ["开善村", "儒地村", "肖家村"],
    "梅口乡": ["梅口村", "水际村", "拥坑村"],
    "大龙乡": ["大龙村", "张地村", "桥头村"],
    "龙安乡": ["龙安村", "洋坊村", "东坑村"],
}

# (username, role, township or None for county, display name)
DEMO_USERS: list[tuple[str, str, str | None, str]] = [
    ("county", User.Role.COUNTY_BUREAU, None, "县卫健局 张科长"),
    ("county2", User.Role.COUNTY_BUREAU, None, "县卫健局 李干事"),
    ("city", User.Role.CITY_BUREAU, None, "市卫健委 王处长"),
    ("shancheng", User.Role.TOWNSHIP_STAFF, "杉城镇", "杉城镇卫生院 陈医生"),
    ("zhukou", User.Role.TOWNSHIP_STAFF, "朱口镇", "朱口镇卫生院 林医生"),
    ("villagedoc", User.Role.VILLAGE_DOCTOR, "杉城镇", "南会村卫生所 黄医生"),
    ("inspector", User.Role.INSPECTOR, None, "督查组 周组长"),
    ("admin", User.Role.ADMIN, None, "信息科 管理员"),
]


def _place(name: str, level: str, parent: Place | None) -> Place:
    place, _ = Place.objects.get_or_create(name=name, parent=parent, defaults={"level": level})
    return place


@transaction.atomic
def build_places() -> Place:
    """Create (or find) 福建省 → 三明市 → 泰宁县 and its townships, villages and institutions."""
    province = _place("福建省", Place.Level.PROVINCE, None)
    city = _place("三明市", Place.Level.CITY, province)
    county = _place("泰宁县", Place.Level.COUNTY, city)
    if not county.code:
        county.code = "350429"
        county.save(update_fields=["code"])
    Institution.objects.get_or_create(
        name="泰宁县卫生健康局", place=county, defaults={"kind": Institution.Kind.BUREAU}
    )
    Institution.objects.get_or_create(
        name="泰宁县总医院", place=county, defaults={"kind": Institution.Kind.COUNTY_HOSPITAL}
    )
    Institution.objects.get_or_create(
        name="三明市第一医院", place=city, defaults={"kind": Institution.Kind.DESIGNATED_HOSPITAL}
    )
    for township_name, villages in TOWNSHIPS.items():
        township = _place(township_name, Place.Level.TOWNSHIP, county)
        Institution.objects.get_or_create(
            name=f"{township_name}卫生院",
            place=township,
            defaults={"kind": Institution.Kind.HEALTH_CENTRE},
        )
        for village_name in villages:
            village = _place(village_name, Place.Level.VILLAGE, township)
            Institution.objects.get_or_create(
                name=f"{village_name}卫生所",
                place=village,
                defaults={"kind": Institution.Kind.VILLAGE_CLINIC},
            )
    return county


@transaction.atomic
def build_users(county: Place) -> list[tuple[str, str, str]]:
    """One demo user per role; returns (username, role label, place) for printing."""
    printed = []
    for username, role, township_name, display in DEMO_USERS:
        if role == User.Role.CITY_BUREAU:
            place = county.parent
        elif township_name is None:
            place = county
        else:
            place = Place.objects.get(parent=county, name=township_name)
        if role == User.Role.VILLAGE_DOCTOR:
            place = Place.objects.get(parent=place, name="南会村")
        institution = Institution.objects.filter(place=place).order_by("pk").first()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "place": place,
                "institution": institution,
                "last_name": display,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if role == User.Role.ADMIN:
                user.is_staff = True
                user.is_superuser = True
            user.save()
        printed.append((username, str(User.Role(role).label), place.name))
    return printed
