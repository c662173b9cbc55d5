"""Inspection campaigns and the groups that carry them out."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from healthpov.places.models import Institution, Place


class Campaign(models.Model):
    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("Supervision")  # 督导
        SELF_CHECK = "self_check", _("Self-check")  # 自查
        UNANNOUNCED = "unannounced", _("Unannounced visit")  # 暗访
        POST_ASSESSMENT = "post_assessment", _("Post-assessment")  # 后评估
        REVISIT = "revisit", _("Revisit")  # 回头看

    name = models.CharField(_("name"), max_length=200)
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
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name


class InspectionGroup(models.Model):
    """A group of inspectors; its members see only the places assigned to it."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="inspection_groups", blank=True
    )
    places = models.ManyToManyField(
        Place, verbose_name=_("assigned places"), related_name="inspection_groups", blank=True
    )
    institutions = models.ManyToManyField(
        Institution, verbose_name=_("assigned institutions"), related_name="inspection_groups", blank=True
    )
    history = HistoricalRecords(m2m_fields=[members, places, institutions])

    class Meta:
        verbose_name = _("inspection group")
        verbose_name_plural = _("inspection groups")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.name}"
