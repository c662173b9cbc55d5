"""Demo records of the inspections app for the demo county (called by ``seed_demo``, idempotent).

A post-assessment campaign after seed 001 (篇1): its four checklist items of 0.2 points per
person-time, three inspection groups (the demo user ``inspector`` leads the first, which
inspects 杉城镇, 朱口镇 and 龙湖镇 and the county hospital), and findings in several townships.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from healthpov.accounts.models import User
from healthpov.places.models import Institution, Place
from inspections import services
from inspections.models import Campaign

CAMPAIGN_NAME = "2026年健康扶贫成果后评估指标落实排查整改督查"

CHECKLIST = [
    (1, "脱贫人口中的农村低收入人口未按规定落实县域内“一站式”结算", "0.2"),
    (2, "未实现“先诊疗后付费”政策应享尽享", "0.2"),
    (3, "未按规定做好慢性病签约服务", "0.2"),
    (4, "乡镇卫生院服务能力未达到《乡镇卫生院服务能力标准》基本标准", "0.2"),
]

GROUPS = [
    ("第一督查组", ["杉城镇", "朱口镇", "龙湖镇"], ["泰宁县总医院"], True),
    ("第二督查组", ["上青乡", "下渠乡", "开善乡"], [], False),
    ("第三督查组", ["梅口乡", "大龙乡", "龙安乡"], [], False),
]

# (township, village or None, checklist number or category, person-times, days ago, text, photo)
FINDINGS = [
    (
        "杉城镇",
        "南会村",
        1,
        2,
        12,
        "2名脱贫户住院未在县域内落实“一站式”结算,需回原籍手工报销。",
        True,
    ),
    ("杉城镇", "际溪村", 3, 3, 11, "3名高血压签约患者本年度无随访记录,签约服务手册空白。", True),
    (
        "杉城镇",
        None,
        "ledger_incomplete",
        1,
        10,
        "大病专项救治台账不健全,回访记录填写不完整。",
        False,
    ),
    ("朱口镇", "朱口村", 2, 1, 9, "1名低保贫困户住院被收取押金2000元,未落实先诊疗后付费。", True),
    (
        "朱口镇",
        "龙湖村",
        "clinic_substandard",
        1,
        9,
        "村卫生室未设置“家庭医生团队公示牌”,门诊日志缺失。",
        True,
    ),
    (
        "龙湖镇",
        "儒坊村",
        "low_awareness",
        4,
        8,
        "4户贫困户不知道自己的家庭签约医生,政策知晓率低。",
        False,
    ),
    ("龙湖镇", None, 4, 1, 8, "镇卫生院服务能力未达到基本标准,全科医生配备不足。", False),
    ("上青乡", "崇际村", 3, 2, 7, "2名糖尿病患者只签约不服务,履约频次不足。", False),
    (
        "下渠乡",
        "大田村",
        "data_inconsistent",
        1,
        6,
        "卫生院贫困人口数据与乡扶贫站数据不一致,相差5人。",
        False,
    ),
    ("梅口乡", "水际村", "archives_disordered", 1, 5, "健康扶贫档案资料不全,标识不统一。", False),
]


def _photo(label: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), colour)
    ImageDraw.Draw(image).rectangle((40, 40, 600, 440), outline=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{label}.jpg", buffer.getvalue(), content_type="image/jpeg")


@transaction.atomic
def build_demo(county: Place) -> None:
    if Campaign.objects.filter(name=CAMPAIGN_NAME, place=county).exists():
        return
    county_user = User.objects.filter(username="county").first()
    inspector = User.objects.filter(username="inspector").first()
    if county_user is None:
        return
    today = timezone.localdate()
    campaign = services.campaign_create(
        name=CAMPAIGN_NAME,
        kind=Campaign.Kind.POST_ASSESSMENT,
        document_number="泰卫健〔2026〕18号",
        starts_on=today - dt.timedelta(days=14),
        ends_on=today + dt.timedelta(days=30),
        place=county,
        starting_score=Decimal("100"),
        actor=county_user,
    )
    items = {
        number: services.checklist_item_create(
            campaign=campaign,
            number=number,
            title=title,
            deduction=Decimal(points),
            actor=county_user,
        )
        for number, title, points in CHECKLIST
    }
    townships = {p.name: p for p in Place.objects.filter(parent=county, level=Place.Level.TOWNSHIP)}
    for name, township_names, institution_names, with_inspector in GROUPS:
        services.group_save(
            campaign=campaign,
            name=name,
            members=[inspector] if (with_inspector and inspector) else [],
            places=[townships[t] for t in township_names if t in townships],
            institutions=Institution.objects.filter(name__in=institution_names),
            actor=county_user,
        )
    group_one = set(GROUPS[0][1])
    for index, (township_name, village_name, kind, times, days_ago, text, photo) in enumerate(
        FINDINGS
    ):
        township = townships.get(township_name)
        if township is None:
            continue
        place = (
            Place.objects.filter(parent=township, name=village_name).first()
            if village_name
            else township
        )
        actor = inspector if (inspector and township_name in group_one) else county_user
        services.finding_create(
            campaign=campaign,
            place=place or township,
            institution=Institution.objects.filter(
                place=township, kind=Institution.Kind.HEALTH_CENTRE
            ).first()
            if village_name is None
            else None,
            checklist_item=items[kind] if isinstance(kind, int) else None,
            category="" if isinstance(kind, int) else kind,
            person_times=times,
            description=text,
            found_on=today - dt.timedelta(days=days_ago),
            photos=[_photo(f"demo-{index}", (40 + 20 * index, 90, 140))] if photo else [],
            actor=actor,
        )
