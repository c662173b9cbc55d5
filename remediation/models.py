"""Remediation (整改): items on the ledger, their transitions, evidence, accountability,
progress reports and six-month revisits (回头看). Its notifications live in
healthpov.notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from healthpov.choices import ChoiceLabels
from healthpov.places.models import Institution, Place
from healthpov.places.scoping import ScopedQuerySet
from inspections.models import EvidencePhoto


class ItemState(models.TextChoices):
    ON_LEDGER = "on_ledger", _("On the ledger")  # 挂账
    IN_PROGRESS = "in_progress", _("In progress")  # 整改中
    SUBMITTED = "submitted", _("Awaiting verification")  # 待核验
    CLOSED = "closed", _("Closed")  # 销号


class ItemSource(models.TextChoices):
    FINDING = "finding", _("Inspection finding")  # 督查发现
    FEEDBACK = "feedback", _("Higher-level feedback")  # 上级反馈
    REVISIT = "revisit", _("Revisit: problem came back")  # 回头看反弹


class Item(ChoiceLabels, models.Model):
    """A remediation item (整改事项); the four lists of the documents are views of these."""

    source = models.CharField(_("source"), max_length=20, choices=ItemSource.choices)
    finding = models.ForeignKey(
        "inspections.Finding",
        verbose_name=_("finding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remediation_items",
    )
    feedback_document = models.CharField(_("feedback document number"), max_length=150, blank=True)
    reopened_from = models.ForeignKey(
        "self",
        verbose_name=_("reopened from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reopenings",
    )
    problem = models.TextField(_("problem"))
    measures = models.TextField(_("measures"), blank=True)
    responsible_leader = models.CharField(_("responsible leader"), max_length=100, blank=True)
    responsible_institution = models.ForeignKey(
        Institution,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remediation_items",
    )
    responsible_unit_text = models.CharField(
        _("responsible unit (text)"),
        max_length=150,
        blank=True,
        help_text=_("A department or unit that is not an institution, e.g. 医政医改科."),
    )
    deadline = models.DateField(_("deadline"))
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="remediation_items"
    )
    township = models.ForeignKey(
        Place,
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ItemState.choices, default=ItemState.ON_LEDGER
    )
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "place"

    class Meta:
        verbose_name = _("remediation item")
        verbose_name_plural = _("remediation items")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["township", "state"]),
        ]

    def __str__(self) -> str:
        return self.problem[:40]

    @property
    def responsible_unit(self) -> str:
        if self.responsible_institution_id:
            return self.responsible_institution.name
        return self.responsible_unit_text

    @property
    def source_label(self) -> str:
        if self.source == ItemSource.FEEDBACK and self.feedback_document:
            return f"{self.get_source_display()}({self.feedback_document})"
        if self.source == ItemSource.FINDING and self.finding_id:
            document = self.finding.campaign.document_number
            name = self.finding.campaign.name
            return f"{name}({document})" if document else name
        return str(self.get_source_display())

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.state != ItemState.CLOSED

    @property
    def days_left(self) -> int:
        return (self.deadline - timezone.localdate()).days


class ItemTransition(ChoiceLabels, models.Model):
    """One step of an item's life; the log is append-only."""

    class Action(models.TextChoices):
        CREATE = "create", _("Put on the ledger")
        START = "start", _("Start remediation")
        SUBMIT = "submit", _("Submit for verification")
        CLOSE = "close", _("Verify and close")
        SEND_BACK = "send_back", _("Send back")
        OVERDUE = "overdue", _("Marked overdue")

    item = models.ForeignKey(
        Item,
        verbose_name=_("remediation item"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_state = models.CharField(
        _("from state"), max_length=20, choices=ItemState.choices, blank=True
    )
    to_state = models.CharField(_("to state"), max_length=20, choices=ItemState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "item__place"

    class Meta:
        verbose_name = _("item transition")
        verbose_name_plural = _("item transitions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.get_from_state_display()} → {self.get_to_state_display()}"


def evidence_path(instance: ItemEvidence, filename: str) -> str:
    return f"remediation/items/{instance.item_id}/{filename}"


class ItemEvidence(EvidencePhoto):
    """A photo proving the remediation (佐证材料); ``remediation:evidence`` serves it."""

    item = models.ForeignKey(
        Item, verbose_name=_("remediation item"), on_delete=models.CASCADE, related_name="evidence"
    )
    image = models.FileField(_("photo"), upload_to=evidence_path)

    scope_place_lookup = "item__place"

    class Meta(EvidencePhoto.Meta):
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")


class Accountability(ChoiceLabels, models.Model):
    """A notice (通报) or a talk (约谈) naming a unit; together they make the 问责清单."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice of criticism")  # 通报
        TALK = "talk", _("Accountability talk")  # 约谈

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    place = models.ForeignKey(
        Place, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountabilities",
    )
    person_named = models.CharField(_("person responsible"), max_length=100, blank=True)
    document_number = models.CharField(_("document number"), max_length=150, blank=True)
    held_on = models.DateField(_("date"))
    reason = models.TextField(_("reason"))
    items = models.ManyToManyField(Item, verbose_name=_("items"), related_name="accountabilities")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "place"

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.place}"


class ProgressReport(ChoiceLabels, models.Model):
    """A weekly (Thursday 12:00) or monthly progress report, kept as generated."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    place = models.ForeignKey(
        Place, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    data = models.JSONField(_("data"), default=dict)

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "place"

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-period_end", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "place", "period_start"], name="progress_report_unique_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}—{self.period_end}"


class Revisit(ChoiceLabels, models.Model):
    """The six-month revisit (回头看) of a closed item."""

    class Outcome(models.TextChoices):
        PENDING = "pending", pgettext_lazy("revisit", "Pending")
        HELD = "held", _("Remediation held")
        RECURRED = "recurred", _("Problem came back")

    item = models.OneToOneField(
        Item, verbose_name=_("remediation item"), on_delete=models.CASCADE, related_name="revisit"
    )
    due_on = models.DateField(_("due on"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    new_item = models.OneToOneField(
        Item,
        verbose_name=_("new remediation item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisit_origin",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "item__place"

    class Meta:
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.item} · {self.due_on}"
