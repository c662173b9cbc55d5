"""Reads of the inspections app: scoped lists, campaign scores and the report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from healthpov.accounts.models import User
from healthpov.places.models import Institution, Place
from healthpov.places.scoping import places_visible_to
from inspections.models import Campaign, ChecklistItem, Finding, FindingCategory

DEDUCTION = ExpressionWrapper(
    Coalesce(F("checklist_item__deduction"), Value(Decimal("0"))) * F("person_times"),
    output_field=DecimalField(max_digits=10, decimal_places=2),
)


def campaigns_for(user: User) -> QuerySet[Campaign]:
    return (
        Campaign.objects.visible_to(user)
        .select_related("place")
        .annotate(
            finding_count=Count(
                "findings", filter=Q(findings__in=Finding.objects.visible_to(user)), distinct=True
            )
        )
        .order_by("-starts_on", "-id")
    )


def findings_for(
    user: User, *, campaign: Campaign | None = None, township: Place | None = None
) -> QuerySet[Finding]:
    qs = (
        Finding.objects.visible_to(user)
        .select_related(
            "campaign",
            "place",
            "township",
            "institution",
            "checklist_item",
            "inspector",
            "household",
            "person",
        )
        .annotate(photo_count=Count("photos"))
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if township is not None:
        qs = qs.filter(township=township)
    return qs


@dataclass(frozen=True)
class ScoreRow:
    name: str
    findings: int
    person_times: int
    deductions: Decimal
    score: Decimal


def township_scores(campaign: Campaign, user: User) -> list[ScoreRow]:
    """Start − deductions for every township the campaign inspects (and the user may see)."""
    totals = {
        row["township"]: row
        for row in Finding.objects.visible_to(user)
        .filter(campaign=campaign)
        .values("township")
        .annotate(n=Count("id"), pt=Sum("person_times"), d=Sum(DEDUCTION))
    }
    inspected = (
        places_visible_to(user)
        .filter(
            Q(inspection_groups__campaign=campaign) | Q(pk__in=list(totals)),
            level=Place.Level.TOWNSHIP,
        )
        .distinct()
    )
    rows = []
    for township in inspected.order_by("path"):
        t = totals.get(township.pk, {})
        deductions = t.get("d") or Decimal("0")
        rows.append(
            ScoreRow(
                name=township.name,
                findings=t.get("n", 0),
                person_times=t.get("pt") or 0,
                deductions=deductions,
                score=campaign.starting_score - deductions,
            )
        )
    return rows


def institution_scores(campaign: Campaign, user: User) -> list[ScoreRow]:
    """Start − deductions for every institution that has findings in the campaign."""
    totals = (
        Finding.objects.visible_to(user)
        .filter(campaign=campaign, institution__isnull=False)
        .values("institution")
        .annotate(n=Count("id"), pt=Sum("person_times"), d=Sum(DEDUCTION))
    )
    by_id = {row["institution"]: row for row in totals}
    names = dict(Institution.objects.filter(pk__in=by_id).values_list("pk", "name"))
    rows = []
    for pk, t in sorted(by_id.items(), key=lambda kv: names.get(kv[0], "")):
        deductions = t["d"] or Decimal("0")
        rows.append(
            ScoreRow(
                name=names[pk],
                findings=t["n"],
                person_times=t["pt"] or 0,
                deductions=deductions,
                score=campaign.starting_score - deductions,
            )
        )
    return rows


@dataclass(frozen=True)
class ItemRow:
    number: int
    title: str
    deduction: Decimal
    findings: int
    person_times: int
    deductions: Decimal


def checklist_summary(campaign: Campaign, user: User) -> list[ItemRow]:
    visible = Finding.objects.visible_to(user).filter(campaign=campaign)
    items = ChecklistItem.objects.filter(campaign=campaign).annotate(
        n=Count("findings", filter=Q(findings__in=visible)),
        pt=Coalesce(Sum("findings__person_times", filter=Q(findings__in=visible)), 0),
    )
    return [
        ItemRow(
            number=i.number,
            title=i.title,
            deduction=i.deduction,
            findings=i.n,
            person_times=i.pt,
            deductions=i.deduction * i.pt,
        )
        for i in items.order_by("number")
    ]


def category_summary(campaign: Campaign, user: User) -> list[tuple[str, int]]:
    labels = dict(FindingCategory.choices)
    rows = (
        Finding.objects.visible_to(user)
        .filter(campaign=campaign, checklist_item__isnull=True)
        .values("category")
        .annotate(n=Count("id"))
        .order_by("category")
    )
    return [(str(labels.get(r["category"], r["category"])), r["n"]) for r in rows]
