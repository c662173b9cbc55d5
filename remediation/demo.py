"""Demo records of the remediation app (called by ``seed_demo`` after inspections; idempotent).

Items from the demo campaign's findings and from a higher level's feedback (seed 001 篇5:
卫巡办通〔2026〕5号, with its 责任领导 and 责任科室), in every state: on the ledger, in
progress, awaiting verification, closed, sent back, overdue; a notice and a talk for the
overdue units; a closed item due for its six-month revisit; the weekly and monthly reports.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from healthpov.accounts.models import User
from healthpov.places.models import Institution, Place
from inspections.demo import CAMPAIGN_NAME
from inspections.models import Finding
from remediation import services
from remediation.models import Item, ItemSource, ItemTransition, ProgressReport

A = ItemTransition.Action
FEEDBACK_DOCUMENT = "卫巡办通〔2026〕5号"

# (problem, measures, leader, unit, township or None for county level)
FEEDBACK_ITEMS = [
    (
        "党员、干部对脱贫攻坚政策及相关内容掌握不到位。",
        "将脱贫攻坚政策纳入党委中心组学习;每周推送健康扶贫知识;每季度培训测试一次。",
        "王副局长",
        "医政医改科",
        None,
    ),
    (
        "健康扶贫政策宣传不深入,乡村两级医疗机构未充分利用健康教育大课堂。",
        "制定健康扶贫政策宣传工作方案;在候诊大厅循环播放惠民政策;入户发放宣传品。",
        "李副局长",
        "",
        "开善乡",
    ),
    (
        "部分村医签约率低于50%,随访次数不够,签约服务流于形式。",
        "充实签约团队,落实免费体检和季度随访,确保签约一人、管理一人、履约一人。",
        "陈副局长",
        "",
        "大龙乡",
    ),
]


def _photo(n: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 360), (30 + 30 * n, 140, 90)).save(buffer, format="JPEG")
    return SimpleUploadedFile(f"evidence-{n}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _unit_user(township: Place | None) -> User | None:
    if township is None:
        return None
    return User.objects.filter(place=township, role=User.Role.TOWNSHIP_STAFF).order_by("pk").first()


def _advance(item: Item, steps: list[str], worker: User, verifier: User, n: int) -> None:
    for step in steps:
        if step == A.START:
            services.item_transition(item_id=item.pk, action=A.START, actor=worker)
        elif step == A.SUBMIT:
            services.item_transition(
                item_id=item.pk,
                action=A.SUBMIT,
                actor=worker,
                note="已入户核查整改,照片为佐证材料。",
                photos=[_photo(n)],
            )
        elif step == A.SEND_BACK:
            services.item_transition(
                item_id=item.pk,
                action=A.SEND_BACK,
                actor=verifier,
                note="佐证材料不全,缺少随访记录照片。",
            )
        elif step == A.CLOSE:
            services.item_transition(item_id=item.pk, action=A.CLOSE, actor=verifier)


@transaction.atomic
def build_demo(county: Place) -> None:
    if Item.objects.filter(place__path__startswith=county.path).exists():
        return
    county_user = User.objects.filter(username="county").first()
    verifier = User.objects.filter(username="county2").first()
    if county_user is None or verifier is None:
        return
    today = timezone.localdate()
    findings = list(
        Finding.objects.filter(campaign__name=CAMPAIGN_NAME, campaign__place=county)
        .select_related("township", "place", "institution")
        .order_by("found_on", "id")
    )
    # Each finding's item ends in a different state; (deadline in days, steps).
    plans = [
        (20, [A.START, A.SUBMIT, A.CLOSE]),
        (15, [A.START, A.SUBMIT]),
        (5, [A.START]),
        (25, []),
        (10, [A.START, A.SUBMIT, A.SEND_BACK]),
        (-6, [A.START]),  # overdue, in progress
        (-3, []),  # overdue, still on the ledger
        (30, [A.START, A.SUBMIT, A.CLOSE]),
        (12, [A.START]),
        (-10, [A.START, A.SUBMIT]),  # overdue while awaiting verification
    ]
    created: list[tuple[Item, int]] = []
    for n, (finding, (days, steps)) in enumerate(zip(findings, plans, strict=False)):
        item = services.item_create(
            source=ItemSource.FINDING,
            finding=finding,
            problem=finding.description,
            measures="立行立改:逐户核查、补齐台账与服务记录,整改情况以图片为佐证。",
            responsible_leader="分管副院长",
            responsible_institution=finding.institution
            or Institution.objects.filter(
                place=finding.township, kind=Institution.Kind.HEALTH_CENTRE
            ).first(),
            deadline=today + dt.timedelta(days=max(days, 1)),
            place=finding.place,
            actor=county_user,
        )
        worker = _unit_user(finding.township) or county_user
        _advance(item, steps, worker, verifier, n)
        created.append((item, days))
    townships = {p.name: p for p in Place.objects.filter(parent=county, level=Place.Level.TOWNSHIP)}
    for n, (problem, measures, leader, unit, township_name) in enumerate(FEEDBACK_ITEMS):
        township = townships.get(township_name) if township_name else None
        item = services.item_create(
            source=ItemSource.FEEDBACK,
            feedback_document=FEEDBACK_DOCUMENT,
            problem=problem,
            measures=measures,
            responsible_leader=leader,
            responsible_unit_text=unit,
            responsible_institution=None
            if unit
            else Institution.objects.filter(
                place=township, kind=Institution.Kind.HEALTH_CENTRE
            ).first(),
            deadline=today + dt.timedelta(days=30),
            place=township or county,
            actor=county_user,
        )
        created.append((item, -20 if n == 2 else 30))
    # Deadlines in the past cannot be entered; the demo moves them back as time would have.
    for item, days in created:
        if days < 0:
            Item.objects.filter(pk=item.pk).update(deadline=today + dt.timedelta(days=days))
    services.items_process_deadlines(today=today)
    overdue = Item.objects.filter(place__path__startswith=county.path, overdue_since__isnull=False)
    for kind, item in zip(
        ["notice", "talk"],
        overdue.select_related("township").order_by("deadline")[:2],
        strict=False,
    ):
        if item.township is None:
            continue
        services.accountability_record(
            kind=kind,
            place=item.township,
            institution=item.responsible_institution,
            person_named="卫生院院长" if kind == "talk" else "",
            document_number="泰卫健通〔2026〕7号" if kind == "notice" else "",
            held_on=today,
            reason="整改事项逾期未完成,整改不力。",
            items=[item],
            actor=county_user,
        )
    # A closed item from seven months ago comes due for its revisit (回头看).
    closed = (
        Item.objects.filter(place__path__startswith=county.path, state="closed")
        .order_by("pk")
        .first()
    )
    if closed is not None:
        Item.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - dt.timedelta(days=200))
        services.revisits_create_due(today=today)
    services.progress_report_build(
        kind=ProgressReport.Kind.WEEKLY, county_id=county.pk, today=today
    )
    services.progress_report_build(
        kind=ProgressReport.Kind.MONTHLY, county_id=county.pk, today=today
    )
