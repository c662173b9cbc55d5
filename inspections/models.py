"""Inspection campaigns, the groups that carry them out, their checklists and findings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from healthpov.choices import ChoiceLabels
from healthpov.places.models import Institution, Place
from healthpov.places.scoping import ScopedQuerySet, scope_q


class CampaignQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> CampaignQuerySet:
        """Bureau staff see campaigns run in their subtree; others see those inspecting them."""
        inspected = Campaign.objects.filter(scope_q(user, "groups__places")).values("pk")
        q = Q(pk__in=inspected)
        if user.is_authenticated and user.is_county_level:
            q |= scope_q(user, "place")
        return self.filter(q)


class Campaign(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("Supervision")  # 督导
        SELF_CHECK = "self_check", _("Self-check")  # 自查
        UNANNOUNCED = "unannounced", _("Unannounced visit")  # 暗访
        POST_ASSESSMENT = "post_assessment", _("Post-assessment")  # 后评估
        REVISIT = "revisit", _("Revisit")  # 回头看

    name = models.CharField(pgettext_lazy("campaign", "name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    document_number = models.CharField(_("issuing document number"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    place = models.ForeignKey(
        Place,
        verbose_name=_("organising place"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("The county (or city) that runs the campaign."),
    )
    starting_score = models.DecimalField(
        _("starting score"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Every township and institution starts from this score; findings deduct from it."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = CampaignQuerySet.as_manager()
    scope_place_lookup = "place"

    class Meta:
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name


class InspectionGroupQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> InspectionGroupQuerySet:
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class InspectionGroup(models.Model):
    """A group of inspectors; its members see only the places assigned to it."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(pgettext_lazy("campaign", "name"), max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("inspection group", "members"),
        related_name="inspection_groups",
        blank=True,
    )
    places = models.ManyToManyField(
        Place, verbose_name=_("assigned places"), related_name="inspection_groups", blank=True
    )
    institutions = models.ManyToManyField(
        Institution,
        verbose_name=_("assigned institutions"),
        related_name="inspection_groups",
        blank=True,
    )
    history = HistoricalRecords(m2m_fields=[members, places, institutions])

    objects = InspectionGroupQuerySet.as_manager()
    scope_place_lookup = "campaign__place"

    class Meta:
        verbose_name = _("inspection group")
        verbose_name_plural = _("inspection groups")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.name}"


class ChecklistItemQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> ChecklistItemQuerySet:
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class ChecklistItem(models.Model):
    """One indicator of a campaign's checklist, e.g. "一站式结算未落实: 每人次扣0.2分"."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="checklist_items",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("item"), max_length=300)
    deduction = models.DecimalField(
        _("deduction per person-time"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    history = HistoricalRecords()

    objects = ChecklistItemQuerySet.as_manager()
    scope_place_lookup = "campaign__place"

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"], name="checklist_item_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class FindingCategory(models.TextChoices):
    """Free categories for findings outside the checklist (docs/domain.md "Inspections")."""

    SIGNED_NOT_SERVED = "signed_not_served", _("Signed but not served")  # 只签约不服务
    LEDGER_INCOMPLETE = "ledger_incomplete", _("Ledger incomplete")  # 台账不健全
    LOW_AWARENESS = "low_awareness", _("Low policy awareness")  # 政策知晓率低
    DATA_INCONSISTENT = "data_inconsistent", _("Data inconsistent with the poverty office")
    ARCHIVES_DISORDERED = "archives_disordered", _("Archives disordered")  # 档案管理不规范
    CLINIC_SUBSTANDARD = "clinic_substandard", _("Village clinic not up to standard")
    STAY_BREACH = "stay_breach", _("Inpatient stay breach")  # 押金/未一站式/自付超标
    UNSIGNED_NO_REASON = "unsigned_no_reason", _("Unsigned with no recorded reason")
    FOLLOWUP_OVERDUE = "followup_overdue", _("Follow-up overdue")
    OTHER = "other", _("Other")


class Finding(ChoiceLabels, models.Model):
    """A problem found during a campaign (问题), with photos as evidence (佐证材料)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="findings"
    )
    group = models.ForeignKey(
        InspectionGroup,
        verbose_name=_("inspection group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    place = models.ForeignKey(
        Place,
        verbose_name=_("place"),
        on_delete=models.PROTECT,
        related_name="findings",
        help_text=_("The township or village where the problem was found."),
    )
    township = models.ForeignKey(
        Place,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    checklist_item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    category = models.CharField(
        _("category"), max_length=30, choices=FindingCategory.choices, blank=True
    )
    description = models.TextField(_("description"))
    person_times = models.PositiveIntegerField(
        _("person-times"), default=1, validators=[MinValueValidator(1)]
    )
    found_on = models.DateField(_("date found"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    # Where a one-click "raise as a finding" came from (a stay, a person, a follow-up).
    source_kind = models.CharField(_("source"), max_length=30, blank=True)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "place"

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["campaign", "township"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(checklist_item__isnull=True, category=""),
                name="finding_has_item_or_category",
            ),
            models.UniqueConstraint(
                fields=["campaign", "source_kind", "source_id"],
                condition=~Q(source_kind=""),
                name="finding_unique_source_per_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} · {self.description[:30]}"

    @property
    def kind_label(self) -> str:
        if self.checklist_item_id:
            return self.checklist_item.title
        return self.get_category_display()

    @property
    def deduction(self) -> Decimal:
        if not self.checklist_item_id:
            return Decimal("0")
        return self.checklist_item.deduction * self.person_times


def finding_photo_path(instance: FindingPhoto, filename: str) -> str:
    return f"inspections/findings/{instance.finding_id}/{filename}"


class EvidencePhoto(models.Model):
    """A photo checked by :func:`inspections.photos.process_photo`, kept outside static files
    and served only by a view that checks the user may see its record."""

    image = models.FileField(_("photo"))
    width = models.PositiveIntegerField(_("image width"), default=0)
    height = models.PositiveIntegerField(_("image height"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        # Not the file's name: its storage path is English ("findings/….jpg").
        return f"{_('Evidence photo')} {self.pk}"


class FindingPhoto(EvidencePhoto):
    """Evidence of a finding; ``inspections:photo`` serves it."""

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("photo"), upload_to=finding_photo_path)

    scope_place_lookup = "finding__place"

    class Meta(EvidencePhoto.Meta):
        verbose_name = _("finding photo")
        verbose_name_plural = _("finding photos")
